package proc

import (
	"strings"
)

// DefaultMemProfileRate is the heap sampling rate Start sets in the target's
// GODEBUG: one sample per 4 KiB allocated on average, fine enough for the
// heap diff to name sites of small per-request leaks, cheap enough for load.
const DefaultMemProfileRate = 4096

// MergeGODEBUG returns the GODEBUG value to run the target with: the
// user's settings, in their order, plus memprofilerate=4096 unless they set
// memprofilerate themselves (their value wins: they asked for it). Empty
// entries and surrounding spaces are dropped.
func MergeGODEBUG(existing string) string {
	var out []string
	has := false
	for s := range strings.SplitSeq(existing, ",") {
		s = strings.TrimSpace(s)
		if s == "" {
			continue
		}
		if k, _, _ := strings.Cut(s, "="); strings.TrimSpace(k) == "memprofilerate" {
			has = true
		}
		out = append(out, s)
	}
	if !has {
		out = append(out, "memprofilerate=4096")
	}
	return strings.Join(out, ",")
}

// mergeEnv returns env with its GODEBUG replaced by MergeGODEBUG of the
// value the child would have seen: the last GODEBUG entry, as os/exec keeps
// the last of duplicate keys. Every GODEBUG entry is dropped and the merged
// one appended, so there is exactly one.
func mergeEnv(env []string) []string {
	godebug := ""
	out := make([]string, 0, len(env)+1)
	for _, kv := range env {
		if v, ok := strings.CutPrefix(kv, "GODEBUG="); ok {
			godebug = v
			continue
		}
		out = append(out, kv)
	}
	return append(out, "GODEBUG="+MergeGODEBUG(godebug))
}
