#!/usr/bin/env bash
# Runs the fault benchmark (tests/e2e/bench_faults.rs) against the running
# sandbox: each fault scenario LOOPS times (default 10) under one real console,
# and records recoveries out of LOOPS and the times in docs/benchmarks.md
# (between the faults markers). It stops the shared sandbox's API server
# twice and etcd once per restart loop (BATCHTOP_BENCH_RESTART_LOOPS, default LOOPS).
# Usage: tests/bench/faults.sh [LOOPS]
set -euo pipefail
cd "$(dirname "$0")/../.."
source tests/bench/record.sh
loops=${1:-10}
restart_loops=${BATCHTOP_BENCH_RESTART_LOOPS:-$loops}
eval "$(tests/sandbox/sandbox env)"
out=$(mktemp)
trap 'rm -f "$out"' EXIT
BATCHTOP_BENCH_OUT=$out BATCHTOP_BENCH_LOOPS=$loops BATCHTOP_BENCH_RESTART_LOOPS=$restart_loops \
  cargo test --test e2e bench_faults -- --ignored --nocapture
[[ -s $out ]] || { echo "the benchmark wrote no figures" >&2; exit 1; }

body=$(
  echo "\`tests/bench/faults.sh $loops\` (debug build, $(nproc) cores, $(date -u +%F)): the real console (in a pseudo-terminal)"
  echo "watches a namespace (6 watches) while the line to the API server is closed, reset or black-holed by the"
  echo "test kit's fault proxy ($loops times each), and while the API server is stopped and started again"
  echo "($restart_loops times), also with etcd compacted past every watch's resourceVersion while it is down"
  echo "(410 Gone: every watch relists), and while etcd is stopped for 30 s and started again ($restart_loops"
  echo "times). A try recovers when the status bar has said stale (every watch retrying) and"
  echo "then every watch ok again, within the test's bounds (45 s to notice, 25 s to heal; the restarts: ok"
  echo "within 150 s, noticed is timed from the end of \`sandbox stop\` (the server's graceful shutdown, during"
  echo "which the watches already end), ok from the first answer of what was stopped). Times are median / max."
  echo
  echo "| scenario | recovered | noticed | ok after the repair or return |"
  echo "| --- | --- | --- | --- |"
  cat "$out"
)
record_section faults "Faults (issue 10)" "$body"
