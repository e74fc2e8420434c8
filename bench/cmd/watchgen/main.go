// Command watchgen writes a synthetic fleet's metrics as OpenMetrics text
// for `promtool tsdb create-blocks-from openmetrics`: the series `ginleak
// watch` reads (heap, goroutines, open files, RSS, start time, a request
// counter) of N instances over H hours at one sample per interval, with a
// few known leaks, restarts, scrape gaps, caches that fill up and noise.
// bench/watch.sh backfills a real Prometheus with it and times watch.
//
//	go run ./bench/cmd/watchgen -out DIR [-instances 1000] [-hours 24] [-interval 30s] [-end UNIX] [-seed 1]
//
// It writes DIR/part-NNN.om, one file per two-hour block of Prometheus'
// TSDB (promtool reads its whole input once per block, so one file per
// block keeps the backfill linear), and DIR/truth.json: which instances
// leak, on which signal, how fast per request, and which restart.
package main

import (
	"bufio"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"time"
)

// Truth is what the generator put in, for the bench to check watch with.
type Truth struct {
	Start, End int64 // Unix seconds
	Leaks      []Leak
	Restarted  []string
	Instances  int
}

// Leak is one leaking instance.
type Leak struct {
	Instance string
	Signal   string  // heap or goroutines
	Slope    float64 // per request
}

// instance is one synthetic instance's parameters.
type instance struct {
	name        string
	rate        float64 // mean requests per second
	phase       float64 // of the daily cycle
	base        float64 // heap bytes at steady state
	inuseOnly   bool    // exports go_memstats_heap_inuse_bytes, not go_gc_heap_live_bytes
	counter     string
	heapLeak    float64 // bytes per request
	gorLeak     float64 // goroutines per request
	cache       float64 // bytes of a cache that fills with time constant one hour
	restarts    []int64 // Unix seconds
	gapFrom     int64   // scrape gap [gapFrom, gapFrom+20m); 0: none
	firstStart  int64
	noiseFactor float64
}

const day = 24 * 3600.0

func main() {
	out := flag.String("out", "", "output directory (created)")
	n := flag.Int("instances", 1000, "instances")
	hours := flag.Float64("hours", 24, "hours of data")
	interval := flag.Duration("interval", 30*time.Second, "scrape interval")
	end := flag.Int64("end", time.Now().Unix(), "Unix time of the last sample")
	seed := flag.Uint64("seed", 1, "seed of the noise")
	flag.Parse()
	if err := run(*out, *n, *hours, *interval, *end, *seed); err != nil {
		fmt.Fprintf(os.Stderr, "watchgen: %v\n", err)
		os.Exit(1)
	}
}

func run(out string, n int, hours float64, interval time.Duration, end int64, seed uint64) error {
	switch {
	case out == "":
		return errors.New("-out is required")
	case n < 10 || n > 100000:
		return fmt.Errorf("-instances %d: want 10 to 100000", n)
	case !(hours >= 1 && hours <= 24*14):
		return fmt.Errorf("-hours %v: want 1 to 336", hours)
	case interval < time.Second || interval > 10*time.Minute:
		return fmt.Errorf("-interval %v: want 1s to 10m", interval)
	}
	if err := os.MkdirAll(out, 0o755); err != nil {
		return err
	}
	step := int64(interval / time.Second)
	end -= end % step // samples on the step grid, as scrapes at a fixed offset
	start := end - int64(hours*3600)/step*step
	insts, truth := fleet(n, start, end, seed)
	truth.Start, truth.End = start, end

	const block = 7200 // promtool's block, aligned to the epoch
	for k, b0 := 0, start-start%block; b0 <= end; k, b0 = k+1, b0+block {
		from, to := max(b0, start), min(b0+block-1, end)
		path := filepath.Join(out, fmt.Sprintf("part-%03d.om", k))
		if err := writeBlock(path, insts, from, to, step, seed); err != nil {
			return err
		}
	}
	b, err := json.MarshalIndent(truth, "", "  ")
	if err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(out, "truth.json"), append(b, '\n'), 0o644)
}

