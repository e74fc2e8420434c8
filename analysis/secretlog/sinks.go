package secretlog

import (
	"go/ast"
	"go/token"
	"go/types"
	"strings"
	"unicode/utf8"

	"golang.org/x/tools/go/analysis"

	"github.com/ginleak/ginleak/analysis/gintypes"
)

// Import paths of the third-party loggers.
const (
	zapPath     = "go.uber.org/zap"
	logrusPath  = "github.com/sirupsen/logrus"
	zerologPath = "github.com/rs/zerolog"
	zlogPath    = "github.com/rs/zerolog/log"
)

// sink is a log call.
type sink struct {
	name   string // for messages: "log.Printf", "slog.Logger.Info"
	from   int    // the first argument that is logged
	fmtIdx int    // the printf format's index, or -1
	text   bool   // formats its operands as text (fmt-style), not as attributes
}

func withSuffixes(bases []string, suffixes ...string) []string {
	var out []string
	for _, b := range bases {
		for _, s := range suffixes {
			out = append(out, b+s)
		}
	}
	return out
}

var (
	logNames    = set("Print", "Printf", "Println", "Fatal", "Fatalf", "Fatalln", "Panic", "Panicf", "Panicln")
	logMethods  = set(append(keys(logNames), "Output")...)
	slogNames   = set("Debug", "Info", "Warn", "Error", "DebugContext", "InfoContext", "WarnContext", "ErrorContext", "Log", "LogAttrs", "With")
	zapLevels   = []string{"Debug", "Info", "Warn", "Error", "DPanic", "Panic", "Fatal", "Log"}
	zapMethods  = set(append(withSuffixes(zapLevels, "", "f", "w", "ln"), "With", "WithLazy")...)
	logrusNames = set(append(withSuffixes([]string{"Trace", "Debug", "Info", "Print", "Warn", "Warning", "Error", "Fatal", "Panic", "Log"}, "", "f", "ln"),
		"WithField", "WithFields", "WithError")...)
	zerologMethods = set("Str", "Strs", "Stringer", "Stringers", "Interface", "Any", "Bytes", "Hex", "RawJSON",
		"Fields", "Err", "AnErr", "Errs", "Msg", "Msgf", "Print", "Printf", "Println")
	zlogFuncs   = set("Print", "Printf")
	fmtPrint    = set("Print", "Printf", "Println")
	fmtFprint   = set("Fprint", "Fprintf", "Fprintln")
	builtinLogs = set("print", "println")

	// sinkNames is every name above: most calls are ruled out by name
	// before any type is looked at.
	sinkNames = union(logMethods, slogNames, zapMethods, logrusNames, zerologMethods, fmtPrint, fmtFprint,
		builtinLogs, set("WriteString"))
)

func keys(m map[string]bool) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	return out
}

func union(ms ...map[string]bool) map[string]bool {
	out := make(map[string]bool)
	for _, m := range ms {
		for k := range m {
			out[k] = true
		}
	}
	return out
}

