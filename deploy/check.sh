#!/usr/bin/env bash
# deploy/check.sh: checks everything in deploy/.
#   1. promtool check rules   deploy/prometheus/rules.yml
#   2. promtool test rules    deploy/prometheus/rules_test.yml
#   3. deploy/grafana/dashboard.json: valid JSON, structure (datasource input,
#      route variable, panels with targets), and every PromQL expression in it
#      parses (checked by promtool as throw-away recording rules)
#   4. every metric name in rules, rule tests and dashboard is one guard.Monitor
#      exports (see CONTRACT below) or a standard go_/process_ collector metric;
#      every recording-rule name used is defined; grouping labels are known
#   5. every alert in rules.yml has a unit test where it fires and one where it
#      must not
# Installs promtool (Debian package `prometheus`) when it is missing, without
# starting the Prometheus server. Runs from any directory; exits non-zero on
# any failure.
set -uo pipefail
cd "$(dirname "$0")/.." || exit 1

RULES=deploy/prometheus/rules.yml
TESTS=deploy/prometheus/rules_test.yml
DASH=deploy/grafana/dashboard.json

failures=0
fail() { echo "FAIL: $*" >&2; failures=$((failures + 1)); }

tmp=$(mktemp -d)
made_policy=""
cleanup() {
  [ -n "$made_policy" ] && rm -f /usr/sbin/policy-rc.d
  rm -rf "$tmp"
}
trap cleanup EXIT

# --- promtool ---------------------------------------------------------------
install_promtool() {
  if [ "$(id -u)" != 0 ]; then
    echo "promtool not found; install it as root: apt-get install prometheus" >&2
    return 1
  fi
  # Debian's maintainer scripts start services through invoke-rc.d /
  # deb-systemd-invoke, which ask /usr/sbin/policy-rc.d first: exit 101 means
  # "do not start". Put one in place for the install if there is none.
  if [ ! -e /usr/sbin/policy-rc.d ]; then
    printf '#!/bin/sh\n# temporary, from ginleak deploy/check.sh\nexit 101\n' >/usr/sbin/policy-rc.d
    chmod 755 /usr/sbin/policy-rc.d
    made_policy=1
  fi
  local log=$tmp/apt.log rc=0
  export DEBIAN_FRONTEND=noninteractive
  {
    apt-get update -qq &&
      apt-get install -y -qq --no-install-recommends \
        -o DPkg::Lock::Timeout=120 -o Dpkg::Options::=--force-confold prometheus
  } </dev/null >"$log" 2>&1 || rc=$?
  if [ -n "$made_policy" ]; then
    rm -f /usr/sbin/policy-rc.d
    made_policy=""
  fi
  if [ "$rc" != 0 ]; then
    echo "apt-get install prometheus failed (exit $rc):" >&2
    cat "$log" >&2
    return 1
  fi
  # Should the package's server have been started anyway, stop that one
  # process (by the pid its init script recorded), nothing else.
  local pidfile pid
  for pidfile in /run/prometheus/prometheus.pid /var/run/prometheus/prometheus.pid; do
    [ -r "$pidfile" ] || continue
    pid=$(cat "$pidfile" 2>/dev/null || true)
    if [ -n "$pid" ] && [ "$(cat "/proc/$pid/comm" 2>/dev/null)" = prometheus ]; then
      echo "stopping the prometheus server the package started (pid $pid)"
      kill "$pid" 2>/dev/null || true
    fi
  done
  command -v promtool >/dev/null 2>&1 || { echo "promtool still missing after install" >&2; return 1; }
}

if ! command -v promtool >/dev/null 2>&1; then
  echo "== installing promtool (Debian package prometheus)"
  install_promtool || { echo "FAIL: no promtool" >&2; exit 1; }
fi
echo "== $(promtool --version 2>&1 | head -n1)"

# --- rules --------------------------------------------------------------------
echo "== promtool check rules $RULES"
promtool check rules "$RULES" || fail "promtool check rules $RULES"

echo "== promtool test rules $TESTS"
promtool test rules "$TESTS" || fail "promtool test rules $TESTS"

# --- dashboard, names, coverage -----------------------------------------------
echo "== dashboard JSON"
if command -v jq >/dev/null 2>&1; then
  jq empty "$DASH" || fail "$DASH is not valid JSON (jq)"
else
  python3 -m json.tool "$DASH" >/dev/null || fail "$DASH is not valid JSON"
fi

echo "== dashboard structure, metric names, alert coverage"
python3 - "$RULES" "$TESTS" "$DASH" "$tmp/dashboard_exprs.yml" <<'PY' || fail "deploy lint (see above)"
import json, re, sys

rules_path, tests_path, dash_path, out_path = sys.argv[1:5]
errors = []

