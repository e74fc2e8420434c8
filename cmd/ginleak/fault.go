package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"time"

	"github.com/ginleak/ginleak/fault"
)

const faultUsage = `Usage: ginleak fault -listen ADDR -upstream ADDR [faults] [-duration D]

A TCP proxy for chaos drills: point the service at -listen instead of its
dependency at -upstream, then make the dependency slow, flaky or gone and
watch (with ginleak soak) whether the service piles up goroutines.

  ginleak fault -listen 127.0.0.1:9001 -upstream 127.0.0.1:9000 \
      -latency 2s -jitter 500ms -reset 5% -blackhole 2% -down 10s/60s

Faults, chosen per connection with a seeded random source (printed; -seed
repeats a drill):
  -latency D, -jitter D   hold every chunk the upstream sends back for D ± jitter
  -reset P                reset P of the connections as soon as they arrive
  -blackhole P            accept P of the connections and never answer them
  -down FOR/EVERY         the upstream is gone for the last FOR of every EVERY:
                          new connections are reset, open ones cut

It prints what it did every -every and when it stops (Ctrl-C, or -duration).
Loopback addresses only unless -allow-remote.

Exit codes: 0 stopped normally, 2 bad flags or cannot listen.

Flags:
`

func runFault(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("ginleak fault", flag.ContinueOnError)
	var cfg fault.Config
	fs.StringVar(&cfg.Listen, "listen", "", "listen on `ADDR` (host:port)")
	fs.StringVar(&cfg.Upstream, "upstream", "", "forward to the dependency at `ADDR` (host:port)")
	fs.DurationVar(&cfg.Latency, "latency", 0, "delay every chunk from the upstream by `D`")
	fs.DurationVar(&cfg.Jitter, "jitter", 0, "vary the latency by up to ± `D`")
	fs.Func("reset", "reset `P` of the connections (5% or 0.05)", func(s string) (err error) {
		cfg.Reset, err = fault.ParsePercent(s)
		return err
	})
	fs.Func("blackhole", "never answer `P` of the connections (5% or 0.05)", func(s string) (err error) {
		cfg.Blackhole, err = fault.ParsePercent(s)
		return err
	})
	fs.Func("down", "take the upstream away for `FOR/EVERY`, e.g. 10s/60s", func(s string) (err error) {
		cfg.Down, err = fault.ParseDown(s)
		return err
	})
	fs.Uint64Var(&cfg.Seed, "seed", 0, "seed of the random choices (0: pick one and print it)")
	fs.BoolVar(&cfg.AllowRemote, "allow-remote", false, "allow non-loopback listen and upstream addresses")
	duration := fs.Duration("duration", 0, "stop after `D` (default: run until Ctrl-C)")
	every := fs.Duration("every", 5*time.Second, "print the counts every `D` (0: only at the end)")
	jsonOut := fs.Bool("json", false, "print the final counts as JSON")
	fs.Usage = func() {
		fmt.Fprint(fs.Output(), faultUsage)
		fs.PrintDefaults()
	}
	if code, ok := parseFlags(fs, args, stdout, stderr); !ok {
		return code
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "ginleak fault: unexpected arguments %v\n", fs.Args())
		return exitUsage
	}
	if *duration < 0 || *every < 0 {
		fmt.Fprintln(stderr, "ginleak fault: -duration and -every must not be negative")
		return exitUsage
	}
	if *duration > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, *duration)
		defer cancel()
	}
	p, err := fault.Start(ctx, cfg)
	if err != nil {
		fmt.Fprintf(stderr, "ginleak %v\n", err)
		return exitUsage
	}
	defer p.Close()
	fmt.Fprintf(stderr, "ginleak fault: %s -> %s (seed %d)\n", p.Addr(), cfg.Upstream, p.Seed())
	var tick <-chan time.Time
	if *every > 0 {
		t := time.NewTicker(*every)
		defer t.Stop()
		tick = t.C
	}
	for {
		select {
		case <-tick:
			fmt.Fprintln(stderr, "ginleak fault: "+faultLine(p.Stats()))
		case <-ctx.Done():
			p.Close()
			s := p.Stats()
			if *jsonOut {
				data, _ := json.Marshal(s)
				fmt.Fprintln(stdout, string(data))
			} else {
				fmt.Fprintln(stdout, faultLine(s))
			}
			return exitOK
		}
	}
}

func faultLine(s fault.Stats) string {
	return fmt.Sprintf("%d connections (%d open), %d chunks delayed, %d reset, %d blackholed, %d refused and %d cut while down, %d upstream dial errors, %d B up, %d B down",
		s.Connections, s.Open, s.Delayed, s.Reset, s.Blackholed, s.RefusedDown, s.CutDown, s.DialErrors, s.BytesUp, s.BytesDown)
}