// sinkOf returns the log call call is, if it is one.
func (w *walker) sinkOf(call *ast.CallExpr) (sink, bool) {
	name := callName(call)
	if !sinkNames[name] {
		return sink{}, false
	}
	if builtinLogs[name] {
		if isBuiltin(w.info, call.Fun, name) {
			return sink{name: name, fmtIdx: -1, text: true}, true
		}
		return sink{}, false
	}
	fn := gintypes.Callee(w.info, call)
	if fn == nil || fn.Pkg() == nil { // error.Error has no package
		return sink{}, false
	}
	sig, _ := fn.Type().(*types.Signature)
	if sig == nil {
		return sink{}, false
	}
	path := gintypes.PkgPath(fn.Pkg())
	s := sink{fmtIdx: formatIndex(fn.Name(), sig)}
	if recv := sig.Recv(); recv != nil {
		tn := recvTypeName(recv.Type())
		s.name = fn.Pkg().Name() + "." + tn + "." + fn.Name()
		switch path {
		case "log":
			s.text = true
			return s, logMethods[name]
		case "log/slog":
			return s, slogNames[name]
		case zapPath:
			s.text = tn == "SugaredLogger" && !strings.HasSuffix(name, "w") && !strings.HasPrefix(name, "With")
			return s, zapMethods[name]
		case logrusPath:
			s.text = !strings.HasPrefix(name, "With")
			return s, logrusNames[name]
		case zerologPath:
			s.text = strings.HasPrefix(name, "Print") || name == "Msgf"
			return s, zerologMethods[name]
		}
		return sink{}, false
	}
	s.name = fn.Pkg().Name() + "." + fn.Name()
	switch path {
	case "log":
		s.text = true
		return s, logNames[name]
	case "log/slog":
		return s, slogNames[name]
	case logrusPath:
		s.text = !strings.HasPrefix(name, "With")
		return s, logrusNames[name]
	case zlogPath:
		s.text = true
		return s, zlogFuncs[name]
	case "fmt":
		s.text = true
		if fmtPrint[name] {
			return s, true
		}
		if fmtFprint[name] && len(call.Args) > 0 {
			if out, ok := w.logWriter(call.Args[0]); ok {
				s.name += " to " + out
				s.from = 1
				return s, true
			}
		}
	case "io":
		if name == "WriteString" && len(call.Args) == 2 {
			if out, ok := w.logWriter(call.Args[0]); ok {
				s.name += " to " + out
				s.from, s.text = 1, true
				return s, true
			}
		}
	}
	return sink{}, false
}

// recvTypeName is the name of a method's receiver type: Logger for
// *slog.Logger.
func recvTypeName(t types.Type) string {
	if p, ok := types.Unalias(t).(*types.Pointer); ok {
		t = p.Elem()
	}
	if n, ok := types.Unalias(t).(*types.Named); ok {
		return n.Obj().Name()
	}
	return "?"
}

// formatIndex returns the index of a printf-style function's format
// parameter (the string before the variadic one of an ...f function), or
// -1.
func formatIndex(name string, sig *types.Signature) int {
	n := sig.Params().Len()
	if !sig.Variadic() || n < 2 || !strings.HasSuffix(name, "f") {
		return -1
	}
	if !isString(sig.Params().At(n - 2).Type()) {
		return -1
	}
	return n - 2
}

// logWriter reports whether e is a writer that ends up in the process's
// log: os.Stdout, os.Stderr, gin.DefaultWriter, gin.DefaultErrorWriter.
func (w *walker) logWriter(e ast.Expr) (string, bool) {
	v, ok := gintypes.ObjectOf(w.info, e).(*types.Var)
	if !ok || !gintypes.IsPackageLevel(v) {
		return "", false
	}
	switch gintypes.PkgPath(v.Pkg()) {
	case "os":
		if v.Name() == "Stdout" || v.Name() == "Stderr" {
			return "os." + v.Name(), true
		}
	case gintypes.GinPath:
		if v.Name() == "DefaultWriter" || v.Name() == "DefaultErrorWriter" {
			return "gin." + v.Name(), true
		}
	}
	return "", false
}

// hit is a tainted argument of a call.
type hit struct {
	arg  ast.Expr
	t    taint
	verb string // the printf verb that formats it, "" if none or unknown
}

// firstTainted returns the first argument from index from on that carries
// credentials into the call's output. With a printf format (fmtIdx >= 0)
// an operand printed with %T or %p, or consumed by a * width, is skipped.
func (w *walker) firstTainted(call *ast.CallExpr, from, fmtIdx int) (hit, bool) {
	var verbs []string
	known := false
	if fmtIdx >= 0 && fmtIdx < len(call.Args) && !call.Ellipsis.IsValid() {
		if f, ok := w.constString(call.Args[fmtIdx]); ok {
			verbs, known = parseVerbs(f)
		}
	}
	for i := from; i < len(call.Args); i++ {
		verb := ""
		if fmtIdx >= 0 && i > fmtIdx && known {
			if j := i - fmtIdx - 1; j < len(verbs) {
				verb = verbs[j]
				if !leaks(verb) {
					continue
				}
			}
		}
		if t := w.eval(call.Args[i]); t.ok() {
			return hit{call.Args[i], t, verb}, true
		}
	}
	return hit{}, false
}

