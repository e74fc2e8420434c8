// Package servertimeout defines an Analyzer that reports HTTP servers that
// have no read timeouts.
//
// # Analyzer servertimeout
//
// servertimeout: HTTP server without read timeouts
//
// An http.Server whose ReadHeaderTimeout and ReadTimeout are both zero waits
// forever for a request's headers. Each connection costs a goroutine, its
// buffers and a file descriptor, so a client that opens connections and
// sends headers a byte at a time (slowloris) makes the server hold them all
// until it runs out of memory or descriptors.
//
// The analyzer reports an http.Server composite literal (value or pointer)
// that sets neither field, unless the variable it is assigned to gets one of
// them later in the same function (srv.ReadHeaderTimeout = ...). It also
// reports the shortcuts that build such a server with no way to shut it
// down gracefully: http.ListenAndServe, http.ListenAndServeTLS, http.Serve,
// http.ServeTLS, and gin's Engine.Run, RunTLS, RunUnix, RunFd and
// RunListener. Test files (_test.go) are not checked.
//
// A gin whose Engine type has a ReadHeaderTimeout field (merged upstream in
// 2026, defaulting to 10 s) gives the servers of Run, RunTLS, RunListener
// and RunFd a read header timeout, so those calls are not reported when
// the type-checked gin.Engine has the field; RunUnix still is. The field
// decides, not the module version.
//
// The suggested fix for a literal adds ReadHeaderTimeout: 5 * time.Second,
// importing "time" if the file does not.
package servertimeout

// Doc is the analyzer's documentation.
const Doc = `servertimeout: HTTP server without read timeouts

An http.Server with neither ReadHeaderTimeout nor ReadTimeout waits forever
for request headers: a client that sends them slowly (slowloris) holds a
connection, its goroutine and buffers for as long as it likes. Reported: an
http.Server composite literal that sets neither field and whose variable is
not assigned one later in the same function, and the shortcuts that start
such a server with no graceful shutdown: http.ListenAndServe,
http.ListenAndServeTLS, http.Serve, http.ServeTLS and gin's Engine.Run,
RunTLS, RunUnix, RunFd and RunListener — except Run, RunTLS, RunFd and
RunListener of a gin whose Engine has a ReadHeaderTimeout field, which
sets one. Test files are not checked. The
suggested fix adds ReadHeaderTimeout: 5 * time.Second to the literal.`
