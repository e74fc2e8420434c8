#!/usr/bin/env bash
# bench/watch.sh: `ginleak watch` over a simulated fleet in a real Prometheus.
#
#   1. bench/cmd/watchgen writes INSTANCES instances × HOURS h at INTERVAL as
#      OpenMetrics (5 leaking with known slopes — heap 64/128/256/512 B per
#      request, goroutines 1 per 500 requests — restarts, scrape gaps, caches
#      filling up, daily traffic cycles, noise), one file per 2 h TSDB block;
#   2. promtool tsdb create-blocks-from openmetrics backfills them;
#   3. a prometheus server (Debian's package; loopback, its own temp data
#      dir, no scrape jobs) serves the blocks;
#   4. `ginleak watch --window HOURSh --end END` runs RUNS times over the
#      whole fleet, timed (wall, peak RSS);
#   5. the report is checked against the generator's truth: every leak found
#      with its slope within 10%, no stable instance called leak.
#
# Needs: go, prometheus and promtool (apt-get install prometheus; see
# deploy/check.sh for installing it without starting the service), python3.
# Settings (environment): INSTANCES (1000), HOURS (24), INTERVAL (30s),
# RUNS (3), KEEP=1 keeps the temporary directory, GINLEAK=path uses that
# binary instead of building ./cmd/ginleak.
# Runs from any directory; stops the Prometheus it started, and only that.
set -euo pipefail
cd "$(dirname "$0")/.."

INSTANCES=${INSTANCES:-1000}
HOURS=${HOURS:-24}
INTERVAL=${INTERVAL:-30s}
RUNS=${RUNS:-3}

for cmd in go prometheus promtool python3; do
  command -v "$cmd" >/dev/null || { echo "bench/watch.sh: needs $cmd" >&2; exit 1; }
done

tmp=$(mktemp -d)
prom_pid=""
cleanup() {
  if [ -n "$prom_pid" ]; then
    kill "$prom_pid" 2>/dev/null || true
    for _ in $(seq 50); do kill -0 "$prom_pid" 2>/dev/null || break; sleep 0.1; done
    kill -9 "$prom_pid" 2>/dev/null || true
  fi
  if [ "${KEEP:-}" = 1 ]; then echo "kept $tmp"; else rm -rf "$tmp"; fi
}
trap cleanup EXIT

echo "== build"
if [ -n "${GINLEAK:-}" ]; then cp "$GINLEAK" "$tmp/ginleak"; else go build -o "$tmp/ginleak" ./cmd/ginleak; fi
go build -o "$tmp/watchgen" ./bench/cmd/watchgen
if ! "$tmp/ginleak" watch -h >/dev/null 2>&1; then
  echo "bench/watch.sh: this ginleak has no watch command (cmd/ginleak/main.go must dispatch \"watch\" to runWatch)" >&2
  exit 1
fi

end=$(( $(date +%s) - 60 ))
echo "== generate: $INSTANCES instances × ${HOURS} h at $INTERVAL"
t0=$(date +%s.%N)
"$tmp/watchgen" -out "$tmp/om" -instances "$INSTANCES" -hours "$HOURS" -interval "$INTERVAL" -end "$end"
end=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["End"])' "$tmp/om/truth.json")
echo "   $(du -sh "$tmp/om" | cut -f1) of OpenMetrics in $(python3 -c "import sys,time; print(round(time.time()-float(sys.argv[1]),1))" "$t0") s"

echo "== backfill (promtool tsdb create-blocks-from openmetrics, one file per block)"
t0=$(date +%s.%N)
mkdir -p "$tmp/data"
for f in "$tmp"/om/part-*.om; do
  promtool tsdb create-blocks-from openmetrics --quiet "$f" "$tmp/data" >"$tmp/backfill.log" 2>&1 ||
    { cat "$tmp/backfill.log" >&2; exit 1; }
  rm -f "$f"
done
echo "   $(ls "$tmp/data" | wc -l) blocks, $(du -sh "$tmp/data" | cut -f1), in $(python3 -c "import sys,time; print(round(time.time()-float(sys.argv[1]),1))" "$t0") s"

