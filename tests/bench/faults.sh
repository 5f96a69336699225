#!/usr/bin/env bash
# Runs the fault benchmark (tests/e2e/bench_faults.rs) against the running
# sandbox: each fault scenario LOOPS times (default 10) under one real console,
# and records recoveries out of LOOPS and the times in docs/benchmarks.md
# (between the faults markers). It stops the shared sandbox's API server
# twice and etcd once per restart loop (BATCHTOP_BENCH_RESTART_LOOPS, default LOOPS).
# The brokers' scenarios (the lines to Redis and RabbitMQ through the fault
# proxy, and each broker restarted) are a section of their own.
# Usage: tests/bench/faults.sh [LOOPS] [all|api|brokers]
set -euo pipefail
cd "$(dirname "$0")/../.."
source tests/bench/record.sh
loops=${1:-10}
which=${2:-all}
restart_loops=${BATCHTOP_BENCH_RESTART_LOOPS:-$loops}
eval "$(tests/sandbox/sandbox env)"
out=$(mktemp)
trap 'rm -f "$out"' EXIT

# bench TEST: runs one benchmark test of tests/e2e/bench_faults.rs into $out.
bench() {
  rm -f "$out"
  BATCHTOP_BENCH_OUT=$out BATCHTOP_BENCH_LOOPS=$loops BATCHTOP_BENCH_RESTART_LOOPS=$restart_loops \
    cargo test --test e2e "bench_faults::$1" -- --ignored --nocapture --exact
  [[ -s $out ]] || { echo "the benchmark $1 wrote no figures" >&2; exit 1; }
}

if [[ $which == all || $which == brokers ]]; then
  bench broker_faults_recover_every_time
  body=$(
    echo "\`tests/bench/faults.sh $loops brokers\` (debug build, $(nproc) cores, $(date -u +%F)): the real console"
    echo "reads a Redis list and a RabbitMQ queue, each through the test kit's fault proxy (RabbitMQ's AMQP and"
    echo "management lines both), while a line is closed, reset or black-holed, and while each broker is stopped"
    echo "and started again ($loops times each). A try recovers when the queue's row has said reconnecting and"
    echo "then reads as before, within the test's bounds. Nothing is consumed: the depths read the same after."
    echo "Times are median / max; noticed from the fault (a restart: from the start of \`sandbox stop\`), ok from the repair (a restart: from the start of \`sandbox up\`)."
    echo
    echo "| scenario | recovered | noticed | ok after the repair or return |"
    echo "| --- | --- | --- | --- |"
    cat "$out"
  )
  record_section faults-brokers "Faults at the brokers (issue 10)" "$body"
fi
[[ $which == all || $which == api ]] || exit 0
bench faults_recover_every_time

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
