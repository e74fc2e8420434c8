// Package htmlreport renders soak reports, before/after comparisons and demo
// runs as one self-contained HTML page each: a verdict banner, charts drawn
// as inline SVG, and the growing allocation sites and goroutine stacks as
// tables. The page loads nothing — no script, font, style sheet or image —
// so it opens from file:// with the network off and can be attached to a CI
// run or an issue as it is.
//
// The charts are hand-written SVG paths from html/template: a few hundred
// bytes per series, where a plotting library would embed fonts and grow a
// demo page past a megabyte.
package htmlreport
