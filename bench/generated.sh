#!/usr/bin/env bash
# bench/generated.sh — what does one large generated file cost each rule?
# Writes a throwaway module (bench/cmd/genbig: FUNCS Gin handlers of STMTS
# statements each, about 8 MB with the defaults, marked "// Code generated
# ... DO NOT EDIT.") and times, on it, ginleak vet -generated with no rules
# (-norules: go list, parsing, type checking — the floor), with all rules,
# with each rule alone (-enable X), and the default run that skips
# generated files. A rule whose cost grows faster than the size of a
# function shows here: its ratio to the floor climbs with STMTS.
#
# Target: every rule alone ≤ 2× the floor (the issue-9 bound for one file);
# the default run (generated files skipped) ≈ the floor.
# Needs: Go, /usr/bin/time (Debian package "time": apt-get install -y time),
# the module cache of this repository (go mod download), no network.
# Usage: bash bench/generated.sh   (env: FUNCS=20 STMTS=5400 RUNS=1 RULES="…"
# PROFILE=1 writes a CPU profile per rule to $OUT/<rule>.prof, OUT kept)
set -euo pipefail
cd "$(dirname "$0")/.."
repo=$PWD
FUNCS=${FUNCS:-20}
STMTS=${STMTS:-5400}
RUNS=${RUNS:-1}
command -v /usr/bin/time >/dev/null || { echo "needs /usr/bin/time: apt-get install -y time" >&2; exit 2; }
out=${OUT:-$(mktemp -d)}
[ -n "${OUT:-}" ] || trap 'rm -rf "$out"' EXIT
go build -o "$out/ginleak" ./cmd/ginleak
go build -o "$out/genbig" ./bench/cmd/genbig
"$out/genbig" -out "$out/mod" -ginleak "$repo" -funcs "$FUNCS" -stmts "$STMTS"
cp go.sum "$out/mod/go.sum"
size=$(wc -c <"$out/mod/big/zz_generated.go")
RULES=${RULES:-$("$out/ginleak" vet -list | awk 'NR>1 && $1 ~ /^GL/ {print $2}')}
export GOFLAGS=-mod=mod GOPROXY=off
cd "$out/mod"

# The first run compiles the package for export data (go list -export):
# minutes for huge functions, and the same for every configuration, so it
# is paid once here and not measured.
"$out/ginleak" vet -generated -norules ./... >/dev/null 2>&1 || true

measure() { # label args... → prints "label seconds MB exit"
	local label=$1 t m rc best_t="" best_m=""
	shift
	for _ in $(seq "$RUNS"); do
		rc=0
		/usr/bin/time -f "%e %M" -o "$out/t" "$out/ginleak" vet "$@" ./... >/dev/null 2>"$out/err" || rc=$?
		if [ "$rc" -gt 1 ]; then
			echo "$label: exit $rc" >&2
			cat "$out/err" >&2
		fi
		read -r t m < <(tail -n 1 "$out/t")
		if [ -z "$best_t" ] || [ "$(echo "$t < $best_t" | bc)" = 1 ]; then best_t=$t best_m=$m; fi
	done
	echo "$label $best_t $((best_m / 1024)) $rc"
}

printf 'generated file: %s functions × %s statements, %.1f MB; best of %s runs\n' "$FUNCS" "$STMTS" "$(echo "$size/1048576" | bc -l)" "$RUNS"
read -r _ floor floor_mb _ < <(measure floor -generated -norules)
printf '%-22s %9s %9s %8s\n' "run" "wall (s)" "RSS (MB)" "× floor"
printf '%-22s %9.2f %9d %8s\n' "floor (-norules)" "$floor" "$floor_mb" "1.00"
row() {
	local label ratio verdict=""
	read -r label t m rc < <(measure "$@")
	ratio=$(echo "$t/$floor" | bc -l)
	[ "$label" = "all-rules" ] || [ "$label" = "default" ] || { [ "$(echo "$ratio > 2" | bc)" = 1 ] && verdict="  > 2× floor"; }
	printf '%-22s %9.2f %9d %8.2f%s\n' "$label" "$t" "$m" "$ratio" "$verdict"
}
row default
row all-rules -generated
for r in $RULES; do
	prof=()
	[ -z "${PROFILE:-}" ] || prof=(-cpuprofile "$out/$r.prof")
	row "$r" -generated -enable "$r" "${prof[@]}"
done
[ -z "${PROFILE:-}" ] || echo "profiles: go tool pprof -top -cum $out/ginleak $out/<rule>.prof"
