package compare

import (
	"fmt"
	"math"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/ginleak/ginleak/soak/stats"
)

// Condition is one gate rule, e.g. "throughput<95%" or "verdict=leak". The
// gate fails when a condition is true.
type Condition struct {
	// Text is the condition as written.
	Text string
	// Field is a Metric's field name, or "verdict".
	Field string
	// Op is one of < <= > >= = !=.
	Op string
	// Value is the number to compare with, in the metric's unit, or the
	// percentage of the before value when Relative is set.
	Value float64
	// Relative compares after as a percentage of before.
	Relative bool
	// Verdict is the value of a verdict condition.
	Verdict stats.Verdict
}

// DefaultBaselineGate is the seed document's release rule, used with a
// baseline when no condition is given: throughput below 95% of the best run
// so far, or a leak, refuses the release.
const DefaultBaselineGate = "throughput<95%,verdict=leak"

var conditionRE = regexp.MustCompile(`^\s*([a-z0-9_]+)\s*(<=|>=|!=|<|>|=)\s*(\S+)\s*$`)

// ParseConditions parses a comma-separated list of conditions.
func ParseConditions(s string) ([]Condition, error) {
	var out []Condition
	for part := range strings.SplitSeq(s, ",") {
		if strings.TrimSpace(part) == "" {
			return nil, fmt.Errorf("empty condition in %q: %s", s, fieldHelp())
		}
		c, err := parseCondition(part)
		if err != nil {
			return nil, err
		}
		out = append(out, c)
	}
	return out, nil
}

func parseCondition(text string) (Condition, error) {
	m := conditionRE.FindStringSubmatch(text)
	if m == nil {
		return Condition{}, fmt.Errorf("condition %q is not FIELD OP VALUE (e.g. throughput<95%%, p99>110%%, verdict=leak): %s", text, fieldHelp())
	}
	c := Condition{Text: strings.TrimSpace(text), Field: m[1], Op: m[2]}
	if c.Field == "verdict" {
		if c.Op != "=" && c.Op != "!=" {
			return Condition{}, fmt.Errorf("condition %q: verdict takes = or !=", text)
		}
		switch v := stats.Verdict(m[3]); v {
		case stats.Leak, stats.Stable, stats.Inconclusive:
			c.Verdict = v
		default:
			return Condition{}, fmt.Errorf("condition %q: a verdict is leak, stable or inconclusive", text)
		}
		return c, nil
	}
	metric, ok := LookupMetric(c.Field)
	if !ok {
		return Condition{}, fmt.Errorf("condition %q: unknown field %q; %s", text, c.Field, fieldHelp())
	}
	if c.Op == "=" || c.Op == "!=" {
		return Condition{}, fmt.Errorf("condition %q: numbers take <, <=, > or >=", text)
	}
	v, rel, err := parseValue(m[3], metric.Unit)
	if err != nil {
		return Condition{}, fmt.Errorf("condition %q: %v", text, err)
	}
	c.Value, c.Relative = v, rel
	return c, nil
}

// parseValue reads a number with an optional unit. "N%" is relative to the
// before value, except for metrics measured in percent (error rate), where
// it is the value itself.
func parseValue(s, unit string) (v float64, relative bool, err error) {
	num, suffix := splitNumber(s)
	v, err = strconv.ParseFloat(num, 64)
	if err != nil || math.IsNaN(v) || math.IsInf(v, 0) || v < 0 {
		return 0, false, fmt.Errorf("%q is not a non-negative number", s)
	}
	if suffix == "%" {
		return v, unit != "%", nil
	}
	scale, ok := unitScales[unit][strings.ToLower(suffix)]
	if !ok {
		return 0, false, fmt.Errorf("unit %q does not fit this field (%s)", suffix, unitHelp(unit))
	}
	return v * scale, false, nil
}

func splitNumber(s string) (num, suffix string) {
	i := strings.IndexFunc(s, func(r rune) bool {
		return !(r >= '0' && r <= '9' || r == '.' || r == 'e' || r == 'E' || r == '+' || r == '-')
	})
	if i < 0 {
		return s, ""
	}
	return s[:i], s[i:]
}

// unitScales maps, per metric unit, the suffixes a value may carry to the
// factor into that unit ("" is the bare unit).
var unitScales = map[string]map[string]float64{
	"req/s": {"": 1},
	"ms":    {"": 1, "ms": 1, "us": 1e-3, "µs": 1e-3, "s": 1e3},
	"%":     {"": 1},
	"B":     {"": 1, "b": 1, "kb": 1e3, "kib": 1 << 10, "mb": 1e6, "mib": 1 << 20},
	"":      {"": 1},
}

func unitHelp(unit string) string {
	var s []string
	for k := range unitScales[unit] {
		if k != "" {
			s = append(s, k)
		}
	}
	slices.Sort(s)
	s = append(s, "N% of before")
	return "takes a plain number in " + cmp(unit, "units") + ", " + strings.Join(s, ", ")
}

func cmp(a, b string) string {
	if a == "" {
		return b
	}
	return a
}

func fieldHelp() string {
	fields := []string{}
	for _, m := range Metrics {
		fields = append(fields, m.Field)
	}
	return "fields: " + strings.Join(append(fields, "verdict"), ", ")
}

// Failure is a condition that is true for a table.
type Failure struct {
	Condition Condition
	// Why restates the comparison with the numbers.
	Why string
}

// Gate is a set of conditions; the gate fails when any is true.
type Gate []Condition

// Check evaluates every condition against t. A condition that needs a value
// a report lacks is an error, not a pass: a gate must not open because a
// measurement went missing.
func (g Gate) Check(t *Table) ([]Failure, error) {
	var out []Failure
	for _, c := range g {
		f, err := c.eval(t)
		if err != nil {
			return nil, err
		}
		if f != nil {
			out = append(out, *f)
		}
	}
	return out, nil
}

func (c Condition) eval(t *Table) (*Failure, error) {
	if c.Field == "verdict" {
		v := t.After.Verdict
		if (v == c.Verdict) == (c.Op == "=") {
			return &Failure{c, fmt.Sprintf("the verdict is %s", v)}, nil
		}
		return nil, nil
	}
	var row Row
	for _, r := range t.Rows {
		if r.Field == c.Field {
			row = r
		}
	}
	if !row.HasAfter {
		return nil, fmt.Errorf("condition %s: the after report has no %s", c.Text, row.Label)
	}
	x := row.After
	if c.Relative {
		if !row.HasBefore {
			return nil, fmt.Errorf("condition %s: the before report has no %s", c.Text, row.Label)
		}
		if row.Before == 0 {
			return nil, fmt.Errorf("condition %s: the before %s is 0, so no percentage of it exists; use an absolute value", c.Text, row.Label)
		}
		x = 100 * row.After / row.Before
	}
	if !holds(x, c.Op, c.Value) {
		return nil, nil
	}
	if c.Relative {
		return &Failure{c, fmt.Sprintf("%s is %.1f%% of before (%s vs %s)", row.Label, x, withUnit(row.After, row.Unit), withUnit(row.Before, row.Unit))}, nil
	}
	return &Failure{c, fmt.Sprintf("%s is %s", row.Label, withUnit(row.After, row.Unit))}, nil
}

func holds(x float64, op string, v float64) bool {
	switch op {
	case "<":
		return x < v
	case "<=":
		return x <= v
	case ">":
		return x > v
	case ">=":
		return x >= v
	}
	return false
}
