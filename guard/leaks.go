package guard

import (
	"bytes"
	"cmp"
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"io"
	"mime"
	"net/http"
	"runtime/pprof"
	"slices"
	"strings"

	"github.com/ginleak/ginleak/soak/profdiff"
)

// maxSampleFrames bounds the stack LeakHandler shows for a group.
const maxSampleFrames = 16

// Leaks returns the /debug/leaks page of LeakHandler behind
// "Authorization: Bearer <token>", checked as BearerAuth does (the same
// token as Pprof is the usual choice). It is the form to mount: the page
// shows the service's code paths and goroutine counts, and each dump stops
// the world for a moment. Leaks returns an error, and no handler, when the
// token is refused (empty, shorter than MinTokenLen, or with spaces,
// control or invisible characters).
//
//	leaks, err := guard.Leaks(os.Getenv("DEBUG_TOKEN"))
//	debug.GET("/debug/leaks", gin.WrapH(leaks))
func Leaks(token string, opts ...Option) (http.Handler, error) {
	if err := checkToken(token); err != nil {
		return nil, fmt.Errorf("guard: Leaks: %w", err)
	}
	return &bearerHandler{want: sha256.Sum256([]byte(token)), next: LeakHandler(opts...)}, nil
}

// LeakHandler returns an http.Handler for /debug/leaks: it takes a
// goroutine dump (the debug=2 text of the goroutine profile, with wait
// times), groups the goroutines by the go statement that created them and
// their wait reason ("chan send", "select", "IO wait", ...), and lists the
// groups with their size, the longest wait in minutes, the frame of the
// service's own code where a sample goroutine waits, and a sample stack.
// Groups of at least WithLeakThreshold goroutines (default 100) are
// flagged and listed first. This is the method Uber published as LeakProf:
// a leak shows up as many goroutines blocked at one site for a long time.
//
// The answer is JSON with ?format=json or an Accept header that prefers
// application/json, and a plain-text page otherwise. Taking a dump stops
// the world for a moment and is proportional to the number of goroutines,
// so one dump runs at a time (others get 429).
//
// LeakHandler itself checks no credentials: it is for a router that already
// authenticates every request. Otherwise mount Leaks(token), which puts it
// behind a bearer token.
func LeakHandler(opts ...Option) http.Handler {
	cfg := newConfig(opts)
	return &leakHandler{threshold: cfg.leakThreshold, busy: make(chan struct{}, 1)}
}

type leakHandler struct {
	threshold int
	busy      chan struct{}
}

type leakFrame struct {
	Function string `json:"function"`
	File     string `json:"file,omitempty"`
	Line     int    `json:"line,omitempty"`
}

func (f leakFrame) String() string {
	if f.Function == "" {
		return "(none)"
	}
	if f.File == "" {
		return f.Function
	}
	return fmt.Sprintf("%s %s:%d", f.Function, f.File, f.Line)
}

type leakGroup struct {
	CreatedBy      leakFrame   `json:"created_by"`
	State          string      `json:"state"`
	Count          int         `json:"count"`
	MaxWaitMinutes int         `json:"max_wait_minutes"`
	Flagged        bool        `json:"flagged"`
	BlockedAt      leakFrame   `json:"blocked_at"`
	Stack          []leakFrame `json:"stack"`
}

type leakReport struct {
	Goroutines    int         `json:"goroutines"`
	Threshold     int         `json:"threshold"`
	FlaggedGroups int         `json:"flagged_groups"`
	Groups        []leakGroup `json:"groups"`
}

func (h *leakHandler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	select {
	case h.busy <- struct{}{}:
		defer func() { <-h.busy }()
	default:
		http.Error(w, "a goroutine dump is already being taken; retry later", http.StatusTooManyRequests)
		return
	}
	var buf bytes.Buffer
	if err := pprof.Lookup("goroutine").WriteTo(&buf, 2); err != nil {
		http.Error(w, "taking the goroutine dump: "+err.Error(), http.StatusInternalServerError)
		return
	}
	gs, err := profdiff.ParseGoroutines(&buf)
	if err != nil && len(gs) == 0 {
		http.Error(w, "reading the goroutine dump: "+err.Error(), http.StatusInternalServerError)
		return
	}
	rep := buildLeakReport(gs, h.threshold)
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	if wantsJSON(r) {
		w.Header().Set("Content-Type", "application/json")
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		_ = enc.Encode(rep)
		return
	}
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	writeLeakText(w, rep)
}

