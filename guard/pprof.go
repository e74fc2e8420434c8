package guard

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"html"
	"io"
	"net/http"
	"os"
	"runtime"
	"runtime/pprof"
	"runtime/trace"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/google/pprof/profile"
)

// pprofProfiles returns the named profiles Pprof mounts: the runtime's
// six, goroutineleak when the runtime has it, and any registered with
// pprof.NewProfile before Pprof is called.
func pprofProfiles() []string {
	names := []string{"allocs", "block", "goroutine", "heap", "mutex", "threadcreate"}
	if pprof.Lookup("goroutineleak") != nil {
		names = append(names, "goroutineleak")
	}
	for _, p := range pprof.Profiles() {
		if n := p.Name(); validProfileName(n) && !slices.Contains(names, n) {
			names = append(names, n)
		}
	}
	slices.Sort(names)
	return names
}

func validProfileName(n string) bool {
	if n == "" || n == "cmdline" || n == "profile" || n == "symbol" || n == "trace" {
		return false
	}
	for _, r := range n {
		if !('a' <= r && r <= 'z' || 'A' <= r && r <= 'Z' || '0' <= r && r <= '9' || r == '_' || r == '-' || r == '.') {
			return false
		}
	}
	return true
}

// Pprof mounts the pprof endpoints under /debug/pprof on router, behind
// BearerAuth(token): the index, cmdline, profile (CPU, ?seconds=, default
// 30), symbol, trace (?seconds=, default 1) and the named profiles allocs,
// block, goroutine, heap, mutex, threadcreate — plus goroutineleak when
// the runtime has it (Go 1.26 with GOEXPERIMENT=goroutineleakprofile) and
// profiles registered with pprof.NewProfile before the call. The named
// profiles take ?debug=N, ?gc=1 (heap) and ?seconds=N (a delta profile),
// as with net/http/pprof.
//
// The handlers are implemented here on top of runtime/pprof rather than
// taken from net/http/pprof, whose import registers them on
// http.DefaultServeMux: nothing is registered there. Block and mutex
// profiles stay empty until the program sets runtime.SetBlockProfileRate
// and runtime.SetMutexProfileFraction.
//
// Mount it on a router without Timeout (or on a separate, private server):
// CPU profiles and traces take seconds by design, and the profile and
// trace handlers extend the server's write deadline for that time.
//
// Pprof returns an error, and mounts nothing, when token is empty, shorter
// than MinTokenLen or has invisible characters (see BearerAuth) or router
// is nil, and an error if gin refuses a
// route (for instance a conflicting one already mounted).
func Pprof(router gin.IRouter, token string) (err error) {
	if router == nil {
		return errors.New("guard: Pprof: nil router")
	}
	if err := checkToken(token); err != nil {
		return fmt.Errorf("guard: Pprof: %w", err)
	}
	auth := bearerAuth(token)
	defer func() {
		if r := recover(); r != nil { // gin panics on conflicting routes
			err = fmt.Errorf("guard: Pprof: mounting /debug/pprof: %v", r)
		}
	}()
	names := pprofProfiles()
	g := router.Group("/debug/pprof", auth)
	g.GET("/", gin.WrapF(func(w http.ResponseWriter, r *http.Request) { pprofIndex(w, r, names) }))
	g.GET("/cmdline", gin.WrapF(pprofCmdline))
	g.GET("/profile", gin.WrapF(pprofCPU))
	g.GET("/symbol", gin.WrapF(pprofSymbol))
	g.POST("/symbol", gin.WrapF(pprofSymbol))
	g.GET("/trace", gin.WrapF(pprofTrace))
	for _, n := range names {
		g.GET("/"+n, gin.WrapH(namedProfile(n)))
	}
	return nil
}

func pprofError(w http.ResponseWriter, status int, msg string) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Header().Set("X-Go-Pprof", "1")
	w.Header().Del("Content-Disposition")
	w.WriteHeader(status)
	fmt.Fprintln(w, msg)
}

// sleepCtx waits for d or until ctx ends.
func sleepCtx(ctx context.Context, d time.Duration) {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
	case <-ctx.Done():
	}
}

// extendWriteDeadline gives a response that takes d to produce the
// server's WriteTimeout on top of d.
func extendWriteDeadline(w http.ResponseWriter, r *http.Request, d time.Duration) {
	srv, ok := r.Context().Value(http.ServerContextKey).(*http.Server)
	if ok && srv.WriteTimeout > 0 {
		_ = http.NewResponseController(w).SetWriteDeadline(time.Now().Add(srv.WriteTimeout + d))
	}
}

func pprofCmdline(w http.ResponseWriter, _ *http.Request) {
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	_, _ = io.WriteString(w, strings.Join(os.Args, "\x00"))
}

func pprofCPU(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("X-Content-Type-Options", "nosniff")
	sec, err := strconv.ParseInt(r.FormValue("seconds"), 10, 64)
	if sec <= 0 || err != nil || sec > 3600 {
		sec = 30
	}
	d := time.Duration(sec) * time.Second
	extendWriteDeadline(w, r, d)
	w.Header().Set("Content-Type", "application/octet-stream")
	w.Header().Set("Content-Disposition", `attachment; filename="profile"`)
	if err := pprof.StartCPUProfile(w); err != nil {
		pprofError(w, http.StatusInternalServerError, "could not enable CPU profiling: "+err.Error())
		return
	}
	sleepCtx(r.Context(), d)
	pprof.StopCPUProfile()
}

