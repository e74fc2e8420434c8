package compare

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"

	"github.com/ginleak/ginleak/soak"
	"github.com/ginleak/ginleak/soak/stats"
)

// MaxReportBytes bounds how much of a report file is read: a soak report is
// a few kilobytes to a few megabytes; anything larger is not one.
const MaxReportBytes = 64 << 20

// SchemaVersion is the newest soak report schema this package reads. A
// report without a "schema" field is schema 1.
const SchemaVersion = 1

// requiredKeys are the top-level fields every soak report has had since the
// first release; a JSON object without them is some other file.
var requiredKeys = []string{"verdict", "requests", "heap", "goroutines", "latency_ms", "throughput_rps", "targets", "samples"}

// ErrNotReport is wrapped by the errors of Load and Decode for input that is
// not a soak report.
var ErrNotReport = errors.New("not a ginleak soak report")

// Load reads the soak report at path.
func Load(path string) (*soak.Report, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("read report: %w", err)
	}
	defer f.Close()
	rep, err := Decode(f)
	if err != nil {
		return nil, fmt.Errorf("read report %s: %w", path, err)
	}
	return rep, nil
}

// Decode reads one soak report from r, at most MaxReportBytes of it. It
// refuses input that is not a soak report, and a report written by a newer
// ginleak whose schema it cannot read.
func Decode(r io.Reader) (*soak.Report, error) {
	data, err := io.ReadAll(io.LimitReader(r, MaxReportBytes+1))
	if err != nil {
		return nil, err
	}
	if len(data) > MaxReportBytes {
		return nil, fmt.Errorf("%w: larger than %d MiB", ErrNotReport, MaxReportBytes>>20)
	}
	var keys map[string]json.RawMessage
	if err := json.Unmarshal(data, &keys); err != nil {
		return nil, fmt.Errorf("%w: %s", ErrNotReport, jsonProblem(data, err))
	}
	var missing []string
	for _, k := range requiredKeys {
		if _, ok := keys[k]; !ok {
			missing = append(missing, k)
		}
	}
	if len(missing) > 0 {
		return nil, fmt.Errorf("%w: no %q field (write one with 'ginleak soak --json FILE')", ErrNotReport, missing[0])
	}
	schema := 1
	if raw, ok := keys["schema"]; ok {
		if err := json.Unmarshal(raw, &schema); err != nil || schema < 1 {
			return nil, fmt.Errorf("%w: schema %s is not a positive whole number", ErrNotReport, bytes.TrimSpace(raw))
		}
	}
	if schema > SchemaVersion {
		return nil, fmt.Errorf("written by a newer ginleak (report schema %d; this one reads up to %d): compare with that version or upgrade", schema, SchemaVersion)
	}
	var rep soak.Report
	if err := json.Unmarshal(data, &rep); err != nil {
		return nil, fmt.Errorf("%w: %s", ErrNotReport, jsonProblem(data, err))
	}
	if err := validate(&rep); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrNotReport, err)
	}
	return &rep, nil
}

// validate checks the values a report cannot have, so that a hand-edited or
// damaged report cannot pass a gate by accident.
func validate(rep *soak.Report) error {
	switch rep.Verdict {
	case stats.Leak, stats.Stable, stats.Inconclusive:
	default:
		return fmt.Errorf("verdict %q is none of leak, stable, inconclusive", rep.Verdict)
	}
	if rep.Requests < 0 || rep.Errors < 0 || rep.Errors > rep.Requests {
		return fmt.Errorf("requests %d and errors %d are not counts of one run", rep.Requests, rep.Errors)
	}
	if rep.ErrorRate < 0 || rep.ErrorRate > 1 {
		return fmt.Errorf("error_rate %g is outside 0..1", rep.ErrorRate)
	}
	for name, v := range map[string]float64{
		"throughput_rps": rep.ThroughputRPS, "latency_ms.p50": rep.Latency.P50, "latency_ms.p90": rep.Latency.P90,
		"latency_ms.p99": rep.Latency.P99, "latency_ms.max": rep.Latency.Max,
	} {
		if v < 0 {
			return fmt.Errorf("%s is negative (%g)", name, v)
		}
	}
	if len(rep.Targets) == 0 {
		return errors.New("no targets")
	}
	return nil
}

// jsonProblem says where JSON decoding failed, without echoing the input
// (which may be binary or huge).
func jsonProblem(data []byte, err error) string {
	var syn *json.SyntaxError
	if errors.As(err, &syn) {
		line := 1 + bytes.Count(data[:min(int(syn.Offset), len(data))], []byte("\n"))
		return fmt.Sprintf("invalid JSON at line %d (byte %d)", line, syn.Offset)
	}
	var typ *json.UnmarshalTypeError
	if errors.As(err, &typ) {
		return fmt.Sprintf("field %q holds a %s, want %s", typ.Field, typ.Value, typ.Type)
	}
	return "invalid JSON"
}
