#!/usr/bin/env bash
# .ci/selfvet.sh — ginleak vet on this repository's own packages must be
# clean (exit 0). examples/leakyshop is left out: its leaks are deliberate,
# one beside each fix, and `ginleak demo` checks that every one is caught.
# Exit 1 means a finding in our own code (fix it, or silence it with
# //ginleak:ignore <rule> <reason>); exit 2 a package that could not be
# checked (listed with its error) or a crash.
set -euo pipefail
cd "$(dirname "$0")/.."
bin=$(mktemp -d)
trap 'rm -rf "$bin"' EXIT
go build -o "$bin/ginleak" ./cmd/ginleak
mapfile -t pkgs < <(go list ./... | grep -v '/examples/leakyshop')
[ "${#pkgs[@]}" -gt 0 ] || { echo "selfvet: go list found no packages" >&2; exit 2; }
rc=0
"$bin/ginleak" vet "${pkgs[@]}" || rc=$?
case $rc in
0) echo "selfvet: ${#pkgs[@]} packages, no findings" ;;
1) echo "selfvet: findings in ginleak's own code (above)" >&2 ;;
*) echo "selfvet: ginleak vet exited $rc" >&2 ;;
esac
exit "$rc"