# CONTRACT: guard.Monitor's metric names (fixed; the guard package documents
# them). Histograms also expose _bucket, _count and _sum.
GUARD_METRICS = {
    "ginleak_http_requests_in_flight",
    "ginleak_async_in_flight",
    "ginleak_async_rejected_total",
    "ginleak_async_panics_total",
    # guard.Client (ClientMetrics)
    "ginleak_breaker_state",
    "ginleak_breaker_transitions_total",
    "ginleak_breaker_rejected_total",
}
GUARD_HISTOGRAMS = {"ginleak_http_request_duration_seconds"}
# Standard collectors of github.com/prometheus/client_golang (default Go
# collector: go_* + go_memstats_*; process collector: process_*).
GO_PROCESS = set("""
go_gc_heap_live_bytes
go_goroutines go_threads go_info go_gc_gogc_percent go_gc_gomemlimit_bytes
go_sched_gomaxprocs_threads go_memstats_alloc_bytes go_memstats_alloc_bytes_total
go_memstats_buck_hash_sys_bytes go_memstats_frees_total go_memstats_gc_sys_bytes
go_memstats_heap_alloc_bytes go_memstats_heap_idle_bytes go_memstats_heap_inuse_bytes
go_memstats_heap_objects go_memstats_heap_released_bytes go_memstats_heap_sys_bytes
go_memstats_last_gc_time_seconds go_memstats_mallocs_total go_memstats_mcache_inuse_bytes
go_memstats_mcache_sys_bytes go_memstats_mspan_inuse_bytes go_memstats_mspan_sys_bytes
go_memstats_next_gc_bytes go_memstats_other_sys_bytes go_memstats_stack_inuse_bytes
go_memstats_stack_sys_bytes go_memstats_sys_bytes
process_cpu_seconds_total process_max_fds process_open_fds process_resident_memory_bytes
process_start_time_seconds process_virtual_memory_bytes process_virtual_memory_max_bytes
process_network_receive_bytes_total process_network_transmit_bytes_total
""".split())
GO_SUMMARIES = {"go_gc_duration_seconds"}
KNOWN = set(GUARD_METRICS) | GO_PROCESS
for h in GUARD_HISTOGRAMS:
    KNOWN |= {h, h + "_bucket", h + "_count", h + "_sum"}
for s in GO_SUMMARIES:
    KNOWN |= {s, s + "_count", s + "_sum"}
# Labels that may be grouped or matched on: target labels and guard's labels.
KNOWN_LABELS = {"job", "instance", "method", "route", "code", "le", "quantile", "host", "from", "to"}  # host/from/to: guard.Client breakers

NAME_RE = re.compile(r"(?<![\w:])((?:ginleak|go|process)_[A-Za-z0-9_]*)(?![\w:])")
RECORDED_RE = re.compile(r"(?<![\w:])([a-z_]+:[a-z0-9_]+:[a-z0-9_]+)(?![\w:])")
GROUP_RE = re.compile(r"\b(?:by|without|on|ignoring|group_left|group_right)\s*\(([^)]*)\)")

rules_text = open(rules_path).read()
tests_text = open(tests_path).read()
dash = json.load(open(dash_path))

defined = set(re.findall(r"^\s*-?\s*record:\s*(\S+)", rules_text, re.M))
alerts = re.findall(r"^\s*-?\s*alert:\s*(\S+)", rules_text, re.M)

def check_names(where, text):
    for name in sorted(set(NAME_RE.findall(text))):
        if name not in KNOWN:
            errors.append(f"{where}: unknown metric name {name}")
    for name in sorted(set(RECORDED_RE.findall(text))):
        if name not in defined:
            errors.append(f"{where}: recording rule {name} is not defined in {rules_path}")
    for group in GROUP_RE.findall(text):
        for label in filter(None, (l.strip() for l in group.split(","))):
            if label not in KNOWN_LABELS:
                errors.append(f"{where}: grouping by unknown label {label}")

# Rules: only the expressions, not the prose of the annotations.
exprs = re.findall(r"^\s*expr:\s*\|?\s*\n?((?:.*\n)*?)(?=^\s*(?:for|labels|annotations|-\s*(?:alert|record)|keep_firing_for):|\Z)",
                   rules_text, re.M)
if not exprs:
    errors.append(f"{rules_path}: found no expr")
for e in exprs:
    check_names(rules_path, e)
# The tests' series names, not their comments.
check_names(tests_path, re.sub(r"(?m)^\s*#.*$|\s#\s.*$", "", tests_text))

