#!/usr/bin/env bash
# bench/realworld.sh — ginleak vet on real applications: findings per rule,
# packages that could not be checked, wall time, peak RSS, crashes, and the
# cost of the rules over loading and type checking (bench/vet.sh's ratio).
#
# Given a folder of checked-out Go applications, it finds every go.mod in
# it (skipping vendor/, node_modules/, testdata/ and hidden folders) and,
# per module, runs `ginleak vet -norules ./...` once to warm the build
# cache, then RUNS times each, alternating, `ginleak vet -json ./...` (all
# rules) and `ginleak vet -norules ./...` (the floor), under /usr/bin/time.
# A crash is an exit code other than 0, 1 or 2, a timeout, or a Go panic
# on stderr. Exit 2 with "could not be checked" on stderr is not a crash:
# those packages are listed (-broken) and the others were checked.
#
# Network-free once the module cache is warm: GOPROXY=off is set, so a
# dependency missing from the cache shows as a package that could not be
# checked, not as a download. Warm the cache first, online, with
# `go mod download` in each module.
#
# Needs: Go, /usr/bin/time (Debian package "time": apt-get install -y time).
# Usage: bash bench/realworld.sh DIR [RUNS]
#   env: OUT=dir keeps the JSON, stderr and per-rule listings there;
#        TIMEOUT=seconds per run (1200)
# Output: one row per module, then findings per rule × module.
set -euo pipefail
cd "$(dirname "$0")/.."
DIR=${1:?usage: bash bench/realworld.sh DIR [RUNS]}
DIR=$(cd "$DIR" && pwd)
RUNS=${2:-1}
TIMEOUT=${TIMEOUT:-1200}
command -v /usr/bin/time >/dev/null || { echo "needs /usr/bin/time: apt-get install -y time" >&2; exit 2; }
out=${OUT:-$(mktemp -d)}
mkdir -p "$out"
[ -n "${OUT:-}" ] || trap 'rm -rf "$out"' EXIT
go build -o "$out/ginleak" ./cmd/ginleak
go build -o "$out/vetjson" ./bench/cmd/vetjson
rules=$("$out/ginleak" vet -list | awk 'NR>1 && $1 ~ /^GL/ {print $2}')
export GOPROXY=off GOFLAGS=${GOFLAGS:-}

mapfile -t mods < <(find "$DIR" \( -name vendor -o -name node_modules -o -name testdata -o -name '.*' ! -name . \) -prune -o -name go.mod -print | sort)
[ "${#mods[@]}" -gt 0 ] || { echo "no go.mod below $DIR" >&2; exit 2; }

median() { sort -n | awk '{a[NR]=$1} END {if (NR) print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2); else print 0}'; }

# run NAME ARGS... in the module folder; appends "seconds kilobytes exit" to $out/$key.NAME
run() {
	local name=$1 rc=0
	shift
	timeout "$TIMEOUT" /usr/bin/time -f "%e %M" -o "$out/$key.time" "$out/ginleak" vet "$@" ./... >"$out/$key.$name.stdout" 2>"$out/$key.$name.stderr" || rc=$?
	if [ "$rc" = 124 ]; then
		echo "$TIMEOUT 0 124" >>"$out/$key.$name"
	else
		echo "$(tail -n 1 "$out/$key.time") $rc" >>"$out/$key.$name"
	fi
}

printf '%-26s %5s %8s %6s %9s %9s %6s %8s %8s %s\n' module exit findings broken "rules s" "floor s" ratio "rules MB" "floor MB" crash
for mod in "${mods[@]}"; do
	dir=$(dirname "$mod")
	key=$(echo "${dir#"$DIR"/}" | tr '/' '_')
	[ "$dir" != "$DIR" ] || key=root
	rm -f "$out/$key.rules" "$out/$key.floor"
	(cd "$dir" && "$out/ginleak" vet -norules ./... >/dev/null 2>&1) || true # warm the build cache
	for _ in $(seq "$RUNS"); do
		(cd "$dir" && run rules -json)
		(cd "$dir" && run floor -norules)
	done
	rt=$(cut -d' ' -f1 "$out/$key.rules" | median)
	rm_=$(cut -d' ' -f2 "$out/$key.rules" | median)
	ft=$(cut -d' ' -f1 "$out/$key.floor" | median)
	fm=$(cut -d' ' -f2 "$out/$key.floor" | median)
	rc=$(tail -n 1 "$out/$key.rules" | cut -d' ' -f3)
	crash=""
	for f in "$out/$key.rules" "$out/$key.floor"; do
		if awk '$3 != 0 && $3 != 1 && $3 != 2 {bad=1} END {exit !bad}' "$f"; then crash="exit $(awk '$3 > 2 {print $3; exit}' "$f")"; fi
	done
	if grep -qE '^panic: |^fatal error: ' "$out/$key.rules.stderr" "$out/$key.floor.stderr"; then crash="${crash:+$crash, }panic"; fi
	if "$out/vetjson" <"$out/$key.rules.stdout" >"$out/$key.counts" 2>"$out/$key.vetjson.err"; then
		"$out/vetjson" -broken <"$out/$key.rules.stdout" >"$out/$key.broken"
		for r in $rules; do
			"$out/vetjson" -list "$r" <"$out/$key.rules.stdout" >"$out/$key.$r.txt"
		done
	else
		: >"$out/$key.counts"
		: >"$out/$key.broken"
		crash="${crash:+$crash, }no JSON"
	fi
	findings=$(awk '$1 != "typecheck" {n += $2} END {print n+0}' "$out/$key.counts")
	broken=$(awk '$1 == "typecheck" {print $2}' "$out/$key.counts")
	ratio=$(echo "if ($ft > 0) $rt/$ft else 0" | bc -l)
	printf '%-26s %5s %8s %6s %9.2f %9.2f %6.2f %8d %8d %s\n' "$key" "$rc" "$findings" "${broken:-0}" "$rt" "$ft" "$ratio" "$((${rm_%.*} / 1024))" "$((${fm%.*} / 1024))" "${crash:--}"
done

echo
printf '%-14s' rule
for mod in "${mods[@]}"; do
	dir=$(dirname "$mod")
	key=$(echo "${dir#"$DIR"/}" | tr '/' '_')
	[ "$dir" != "$DIR" ] || key=root
	printf ' %12.12s' "$key"
done
echo
for r in $rules suppress typecheck; do
	printf '%-14s' "$r"
	for mod in "${mods[@]}"; do
		dir=$(dirname "$mod")
		key=$(echo "${dir#"$DIR"/}" | tr '/' '_')
		[ "$dir" != "$DIR" ] || key=root
		printf ' %12s' "$(awk -v r="$r" '$1 == r {print $2}' "$out/$key.counts" 2>/dev/null | grep . || echo 0)"
	done
	echo
done
[ -z "${OUT:-}" ] || echo "details in $OUT: <module>.<rule>.txt (findings), <module>.broken, <module>.rules.stderr"
