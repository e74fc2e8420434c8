#!/usr/bin/env bash
# bench/guard.sh — what does guard's recommended stack cost per request?
# Runs the guard benchmarks (-benchmem) side by side in one run: bare
# gin.New() vs the full stack (RequestID, AccessLog to a discarding handler,
# Monitor, Timeout, BodyLimit) on the same route, and Timeout / BodyLimit
# alone, COUNT times each; prints medians, the added ns and allocations,
# and the ratio.
#
# Targets: the stack adds <= 1.5 us and <= 3 allocs per request; Timeout and
# BodyLimit add 0 allocs on the fast path. guard.Client (breaker closed,
# overall deadline set) adds <= 2 us and <= 5 allocs per call over a bare
# http.Client on the same in-memory transport.
# Needs: Go. Usage: bash bench/guard.sh [COUNT]
set -euo pipefail
cd "$(dirname "$0")/.."
COUNT=${1:-6}
out=$(mktemp)
trap 'rm -f "$out"' EXIT
go test -run '^$' -bench '^Benchmark(Bare|Stack|Timeout|BodyLimit|BarePost|BodyLimitPost|ClientBare|ClientGuard)$' \
  -benchmem -count "$COUNT" -benchtime 300ms ./guard/ | tee "$out" | grep -E '^(Benchmark|ok|FAIL)' >&2

# median of column $2 (ns/op) and allocs/op per benchmark
awk '
/^Benchmark/ {
  name=$1; sub(/-[0-9]+$/, "", name); sub(/^Benchmark/, "", name)
  for (i=2; i<=NF; i++) { if ($(i+1)=="ns/op") ns=$i; if ($(i+1)=="allocs/op") al=$i }
  n[name]++; v[name, n[name]]=ns; a[name]=al
}
function median(name,   k, m, tmp, i, j, t) {
  m=n[name]; for (i=1;i<=m;i++) tmp[i]=v[name,i]
  for (i=1;i<=m;i++) for (j=i+1;j<=m;j++) if (tmp[j]<tmp[i]) {t=tmp[i];tmp[i]=tmp[j];tmp[j]=t}
  return (m%2) ? tmp[(m+1)/2] : (tmp[m/2]+tmp[m/2+1])/2
}
END {
  printf "\n%-16s %10s %8s %12s %12s\n", "benchmark", "ns/op", "allocs", "added ns", "added allocs"
  split("Bare Stack Timeout BodyLimit", names, " ")
  base=median("Bare")
  for (k=1; k<=4; k++) { nm=names[k]; if (!(nm in a)) continue
    printf "%-16s %10.0f %8d %12.0f %12d\n", nm, median(nm), a[nm], median(nm)-base, a[nm]-a["Bare"] }
  if ("BarePost" in a && "BodyLimitPost" in a)
    printf "%-16s %10.0f %8d %12.0f %12d   (vs BarePost)\n", "BodyLimitPost", median("BodyLimitPost"), a["BodyLimitPost"], median("BodyLimitPost")-median("BarePost"), a["BodyLimitPost"]-a["BarePost"]
  printf "\nstack / bare: %.2fx; stack adds %.2f us (target <= 1.5) and %d allocs (target <= 3)\n", median("Stack")/base, (median("Stack")-base)/1000, a["Stack"]-a["Bare"]
  printf "Timeout adds %d allocs, BodyLimit adds %d (target 0 each)\n", a["Timeout"]-a["Bare"], a["BodyLimit"]-a["Bare"]
  if ("ClientBare" in a && "ClientGuard" in a)
    printf "guard.Client adds %.2f us (target <= 2) and %d allocs (target <= 5) per call over a bare http.Client\n", (median("ClientGuard")-median("ClientBare"))/1000, a["ClientGuard"]-a["ClientBare"]
}' "$out"