// fleet builds the instances: five spread over the fleet leak (four heap
// leaks of 64 to 512 B per request, one goroutine leak of one per 500
// requests), two of them restarting; of the others 5% restart once and 1%
// twice, 2% fill a cache, 2% have a 20-minute scrape gap, 30% export only
// go_memstats_heap_inuse_bytes (a saw-tooth up to 80% above the live
// heap); 20% of all count requests as http_requests_total.
func fleet(n int, start, end int64, seed uint64) ([]*instance, Truth) {
	r := &rng{s: seed*0x9e3779b97f4a7c15 + 1}
	span := float64(end - start)
	var tr Truth
	tr.Instances = n
	insts := make([]*instance, n)
	for i := range insts {
		in := &instance{
			name:        fmt.Sprintf("10.%d.%d.%d:8080", i/65536, (i/256)%256, i%256),
			rate:        5 + 45*r.float(),
			phase:       2 * math.Pi * r.float(),
			base:        30e6 + 50e6*r.float(),
			inuseOnly:   r.float() < 0.3,
			counter:     "ginleak_http_request_duration_seconds_count",
			firstStart:  start - int64(3600+r.float()*5*day),
			noiseFactor: 0.5 + r.float(),
		}
		if r.float() < 0.2 {
			in.counter = "http_requests_total"
		}
		switch u := r.float(); {
		case u < 0.05:
			in.restarts = []int64{start + int64((0.1+0.8*r.float())*span)}
		case u < 0.06:
			a, b := 0.1+0.35*r.float(), 0.55+0.35*r.float()
			in.restarts = []int64{start + int64(a*span), start + int64(b*span)}
		}
		if r.float() < 0.02 {
			in.cache = 20e6 + 30e6*r.float()
		}
		if r.float() < 0.02 {
			in.gapFrom = start + int64((0.1+0.8*r.float())*span)
		}
		insts[i] = in
	}
	leaks := []struct {
		heap, gor float64
		restartAt float64 // fraction of the window; 0: none
	}{
		{heap: 64},
		{heap: 128},
		{heap: 256, restartAt: 0.3},
		{heap: 512, restartAt: 0.7},
		{gor: 0.002},
	}
	for i, l := range leaks {
		in := insts[i*(n/len(leaks))] // spread over the fleet
		// The leaking instances export the live heap: heap_inuse grows by
		// about 1.5× the retained bytes (the GC's target grows with the
		// live heap), so a known slope is checkable only on the live heap.
		in.heapLeak, in.gorLeak, in.inuseOnly, in.cache, in.gapFrom = l.heap, l.gor, false, 0, 0
		in.restarts = nil
		if l.restartAt > 0 {
			in.restarts = []int64{start + int64(l.restartAt*span)}
		}
		sig, slope := "heap", l.heap
		if l.gor > 0 {
			sig, slope = "goroutines", l.gor
		}
		tr.Leaks = append(tr.Leaks, Leak{Instance: in.name, Signal: sig, Slope: slope})
	}
	for _, in := range insts {
		if len(in.restarts) > 0 {
			tr.Restarted = append(tr.Restarted, in.name)
		}
	}
	return insts, tr
}

// life returns the start of the process running at t.
func (in *instance) life(t int64) int64 {
	s := in.firstStart
	for _, r := range in.restarts {
		if t >= r {
			s = r
		}
	}
	return s
}

// requests is the counter at t: the integral of the daily-cycle rate since
// the process started.
func (in *instance) requests(t int64) float64 {
	s := in.life(t)
	w := 2 * math.Pi / day
	integral := func(x float64) float64 { return x - 0.5/w*math.Cos(w*x+in.phase) }
	return math.Floor(in.rate * (integral(float64(t)) - integral(float64(s))))
}

func (in *instance) rateAt(t int64) float64 {
	return in.rate * (1 + 0.5*math.Sin(2*math.Pi/day*float64(t)+in.phase))
}

var families = []struct{ name, typ string }{
	{"go_gc_heap_live_bytes", "gauge"},
	{"go_memstats_heap_inuse_bytes", "gauge"},
	{"go_goroutines", "gauge"},
	{"process_open_fds", "gauge"},
	{"process_resident_memory_bytes", "gauge"},
	{"process_start_time_seconds", "gauge"},
	{"ginleak_http_request_duration_seconds_count", "unknown"},
	{"http_requests", "counter"},
}

