// Package secretlog defines an Analyzer that reports credentials from an
// HTTP request that reach a log.
//
// # Analyzer secretlog
//
// secretlog: request credentials written to a log
//
// The values of the Authorization, Proxy-Authorization, Cookie, Set-Cookie
// and X-Api-Key headers, cookie values, whole header maps, whole requests
// and httputil.DumpRequest output are bearer credentials: whoever reads
// them can act as the user. A log line that carries one copies it into log
// files, log shippers and every system that indexes them, where it outlives
// the session and is readable by far more people than the service's memory
// is.
//
// The analyzer follows such values through the local variables of one
// function, in source order, into log calls: package log, log/slog,
// fmt.Print*, fmt.Fprint* and io.WriteString to os.Stdout, os.Stderr,
// gin.DefaultWriter and gin.DefaultErrorWriter, go.uber.org/zap,
// github.com/sirupsen/logrus, github.com/rs/zerolog and the strings
// returned by gin log formatters. A call whose name says it redacts (redact,
// mask, sanitize, scrub, hash, fingerprint), a crypto or hash function, len,
// and any function it does not know end the flow; deleting or overwriting a
// credential header of a copied header map redacts the copy. There is no
// suggested fix: no mechanical rewrite is a safe redaction.
package secretlog

// Doc is the analyzer's documentation.
const Doc = `secretlog: request credentials written to a log

The values of the Authorization, Proxy-Authorization, Cookie, Set-Cookie and
X-Api-Key headers, cookie values, the password of BasicAuth, whole header
maps, whole *http.Request values and httputil.DumpRequest output carry
credentials; a log line that includes one copies it into log files and log
pipelines. Reported: such a value, followed through local variables,
string concatenation, fmt.Sprint*, strings functions and log attribute
constructors in source order, passed to log, log/slog, fmt.Print*,
fmt.Fprint* to os.Stdout/os.Stderr/gin.DefaultWriter, zap, logrus or
zerolog, or returned by a gin LogFormatter. Calls named like redact, mask,
sanitize, scrub, hash or fingerprint, crypto and hash functions, len and
unknown functions end the flow, and so does deleting or overwriting a
credential header in a copy of the header map. No fix is suggested.`
