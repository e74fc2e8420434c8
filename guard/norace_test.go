//go:build !race

package guard

// raceEnabled reports whether the tests run under the race detector,
// which slows the code under test several times.
const raceEnabled = false