port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()')
printf 'global:\n  scrape_interval: 1m\nscrape_configs: []\n' >"$tmp/prometheus.yml"
echo "== prometheus on 127.0.0.1:$port"
prometheus --config.file="$tmp/prometheus.yml" --storage.tsdb.path="$tmp/data" \
  --storage.tsdb.retention.time=30d --web.listen-address="127.0.0.1:$port" \
  --log.level=warn >"$tmp/prometheus.log" 2>&1 &
prom_pid=$!
for _ in $(seq 600); do
  curl -fsS "http://127.0.0.1:$port/-/ready" >/dev/null 2>&1 && break
  kill -0 "$prom_pid" 2>/dev/null || { cat "$tmp/prometheus.log" >&2; exit 1; }
  sleep 0.1
done
curl -fsS "http://127.0.0.1:$port/-/ready" >/dev/null || { echo "prometheus not ready" >&2; exit 1; }

echo "== ginleak watch --window ${HOURS}h over the fleet, $RUNS runs"
walls=()
for i in $(seq "$RUNS"); do
  rc=0
  /usr/bin/time -f '%e %M' -o "$tmp/time.$i" "$tmp/ginleak" watch --prometheus "http://127.0.0.1:$port" \
    --selector '{job="api"}' --window "${HOURS}h" --end "$end" --json "$tmp/watch.json" >"$tmp/watch.txt" 2>"$tmp/watch.err" || rc=$?
  read -r wall rss < <(tail -n 1 "$tmp/time.$i") # time prefixes a line when the exit is not 0
  echo "   run $i: exit $rc, ${wall} s wall, $((rss / 1024)) MiB peak RSS"
  walls+=("$wall")
  if [ "$rc" = 2 ]; then cat "$tmp/watch.err" >&2; exit 1; fi
done
median=$(printf '%s\n' "${walls[@]}" | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}')
head -n 12 "$tmp/watch.txt"

echo "== check against the generator's truth"
python3 - "$tmp/om/truth.json" "$tmp/watch.json" "$median" <<'PY'
import json, sys
truth = json.load(open(sys.argv[1])); rep = json.load(open(sys.argv[2])); wall = float(sys.argv[3])
by = {i["instance"]: i for i in rep["instances"]}
leaky = {l["Instance"] for l in truth["Leaks"]}
restarted = set(truth["Restarted"])
ok = True
print(f"instances: {len(by)} of {truth['Instances']}; queries: {len(rep['queries'])}")
print(f"{'instance':18} {'signal':10} {'true':>8} {'found':>10} {'error':>7} verdict  segments")
for l in truth["Leaks"]:
    i = by.get(l["Instance"])
    sig = next((s for s in (i or {}).get("signals", []) if s["name"] == l["Signal"]), None)
    if i is None or sig is None:
        print(f"{l['Instance']:18} missing"); ok = False; continue
    err = (sig["slope"] - l["Slope"]) / l["Slope"]
    good = sig["verdict"] == "leak" and abs(err) <= 0.10
    ok &= good
    print(f"{l['Instance']:18} {l['Signal']:10} {l['Slope']:>8g} {sig['slope']:>10.4g} {100*err:>6.1f}% {sig['verdict']:8} {i['segments']}"
          + ("" if good else "   <- MISSED"))
false_leaks = [n for n, i in by.items() if i["verdict"] == "leak" and n not in leaky]
inconc = [n for n, i in by.items() if i["verdict"] == "inconclusive"]
split = sum(1 for n in restarted if by.get(n, {}).get("segments", 0) > 1)
print(f"false leaks: {len(false_leaks)} {sorted(false_leaks)[:10]}")
print(f"inconclusive: {len(inconc)} (of {len(by) - len(leaky)} stable instances)")
print(f"restarted instances split into segments: {split} of {len(restarted)}")
print(f"wall time (median of runs): {wall:.2f} s (target ≤ 15 s)")
ok &= not false_leaks and wall <= 15 and split == len(restarted)
print("RESULT:", "all targets met" if ok else "targets missed")
PY
