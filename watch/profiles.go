package watch

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"time"

	"github.com/ginleak/ginleak/soak/diagnose"
	"github.com/ginleak/ginleak/soak/load"
	"github.com/ginleak/ginleak/soak/profdiff"
)

// Defaults of WithPprof.
const (
	DefaultProfileDelay = time.Minute
	DefaultMaxProfiles  = 3
	// profileTimeout bounds each profile read.
	profileTimeout = 20 * time.Second
	// topSites is how many growing sites of each kind an instance lists.
	topSites = 5
)

// WithPprof names the growing sites of the leaking instances, as soak does:
// for at most max of them (default DefaultMaxProfiles), the heap profile and
// the goroutine dump are read from http://INSTANCE/debug/pprof (guard.Pprof's
// mount) with "Authorization: Bearer token", twice, delay apart (default a
// minute), and compared. Each read is bounded in size and time; an instance
// whose pprof cannot be read gets a note, not an error. The instance label
// must be the address pprof answers on. Instances must be on loopback unless
// AllowRemote.
func WithPprof(token string, delay time.Duration, max int) Option {
	return optionFunc(func(c *config) {
		if token == "" {
			c.err = errors.New("WithPprof: empty token")
			return
		}
		if delay < 0 || max < 0 {
			c.err = fmt.Errorf("WithPprof: delay %v and max %d must not be negative", delay, max)
			return
		}
		if delay == 0 {
			delay = DefaultProfileDelay
		}
		if max == 0 {
			max = DefaultMaxProfiles
		}
		c.pprofToken, c.profileDelay, c.maxProfiles = token, delay, max
	})
}

// profileSnapshot is one reading of an instance's pprof.
type profileSnapshot struct {
	heap   *profdiff.HeapSummary
	groups []profdiff.Group
}

// profileLeaking fills the sites of the leaking instances of rep.
func profileLeaking(ctx context.Context, cfg *config, rep *Report) {
	var targets []*Instance
	for i := range rep.Instances {
		if in := &rep.Instances[i]; in.Verdict == "leak" && len(targets) < cfg.maxProfiles {
			targets = append(targets, in)
		}
	}
	if len(targets) == 0 {
		return
	}
	dialer := &net.Dialer{Timeout: 5 * time.Second}
	if !cfg.allowRemote {
		dialer.Control = load.LoopbackOnly
	}
	client := &http.Client{
		Timeout:       profileTimeout,
		Transport:     &http.Transport{DialContext: dialer.DialContext, ResponseHeaderTimeout: profileTimeout},
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
	defer client.CloseIdleConnections()
	first := make([]*profileSnapshot, len(targets))
	for i, in := range targets {
		var err error
		if first[i], err = snapshot(ctx, client, cfg.pprofToken, in.Instance); err != nil {
			in.Notes = append(in.Notes, "no profiles: "+err.Error())
		}
	}
	if cfg.betweenReadings != nil { // tests: the load between the readings
		cfg.betweenReadings()
	} else {
		t := time.NewTimer(cfg.profileDelay)
		select {
		case <-ctx.Done():
			t.Stop()
			return
		case <-t.C:
		}
	}
	for i, in := range targets {
		if first[i] == nil {
			continue
		}
		last, err := snapshot(ctx, client, cfg.pprofToken, in.Instance)
		if err != nil {
			in.Notes = append(in.Notes, "no second profile: "+err.Error())
			continue
		}
		if in.HeapSites, err = profdiff.DiffHeap(first[i].heap, last.heap, topSites); err != nil {
			in.Notes = append(in.Notes, "heap profiles: "+err.Error())
		}
		own := profdiff.WithOwnCode(profdiff.Owner(diagnose.Owner{GOROOT: profdiff.GOROOTOf(last.groups)}))
		in.GoroutineSites = profdiff.DiffGroups(first[i].groups, last.groups, topSites, own)
		in.Notes = append(in.Notes, fmt.Sprintf("sites from two pprof readings %s apart", cfg.profileDelay))
	}
}

func snapshot(ctx context.Context, client *http.Client, token, instance string) (*profileSnapshot, error) {
	base := "http://" + instance + "/debug/pprof"
	var s profileSnapshot
	// The goroutine dump first: its GOROOT decides what is own code.
	err := get(ctx, client, token, base+"/goroutine?debug=2", func(r io.Reader) (err error) {
		s.groups, err = profdiff.ReadGoroutineGroups(r)
		return err
	})
	if err != nil {
		return nil, err
	}
	own := profdiff.WithOwnCode(profdiff.Owner(diagnose.Owner{GOROOT: profdiff.GOROOTOf(s.groups)}))
	err = get(ctx, client, token, base+"/heap?gc=1", func(r io.Reader) error {
		p, err := profdiff.ReadHeapProfile(r)
		if err == nil {
			s.heap, err = profdiff.SummarizeHeap(p, own)
		}
		return err
	})
	if err != nil {
		return nil, err
	}
	return &s, nil
}

func get(ctx context.Context, client *http.Client, token, url string, read func(io.Reader) error) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return err
	}
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := client.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("GET %s: %s (is pprof mounted with guard.Pprof and this token?)", url, resp.Status)
	}
	if err := read(resp.Body); err != nil {
		return fmt.Errorf("GET %s: %w", url, err)
	}
	return nil
}
