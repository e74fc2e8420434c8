#!/usr/bin/env bash
# bench/vet.sh — what do the ginleak rules cost on top of loading and
# type-checking? Runs, side by side on the same large real module from the
# module cache (gin v1.12.0 and the dependencies it pulls in), `ginleak vet`
# with all rules and the same driver with no rules (-norules: go list,
# parsing and type checking — the floor), alternating, RUNS times each, and
# prints the median wall time and peak RSS of each and their ratios.
#
# Targets: all rules ≤ 1.25× the floor in time, ≤ 1.5× in peak memory.
# Needs: Go, /usr/bin/time (Debian package "time"). Usage: bash bench/vet.sh [RUNS]
set -euo pipefail
cd "$(dirname "$0")/.."
RUNS=${1:-3}
PATTERNS=${PATTERNS:-"github.com/gin-gonic/gin/... github.com/go-playground/validator/v10/... github.com/bytedance/sonic/... golang.org/x/net/http2 golang.org/x/net/html/... google.golang.org/protobuf/..."}

command -v /usr/bin/time >/dev/null || { echo "needs /usr/bin/time: apt-get install -y time" >&2; exit 2; }
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
go build -o "$out/ginleak" ./cmd/ginleak

# Warm the build cache (export data) so neither side pays for compiling deps.
"$out/ginleak" vet -norules -notests $PATTERNS >/dev/null 2>&1 || true

measure() { # name args... → appends "seconds kilobytes" to $out/name
  local name=$1; shift
  /usr/bin/time -f "%e %M" -o "$out/t" "$out/ginleak" vet -notests "$@" $PATTERNS >/dev/null 2>"$out/err" || {
    rc=$?; [ $rc -eq 1 ] || { cat "$out/err" >&2; exit $rc; }
  }
  tail -n 1 "$out/t" >>"$out/$name" # time adds a line first when the exit code is not 0
}
for i in $(seq "$RUNS"); do
  measure floor -norules
  measure rules
done

median() { sort -n | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }
ft=$(cut -d' ' -f1 "$out/floor" | median); fm=$(cut -d' ' -f2 "$out/floor" | median)
rt=$(cut -d' ' -f1 "$out/rules" | median); rm_=$(cut -d' ' -f2 "$out/rules" | median)
findings=$("$out/ginleak" vet -notests $PATTERNS 2>/dev/null | wc -l || true)
printf 'packages: %s\n' "$PATTERNS"
printf '%-22s %10s %12s\n' "" "wall (s)" "peak RSS (MB)"
printf '%-22s %10.2f %12.1f\n' "floor (load+types)" "$ft" "$(echo "$fm/1024" | bc -l)"
printf '%-22s %10.2f %12.1f\n' "all rules" "$rt" "$(echo "$rm_/1024" | bc -l)"
printf 'ratio time   %.2fx  (target <= 1.25x)\n' "$(echo "$rt/$ft" | bc -l)"
printf 'ratio memory %.2fx  (target <= 1.50x)\n' "$(echo "$rm_/$fm" | bc -l)"
printf 'findings on these packages: %s (medians of %s runs)\n' "$findings" "$RUNS"
