package fault

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"
)

// ParseSpec parses the compact form soak's --fault takes:
//
//	LISTEN=UPSTREAM[,latency=D][,jitter=D][,reset=P][,blackhole=P][,down=FOR/EVERY][,seed=N]
//
// e.g. "127.0.0.1:9001=127.0.0.1:9000,latency=2s,reset=5%". P is a
// percentage ("5%") or a fraction ("0.05").
func ParseSpec(spec string) (Config, error) {
	parts := strings.Split(spec, ",")
	listen, upstream, ok := strings.Cut(parts[0], "=")
	if !ok || listen == "" || upstream == "" {
		return Config{}, fmt.Errorf("fault %q: want LISTEN=UPSTREAM first, e.g. 127.0.0.1:9001=127.0.0.1:9000,latency=2s", spec)
	}
	cfg := Config{Listen: listen, Upstream: upstream}
	for _, kv := range parts[1:] {
		k, v, ok := strings.Cut(kv, "=")
		if !ok {
			return Config{}, fmt.Errorf("fault %q: %q is not key=value", spec, kv)
		}
		var err error
		switch k {
		case "latency":
			cfg.Latency, err = time.ParseDuration(v)
		case "jitter":
			cfg.Jitter, err = time.ParseDuration(v)
		case "reset":
			cfg.Reset, err = ParsePercent(v)
		case "blackhole":
			cfg.Blackhole, err = ParsePercent(v)
		case "down":
			cfg.Down, err = ParseDown(v)
		case "seed":
			cfg.Seed, err = strconv.ParseUint(v, 10, 64)
		default:
			return Config{}, fmt.Errorf("fault %q: unknown key %q (latency, jitter, reset, blackhole, down, seed)", spec, k)
		}
		if err != nil {
			return Config{}, fmt.Errorf("fault %q: %s: %v", spec, k, err)
		}
	}
	return cfg, cfg.validate()
}

// ParsePercent reads "5%" as 0.05 and "0.05" as 0.05.
func ParsePercent(s string) (float64, error) {
	num, pct := strings.CutSuffix(strings.TrimSpace(s), "%")
	f, err := strconv.ParseFloat(num, 64)
	if err != nil || math.IsNaN(f) || math.IsInf(f, 0) {
		return 0, fmt.Errorf("%q is not a percentage (5%%) or a fraction (0.05)", s)
	}
	if pct {
		f /= 100
	}
	if f < 0 || f > 1 {
		return 0, fmt.Errorf("%q is outside 0%%..100%%", s)
	}
	return f, nil
}

// ParseDown reads FOR/EVERY, e.g. "10s/60s"; "" is no outage.
func ParseDown(s string) (Down, error) {
	if s == "" {
		return Down{}, nil
	}
	f, e, ok := strings.Cut(s, "/")
	if !ok {
		return Down{}, fmt.Errorf("%q: want FOR/EVERY, e.g. 10s/60s", s)
	}
	df, err1 := time.ParseDuration(f)
	de, err2 := time.ParseDuration(e)
	if err1 != nil || err2 != nil || df <= 0 || de <= 0 {
		return Down{}, fmt.Errorf("%q: want two positive durations FOR/EVERY, e.g. 10s/60s", s)
	}
	return Down{For: df, Every: de}, nil
}
