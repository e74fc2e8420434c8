package bgcontext

import (
	"go/ast"
	"go/types"
	"strings"

	"github.com/ginleak/ginleak/analysis/gintypes"
)

// logElems are import path elements of logging packages: the standard
// library's log and log/slog, zap, zerolog, logrus, logr, glog and klog,
// and the logger, logging or logs packages applications keep their own
// wrappers in.
var logElems = map[string]bool{
	"log": true, "slog": true, "logger": true, "logging": true, "logs": true, "logx": true,
	"zap": true, "ctxzap": true, "otelzap": true, "zerolog": true, "logrus": true, "logr": true,
	"glog": true, "klog": true, "hclog": true, "zlog": true, "xlog": true, "logutil": true, "logutils": true,
	"loggers": true, "applog": true,
}

// levelNames are the names of logging functions; with a suffix f, w, ln,
// Context or Ctx they name a logger's function in a package whose path
// mentions "log" (logutil.TraceContext, mylog.Infof).
var levelNames = []string{"Trace", "Debug", "Info", "Warn", "Warning", "Error", "Fatal", "Panic", "Log", "Print"}

func levelName(name string) bool {
	for _, l := range levelNames {
		if rest, ok := strings.CutPrefix(name, l); ok {
			switch rest {
			case "", "f", "w", "ln", "Context", "Ctx", "fContext", "fCtx":
				return true
			}
		}
	}
	return false
}

// isLogCall reports whether call hands its context to a logger:
// logger.Debugf(ctx, ...), slog.InfoContext(ctx, ...), log.Ctx(ctx),
// logrus.WithContext(ctx), (*zap.Logger).Info... A logger reads values
// (trace IDs, request IDs) from the context; it does no work the client's
// departure should cancel, so a background context there costs nothing.
// The callee counts as a logger when its package is a logging package or
// its receiver's type is named like one (Logger, SugaredLogger, Entry of a
// logging package...).
func isLogCall(info *types.Info, call *ast.CallExpr, fn *types.Func) bool {
	if fn == nil {
		// A method value or function value of a logger: judge by the
		// type of the receiver expression, if any.
		if sel, ok := ast.Unparen(call.Fun).(*ast.SelectorExpr); ok {
			return loggerType(info.TypeOf(sel.X))
		}
		return false
	}
	if sig, ok := fn.Type().(*types.Signature); ok && sig.Recv() != nil && loggerType(sig.Recv().Type()) {
		return true
	}
	if logPackage(fn.Pkg()) {
		return true
	}
	return levelName(fn.Name()) && fn.Pkg() != nil && strings.Contains(strings.ToLower(gintypes.PkgPath(fn.Pkg())), "log")
}

// logPackage reports whether pkg's import path has a logging element
// (github.com/rs/zerolog/log, go.uber.org/zap, myapp/common/logger).
func logPackage(pkg *types.Package) bool {
	if pkg == nil {
		return false
	}
	for el := range strings.SplitSeq(gintypes.PkgPath(pkg), "/") {
		if logElems[el] {
			return true
		}
	}
	return false
}

// loggerType reports whether t (or what it points to) is a named type
// called Logger or ending in Logger, or any named type of a logging
// package.
func loggerType(t types.Type) bool {
	if t == nil {
		return false
	}
	if p, ok := types.Unalias(t).(*types.Pointer); ok {
		t = p.Elem()
	}
	n, ok := types.Unalias(t).(*types.Named)
	if !ok {
		return false
	}
	return strings.HasSuffix(n.Obj().Name(), "Logger") || logPackage(n.Obj().Pkg())
}