func pprofTrace(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("X-Content-Type-Options", "nosniff")
	sec, err := strconv.ParseFloat(r.FormValue("seconds"), 64)
	if sec <= 0 || err != nil || sec > 3600 {
		sec = 1
	}
	d := time.Duration(sec * float64(time.Second))
	extendWriteDeadline(w, r, d)
	w.Header().Set("Content-Type", "application/octet-stream")
	w.Header().Set("Content-Disposition", `attachment; filename="trace"`)
	if err := trace.Start(w); err != nil {
		pprofError(w, http.StatusInternalServerError, "could not enable tracing: "+err.Error())
		return
	}
	sleepCtx(r.Context(), d)
	trace.Stop()
}

// pprofSymbol maps program counters ("0x1234+0x5678", in the query or a
// POST body) to function names, as go tool pprof expects.
func pprofSymbol(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	var out bytes.Buffer
	fmt.Fprintf(&out, "num_symbols: 1\n")
	var in *bufio.Reader
	if r.Method == http.MethodPost {
		in = bufio.NewReader(io.LimitReader(r.Body, 1<<20))
	} else {
		in = bufio.NewReader(strings.NewReader(r.URL.RawQuery))
	}
	for {
		word, err := in.ReadSlice('+')
		if err == nil {
			word = word[:len(word)-1]
		}
		if pc, _ := strconv.ParseUint(string(word), 0, 64); pc != 0 {
			if f := runtime.FuncForPC(uintptr(pc)); f != nil {
				fmt.Fprintf(&out, "%#x %s\n", pc, f.Name())
			}
		}
		if err != nil {
			if err != io.EOF {
				fmt.Fprintf(&out, "reading request: %v\n", err)
			}
			break
		}
	}
	_, _ = w.Write(out.Bytes())
}

func pprofIndex(w http.ResponseWriter, _ *http.Request, names []string) {
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	var b strings.Builder
	b.WriteString("<html><head><title>/debug/pprof/</title></head><body>\n<p>/debug/pprof/</p>\n<table>\n")
	for _, n := range names {
		count := ""
		if p := pprof.Lookup(n); p != nil {
			count = strconv.Itoa(p.Count())
		}
		fmt.Fprintf(&b, "<tr><td align=right>%s</td><td><a href=\"%s?debug=1\">%s</a></td></tr>\n",
			count, html.EscapeString(n), html.EscapeString(n))
	}
	for _, n := range []string{"cmdline", "profile", "symbol", "trace"} {
		fmt.Fprintf(&b, "<tr><td></td><td><a href=\"%s\">%s</a></td></tr>\n", n, n)
	}
	b.WriteString("</table>\n<p>Every request needs the header Authorization: Bearer &lt;token&gt;.</p>\n</body></html>\n")
	_, _ = io.WriteString(w, b.String())
}

type namedProfile string

func (name namedProfile) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("X-Content-Type-Options", "nosniff")
	p := pprof.Lookup(string(name))
	if p == nil {
		pprofError(w, http.StatusNotFound, "unknown profile")
		return
	}
	if sec := r.FormValue("seconds"); sec != "" {
		name.serveDelta(w, r, p, sec)
		return
	}
	if gc, _ := strconv.Atoi(r.FormValue("gc")); name == "heap" && gc > 0 {
		runtime.GC()
	}
	debug, _ := strconv.Atoi(r.FormValue("debug"))
	if debug != 0 {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	} else {
		w.Header().Set("Content-Type", "application/octet-stream")
		w.Header().Set("Content-Disposition", fmt.Sprintf(`attachment; filename=%q`, string(name)))
	}
	_ = p.WriteTo(w, debug)
}

// serveDelta answers the difference between two snapshots of p taken
// ?seconds=N apart.
func (name namedProfile) serveDelta(w http.ResponseWriter, r *http.Request, p *pprof.Profile, secStr string) {
	sec, err := strconv.ParseInt(secStr, 10, 64)
	if err != nil || sec <= 0 || sec > 3600 {
		pprofError(w, http.StatusBadRequest, `invalid value for "seconds": want a positive integer`)
		return
	}
	if debug, _ := strconv.Atoi(r.FormValue("debug")); debug != 0 {
		pprofError(w, http.StatusBadRequest, "seconds and debug params are incompatible")
		return
	}
	d := time.Duration(sec) * time.Second
	extendWriteDeadline(w, r, d)
	p0, err := collectProfile(p)
	if err != nil {
		pprofError(w, http.StatusInternalServerError, "failed to collect profile: "+err.Error())
		return
	}
	sleepCtx(r.Context(), d)
	if err := r.Context().Err(); err != nil {
		pprofError(w, http.StatusServiceUnavailable, "request ended before the delta profile was complete: "+err.Error())
		return
	}
	p1, err := collectProfile(p)
	if err != nil {
		pprofError(w, http.StatusInternalServerError, "failed to collect profile: "+err.Error())
		return
	}
	ts, dur := p1.TimeNanos, p1.TimeNanos-p0.TimeNanos
	p0.Scale(-1)
	delta, err := profile.Merge([]*profile.Profile{p0, p1})
	if err != nil {
		pprofError(w, http.StatusInternalServerError, "failed to compute delta: "+err.Error())
		return
	}
	delta.TimeNanos, delta.DurationNanos = ts, dur
	w.Header().Set("Content-Type", "application/octet-stream")
	w.Header().Set("Content-Disposition", fmt.Sprintf(`attachment; filename="%s-delta"`, string(name)))
	_ = delta.Write(w)
}

func collectProfile(p *pprof.Profile) (*profile.Profile, error) {
	var buf bytes.Buffer
	if err := p.WriteTo(&buf, 0); err != nil {
		return nil, err
	}
	ts := time.Now().UnixNano()
	pp, err := profile.Parse(&buf)
	if err != nil {
		return nil, err
	}
	pp.TimeNanos = ts
	return pp, nil
}