# Alert coverage: each alert fires in some test case and is asserted silent in another.
fires, silent = {}, {}
for block in re.split(r"^\s*-\s*eval_time:", tests_text, flags=re.M)[1:]:
    for m in re.finditer(r"alertname:\s*(\S+)\s*\n\s*exp_alerts:\s*(\[\s*\])?", block):
        name, empty = m.group(1), m.group(2)
        (silent if empty else fires).setdefault(name, 0)
        (silent if empty else fires)[name] += 1
for a in alerts:
    if a not in fires:
        errors.append(f"{tests_path}: no test case where {a} fires")
    if a not in silent:
        errors.append(f"{tests_path}: no test case where {a} must not fire (exp_alerts: [])")
for a in set(fires) | set(silent):
    if a not in alerts:
        errors.append(f"{tests_path}: tests alert {a}, which {rules_path} does not define")

# Dashboard structure.
if not isinstance(dash.get("schemaVersion"), int) or dash["schemaVersion"] < 36:
    errors.append(f"{dash_path}: schemaVersion missing or older than 36")
if not any(i.get("name") == "DS_PROMETHEUS" for i in dash.get("__inputs", [])):
    errors.append(f"{dash_path}: no DS_PROMETHEUS input")
tvars = {v.get("name"): v for v in dash.get("templating", {}).get("list", [])}
for need in ("DS_PROMETHEUS", "route"):
    if need not in tvars:
        errors.append(f"{dash_path}: no template variable {need}")
if not dash.get("uid") or not dash.get("title"):
    errors.append(f"{dash_path}: uid and title are required")

def panels(ps):
    for p in ps:
        yield p
        yield from panels(p.get("panels", []))

dash_exprs = []
ids = set()
for p in panels(dash.get("panels", [])):
    pid = p.get("id")
    if pid in ids:
        errors.append(f"{dash_path}: duplicate panel id {pid}")
    ids.add(pid)
    if "gridPos" not in p:
        errors.append(f"{dash_path}: panel {pid} has no gridPos")
    if p.get("type") == "row":
        continue
    ds = p.get("datasource") or {}
    if ds.get("uid") != "${DS_PROMETHEUS}":
        errors.append(f"{dash_path}: panel {pid} ({p.get('title')}) does not use ${{DS_PROMETHEUS}}")
    targets = p.get("targets") or []
    if not targets:
        errors.append(f"{dash_path}: panel {pid} ({p.get('title')}) has no targets")
    for t in targets:
        if not t.get("expr"):
            errors.append(f"{dash_path}: panel {pid} target {t.get('refId')} has no expr")
        else:
            dash_exprs.append((f"panel {pid} {t.get('refId')}", t["expr"]))
for name, v in tvars.items():
    if v.get("type") == "query":
        q = v.get("query")
        q = q.get("query", "") if isinstance(q, dict) else (q or "")
        m = re.fullmatch(r"\s*label_values\((.*),\s*(\w+)\)\s*", q)
        if not m:
            errors.append(f"{dash_path}: variable {name}: expected label_values(selector, label), got {q!r}")
            continue
        if m.group(2) not in KNOWN_LABELS:
            errors.append(f"{dash_path}: variable {name} reads unknown label {m.group(2)}")
        dash_exprs.append((f"variable {name}", m.group(1)))

def promql(expr):
    # Grafana's macros and variables become plain PromQL for the parser.
    expr = re.sub(r"\$__(rate_interval|interval|range)\b", "5m", expr)
    expr = re.sub(r"\$\{?\w+(?::\w+)?\}?", ".*", expr)
    return expr

with open(out_path, "w") as f:
    f.write("groups:\n  - name: dashboard-exprs\n    rules:\n")
    for where, e in dash_exprs:
        check_names(f"{dash_path} {where}", e)
        # the rule name says where the expression is: dashboard_panel_5_A
        name = "dashboard_" + re.sub(r"\W+", "_", where)
        f.write(f"      - record: {name}\n        expr: {json.dumps(promql(e))}\n")

print(f"{len(alerts)} alerts, {len(defined)} recording rules, "
      f"{len(dash_exprs)} dashboard queries; metric names checked")
for e in errors:
    print("  " + e, file=sys.stderr)
sys.exit(1 if errors else 0)
PY

echo "== dashboard PromQL parses"
if [ -s "$tmp/dashboard_exprs.yml" ]; then
  promtool check rules "$tmp/dashboard_exprs.yml" >"$tmp/dash.out" 2>&1 ||
    { cat "$tmp/dash.out" >&2; fail "dashboard PromQL does not parse"; }
  grep -o 'SUCCESS: [0-9]* rules found' "$tmp/dash.out" || true
else
  fail "no dashboard expressions extracted"
fi

if [ "$failures" != 0 ]; then
  echo "== deploy/check.sh: $failures check(s) failed" >&2
  exit 1
fi
echo "== deploy/check.sh: ok"
