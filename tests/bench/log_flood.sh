#!/usr/bin/env bash
# Runs the log flood benchmark (tests/e2e/bench_log_flood.rs) against the running
# sandbox and records its figures in docs/benchmarks.md (between the
# log-flood markers). Usage: tests/bench/log_flood.sh [--release]
set -euo pipefail
cd "$(dirname "$0")/../.."
source tests/bench/lib.sh
profile=() build="debug build"
if [[ ${1:-} == --release ]]; then profile=(--release); build="release build"; fi
eval "$(tests/sandbox/sandbox env)"
out=$(mktemp)
trap 'rm -f "$out"' EXIT
BATCHTOP_BENCH_OUT=$out cargo test "${profile[@]}" --test e2e bench_log_flood -- --ignored --nocapture
[[ -s $out ]] || { echo "the benchmark wrote no figures" >&2; exit 1; }

body=$(mktemp)
trap 'rm -f "$out" "$body"' EXIT
{
  echo "## Log flood (issue 5)"
  echo
  echo "\`tests/bench/log_flood.sh\` ($build, $(nproc) cores): a sandbox pod writes lines as fast as asked while the"
  echo "real console (in a pseudo-terminal) follows it on its log screen, with a key every 20 ms. The buffer bound is asserted; timings are recorded only."
  echo
  echo "| what | figure |"
  echo "| --- | --- |"
  cat "$out"
} >"$body"
record_section docs/benchmarks.md log-flood "$body"
