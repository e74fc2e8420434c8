//go:build unix

package proc

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"time"

	"github.com/ginleak/ginleak/soak/load"
)

// Pacing of the readiness checks.
const (
	readyAttemptTimeout = 2 * time.Second
	readyFirstPause     = 50 * time.Millisecond
	readyMaxPause       = 500 * time.Millisecond
)

// waitReady polls rawURL until it answers with a status below 500, the
// command exits, ctx ends or timeout passes.
func (p *Process) waitReady(ctx context.Context, rawURL string, timeout time.Duration) error {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	tr := &http.Transport{
		Proxy:             nil, // a proxy would not reach the service on this machine
		DialContext:       (&net.Dialer{Timeout: readyAttemptTimeout, Control: load.LoopbackOnly}).DialContext,
		DisableKeepAlives: true,
	}
	defer tr.CloseIdleConnections()
	client := &http.Client{
		Transport: tr,
		Timeout:   readyAttemptTimeout, // one attempt never outlives its turn
		// A redirect is an answer: the server is up.
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
	last := "no attempt finished"
	pause := readyFirstPause
	for {
		status, err := probeOnce(ctx, client, rawURL)
		switch {
		case err == nil && status < 500:
			return nil
		case errors.Is(err, load.ErrNotLoopback):
			return fmt.Errorf("readiness URL %s: %w", rawURL, err)
		case err == nil:
			last = fmt.Sprintf("it answered %d", status)
		case ctx.Err() == nil:
			last = shortErr(err)
		}
		select {
		case <-p.exited:
			return p.exitError(true)
		case <-ctx.Done():
			// The command may have ended at the same moment: say so.
			select {
			case <-p.exited:
				return p.exitError(true)
			default:
			}
			if errors.Is(ctx.Err(), context.DeadlineExceeded) {
				return p.notReady(rawURL, timeout, last)
			}
			return fmt.Errorf("interrupted while waiting for %q to answer at %s: %w", p.command, rawURL, context.Cause(ctx))
		case <-time.After(pause):
		}
		pause = min(2*pause, readyMaxPause)
	}
}

// probeOnce GETs rawURL and returns the status code.
func probeOnce(ctx context.Context, c *http.Client, rawURL string) (int, error) {
	ctx, cancel := context.WithTimeout(ctx, readyAttemptTimeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, rawURL, nil)
	if err != nil {
		return 0, err
	}
	req.Header.Set("User-Agent", "ginleak-ready")
	resp, err := c.Do(req)
	if err != nil {
		return 0, err
	}
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	resp.Body.Close()
	return resp.StatusCode, nil
}

// shortErr drops the "Get URL:" and "dial tcp ADDR:" layers: the message
// around it names the URL already.
func shortErr(err error) string {
	for {
		var op *net.OpError
		if !errors.As(err, &op) || op.Err == nil {
			break
		}
		err = op.Err
	}
	return strings.TrimSpace(err.Error())
}

// notReady is the error of a command that runs but never answered.
func (p *Process) notReady(rawURL string, timeout time.Duration, last string) error {
	var b strings.Builder
	fmt.Fprintf(&b, "the target command %q (pid %d) did not answer at %s within %v (last attempt: %s)",
		p.command, p.pid, rawURL, timeout, last)
	if tail := p.log.tail(TailLines); len(tail) > 0 {
		fmt.Fprintf(&b, "; last %d lines of its log %s:", len(tail), p.logPath)
		for _, l := range tail {
			b.WriteString("\n  | ")
			b.WriteString(l)
		}
	} else {
		fmt.Fprintf(&b, "; its log %s is empty", p.logPath)
	}
	b.WriteString("\nDoes it listen on that address? Pass --ready with the URL it serves, or a longer --ready-timeout if it needs more time to start")
	return errors.New(b.String())
}