// value is the sample of family f of in at t, false when there is none.
func (in *instance) value(f string, t int64, seed uint64) (float64, bool) {
	if in.gapFrom > 0 && t >= in.gapFrom && t < in.gapFrom+1200 {
		return 0, false
	}
	since := float64(t - in.life(t))
	reqs := in.requests(t)
	noise := func(k uint64) float64 { return gauss(seed, hashName(in.name), k, uint64(t)) }
	// The live heap: the working set reached over the first ten minutes,
	// a cache filling, the leak, and a little noise (1% of the base).
	live := in.base*(1-math.Exp(-since/600)) + in.cache*(1-math.Exp(-since/3600)) + in.heapLeak*reqs
	live += 0.01 * in.base * in.noiseFactor * noise(1)
	switch f {
	case "go_gc_heap_live_bytes":
		if in.inuseOnly {
			return 0, false
		}
		return math.Max(1e6, live), true
	case "go_memstats_heap_inuse_bytes":
		// Between collections the heap grows up to GOGC (100%) above the
		// live heap: a saw-tooth sampled at random phase.
		return math.Max(1e6, live*(1+0.8*uniform(seed, hashName(in.name), 2, uint64(t)))), true
	case "go_goroutines":
		return math.Max(1, math.Round(20+in.rateAt(t)*0.01+2*noise(3)+in.gorLeak*reqs)), true
	case "process_open_fds":
		return math.Max(3, math.Round(10+in.rateAt(t)*0.05+noise(4))), true
	case "process_resident_memory_bytes":
		return 20e6 + 1.6*math.Max(1e6, live), true
	case "process_start_time_seconds":
		return float64(in.life(t)), true
	case "ginleak_http_request_duration_seconds_count":
		if in.counter != f {
			return 0, false
		}
		return reqs, true
	case "http_requests":
		if in.counter != "http_requests_total" {
			return 0, false
		}
		return reqs, true
	}
	return 0, false
}

func writeBlock(path string, insts []*instance, from, to, step int64, seed uint64) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	w := bufio.NewWriterSize(f, 1<<20)
	if err := writeFamilies(w, insts, from, to, step, seed); err != nil {
		f.Close()
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := w.Flush(); err != nil {
		f.Close()
		return fmt.Errorf("write %s: %w", path, err)
	}
	return f.Close()
}

func writeFamilies(w io.Writer, insts []*instance, from, to, step int64, seed uint64) error {
	var line []byte
	first := from + (step-from%step)%step // on the step grid
	for _, fam := range families {
		if _, err := fmt.Fprintf(w, "# TYPE %s %s\n", fam.name, fam.typ); err != nil {
			return err
		}
		sample := fam.name
		if fam.typ == "counter" {
			sample += "_total"
		}
		for _, in := range insts {
			prefix := sample + `{job="api",instance="` + in.name + `"} `
			for t := first; t <= to; t += step {
				v, ok := in.value(fam.name, t, seed)
				if !ok {
					continue
				}
				line = append(line[:0], prefix...)
				line = strconv.AppendFloat(line, v, 'f', -1, 64)
				line = append(line, ' ')
				line = strconv.AppendInt(line, t, 10)
				line = append(line, '\n')
				if _, err := w.Write(line); err != nil {
					return err
				}
			}
		}
	}
	_, err := io.WriteString(w, "# EOF\n")
	return err
}

// rng is splitmix64, for the fleet's parameters.
type rng struct{ s uint64 }

func (r *rng) next() uint64 {
	r.s += 0x9e3779b97f4a7c15
	z := r.s
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9
	z = (z ^ (z >> 27)) * 0x94d049bb133111eb
	return z ^ (z >> 31)
}

func (r *rng) float() float64 { return float64(r.next()>>11) / (1 << 53) }

// uniform is a stateless uniform [0,1) from its keys: a sample's noise
// depends only on the instance, the signal and the time, not on the order
// the blocks are written in.
func uniform(keys ...uint64) float64 {
	r := rng{}
	for _, k := range keys {
		r.s ^= k
		r.next()
	}
	return r.float()
}

// gauss is a standard normal from its keys (Box–Muller).
func gauss(keys ...uint64) float64 {
	u1 := uniform(append(keys, 11)...)
	u2 := uniform(append(keys, 12)...)
	return math.Sqrt(-2*math.Log(1-u1)) * math.Cos(2*math.Pi*u2)
}

func hashName(s string) uint64 {
	h := uint64(14695981039346656037)
	for i := 0; i < len(s); i++ {
		h = (h ^ uint64(s[i])) * 1099511628211
	}
	return h
}
