#!/usr/bin/env bash
# bench/golangci-plugin.sh — proves the golangci-lint v2 module plugin.
#
# `golangci-lint custom` clones golangci-lint from the internet, which this
# machine cannot do, so this script does what custom does, from the module
# cache: copy golangci-lint v2.15.0's source, write the plugin import into
# cmd/golangci-lint/plugins.go, point the ginleak module at this checkout,
# build, then run the binary on golangci/testdata/fixture (one finding per
# rule) and check that every rule fires under its own name.
#
# Needs: Go and the Go module proxy (downloads golangci-lint's dependencies
# on first use). Usage: bash bench/golangci-plugin.sh
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
version=v2.15.0
work=$(mktemp -d)
trap 'chmod -R u+w "$work" 2>/dev/null; rm -rf "$work"' EXIT
export GOFLAGS=-mod=mod

echo "== golangci-lint $version source from the module cache"
src=$(go mod download -json "github.com/golangci/golangci-lint/v2@$version" | sed -n 's/.*"Dir": "\(.*\)",/\1/p')
[ -d "$src" ] || { echo "could not download golangci-lint $version" >&2; exit 2; }
cp -r "$src" "$work/golangci-lint"
chmod -R u+w "$work/golangci-lint"
cd "$work/golangci-lint"

echo "== add the ginleak plugin (what golangci-lint custom does)"
cat > cmd/golangci-lint/plugins.go <<'GO'
package main

import (
	_ "github.com/ginleak/ginleak/golangci"
)
GO
go mod edit -require=github.com/ginleak/ginleak@v0.0.0 -replace="github.com/ginleak/ginleak=$repo"
go mod tidy >/dev/null 2>&1 || go mod tidy
echo "== build"
go build -o "$work/golangci-lint-ginleak" ./cmd/golangci-lint

echo "== run on the fixture"
fix="$work/fixture"
mkdir -p "$fix/_gin"
cp -r "$repo/golangci/testdata/fixture/." "$fix/"
cp -r "$repo/analysis/internal/ruletest/testdata/src/github.com/gin-gonic/gin/." "$fix/_gin/"
printf 'module github.com/gin-gonic/gin\n\ngo 1.22\n' > "$fix/_gin/go.mod"
printf 'module example.com/fixture\n\ngo 1.22\n\nrequire github.com/gin-gonic/gin v1.12.0\n\nreplace github.com/gin-gonic/gin => ./_gin\n' > "$fix/go.mod"
rules=$(cd "$repo" && go run ./cmd/ginleak vet -list | awk 'NR>1 && $1 ~ /^GL/ {print $2}')
{
  echo 'version: "2"'
  echo 'issues:'
  echo '  uniq-by-line: false   # bodyrestore and bodylimit both report the same io.ReadAll'
  echo 'linters:'
  echo '  default: none'
  echo '  enable:'
  for r in $rules ginleaksuppress; do echo "    - $r"; done
  echo '  settings:'
  echo '    custom:'
  for r in $rules ginleaksuppress; do
    echo "      $r:"
    echo '        type: module'
    echo "        description: ginleak rule $r"
    echo '        original-url: github.com/ginleak/ginleak'
  done
} > "$fix/.golangci.yml"
cd "$fix"
set +e
"$work/golangci-lint-ginleak" run --output.text.path=stdout ./... > "$work/out.txt" 2>&1
rc=$?
set -e
cat "$work/out.txt"
missing=0
for r in $rules; do
  if grep -q "($r)" "$work/out.txt"; then echo "ok   $r fires"; else echo "FAIL $r did not fire"; missing=1; fi
done
[ $rc -eq 1 ] || { echo "golangci-lint exited $rc, want 1 (issues found)"; missing=1; }
[ $missing -eq 0 ] && echo "== every rule fires through golangci-lint $version" || exit 1