// wantsJSON reports whether the client asked for JSON: ?format=json, or an
// Accept header whose first acceptable type is application/json.
func wantsJSON(r *http.Request) bool {
	switch r.URL.Query().Get("format") {
	case "json":
		return true
	case "text":
		return false
	}
	for part := range strings.SplitSeq(r.Header.Get("Accept"), ",") {
		mt, params, err := mime.ParseMediaType(strings.TrimSpace(part))
		if err != nil || params["q"] == "0" {
			continue
		}
		switch mt {
		case "application/json":
			return true
		case "text/plain", "text/html", "text/*":
			return false
		}
	}
	return false
}

func toLeakFrame(f profdiff.Frame) leakFrame {
	return leakFrame{Function: f.Function, File: f.File, Line: f.Line}
}

// buildLeakReport groups gs by created-by site and wait reason.
func buildLeakReport(gs []profdiff.Goroutine, threshold int) leakReport {
	type key struct {
		createdBy profdiff.Frame
		state     string
	}
	type acc struct {
		g      leakGroup
		sample *profdiff.Goroutine
	}
	groups := map[key]*acc{}
	for i := range gs {
		g := &gs[i]
		k := key{createdBy: g.CreatedBy, state: g.State}
		a := groups[k]
		if a == nil {
			a = &acc{g: leakGroup{CreatedBy: toLeakFrame(g.CreatedBy), State: g.State}, sample: g}
			groups[k] = a
		}
		a.g.Count++
		if g.WaitMinutes > a.g.MaxWaitMinutes {
			a.g.MaxWaitMinutes = g.WaitMinutes
			a.sample = g
		}
	}
	rep := leakReport{Goroutines: len(gs), Threshold: threshold, Groups: make([]leakGroup, 0, len(groups))}
	for _, a := range groups {
		g := a.g
		g.Flagged = g.Count >= threshold
		if g.Flagged {
			rep.FlaggedGroups++
		}
		frames := a.sample.Frames
		for _, f := range frames {
			if profdiff.OwnCode(f.Function) {
				g.BlockedAt = toLeakFrame(f)
				break
			}
		}
		if g.BlockedAt.Function == "" && len(frames) > 0 {
			g.BlockedAt = toLeakFrame(frames[0])
		}
		n := min(len(frames), maxSampleFrames)
		g.Stack = make([]leakFrame, n)
		for i := range n {
			g.Stack[i] = toLeakFrame(frames[i])
		}
		rep.Groups = append(rep.Groups, g)
	}
	slices.SortFunc(rep.Groups, func(a, b leakGroup) int {
		if a.Flagged != b.Flagged {
			if a.Flagged {
				return -1
			}
			return 1
		}
		return cmp.Or(
			cmp.Compare(b.Count, a.Count),
			cmp.Compare(b.MaxWaitMinutes, a.MaxWaitMinutes),
			cmp.Compare(a.CreatedBy.Function, b.CreatedBy.Function),
			cmp.Compare(a.CreatedBy.File, b.CreatedBy.File),
			cmp.Compare(a.CreatedBy.Line, b.CreatedBy.Line),
			cmp.Compare(a.State, b.State),
		)
	})
	return rep
}

func writeLeakText(w io.Writer, rep leakReport) {
	fmt.Fprintf(w, "goroutines: %d   groups: %d   flagged (>= %d goroutines): %d\n",
		rep.Goroutines, len(rep.Groups), rep.Threshold, rep.FlaggedGroups)
	fmt.Fprintf(w, "grouped by creation site and wait reason; largest first (LeakProf)\n")
	for _, g := range rep.Groups {
		mark := "       "
		if g.Flagged {
			mark = "FLAGGED"
		}
		fmt.Fprintf(w, "\n%s %6d goroutines  [%s]", mark, g.Count, g.State)
		if g.MaxWaitMinutes > 0 {
			fmt.Fprintf(w, "  longest wait %d min", g.MaxWaitMinutes)
		}
		fmt.Fprintf(w, "\n        created by  %s\n", g.CreatedBy)
		if g.BlockedAt.Function != "" {
			fmt.Fprintf(w, "        waiting in  %s\n", g.BlockedAt)
		}
		if g.Flagged {
			for _, f := range g.Stack {
				fmt.Fprintf(w, "            %s\n", f)
			}
		}
	}
}