// parseVerbs returns the directive that consumes each operand of a printf
// format, in order ("%v", "%+v", "*" for a width or precision taken from an
// operand). ok is false when the format uses explicit argument indexes.
func parseVerbs(format string) (verbs []string, ok bool) {
	for i := 0; i < len(format); i++ {
		if format[i] != '%' {
			continue
		}
		start := i
		i++
		for i < len(format) && strings.IndexByte("+-# 0", format[i]) >= 0 {
			i++
		}
		// width, then precision; either may be an operand
		for part := 0; part < 2; part++ {
			if part == 1 {
				if i >= len(format) || format[i] != '.' {
					break
				}
				i++
			}
			if i < len(format) && format[i] == '*' {
				verbs = append(verbs, "*")
				i++
				continue
			}
			for i < len(format) && '0' <= format[i] && format[i] <= '9' {
				i++
			}
		}
		if i >= len(format) {
			break // a trailing "%": fmt prints %!(NOVERB)
		}
		switch format[i] {
		case '[':
			return nil, false
		case '%':
			continue
		}
		_, size := utf8.DecodeRuneInString(format[i:])
		verbs = append(verbs, format[start:i+size])
		i += size - 1
	}
	return verbs, true
}

// leaks reports whether a printf directive prints its operand's contents:
// all but %T, %p and a * width do (even %d prints a struct's strings).
func leaks(directive string) bool {
	if directive == "*" {
		return false
	}
	last := directive[len(directive)-1]
	return last != 'T' && last != 'p'
}

// checkSink reports the first argument of a log call that carries
// credentials.
func (w *walker) checkSink(call *ast.CallExpr, s sink) {
	h, ok := w.firstTainted(call, s.from, s.fmtIdx)
	if !ok {
		return
	}
	verb := h.verb
	if verb == "" {
		verb = "%v"
	}
	how := "is passed to " + s.name
	if s.text {
		how = "is formatted into a log line with " + verb
	}
	w.report(h.arg, h.t, s.name, how, sinkPos(call), call.End())
}

// sinkPos is where a log call is reported: at the name of the function or
// method, so that a call in a chain split over lines (zerolog's
// log.Info().\n Str(...)) is reported on its own line, and a
// //ginleak:ignore above a multi-line call applies to it.
func sinkPos(call *ast.CallExpr) token.Pos {
	if sel, ok := ast.Unparen(call.Fun).(*ast.SelectorExpr); ok {
		return sel.Sel.Pos()
	}
	return call.Pos()
}

const (
	leakTail    = "credentials end up in log files and log pipelines — log a redacted form (e.g. guard.AccessLog redacts it) or drop it"
	requestTail = "its headers include Authorization and Cookie values — log selected fields instead"
)

// report reports the tainted argument arg of the log call named sinkName
// at [pos, end). how says how a whole request reaches the log.
func (w *walker) report(arg ast.Expr, t taint, sinkName, how string, pos, end token.Pos) {
	via := ""
	if id, ok := ast.Unparen(arg).(*ast.Ident); ok && t.kind != request {
		via = " (in " + id.Name + ")"
	}
	var msg string
	switch t.kind {
	case secret:
		msg = t.src + via + " reaches " + sinkName + ": " + leakTail
	case headerMap, headerValues:
		msg = t.src + via + " reach " + sinkName + ": they include the Authorization and Cookie values, " +
			"and credentials end up in log files and log pipelines — log selected headers or a redacted copy " +
			"(e.g. guard.AccessLog redacts them)"
	case dump:
		msg = t.src + via + " reaches " + sinkName + ": it includes the request's Authorization and Cookie headers, " +
			"and credentials end up in log files and log pipelines — log selected fields instead"
	case request:
		if how == "" {
			how = "reaches " + sinkName
		}
		msg = t.src + " " + how + ": " + requestTail
	case reqText:
		verb := t.verb
		if verb == "" {
			verb = "%v"
		}
		msg = t.src + via + ", formatted with " + verb + ", reaches " + sinkName + ": " + requestTail
	default:
		return
	}
	w.rep.Report(analysis.Diagnostic{Pos: pos, End: end, Message: msg})
}
