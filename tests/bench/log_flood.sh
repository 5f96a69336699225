#!/usr/bin/env bash
# Runs the log flood benchmark (tests/e2e/bench_log_flood.rs) against the running
# sandbox and records its figures in docs/benchmarks.md (between the
# log-flood markers). Usage: tests/bench/log_flood.sh [--release]
set -euo pipefail
cd "$(dirname "$0")/../.."
profile=() build="debug build"
if [[ ${1:-} == --release ]]; then profile=(--release); build="release build"; fi
eval "$(tests/sandbox/sandbox env)"
out=$(mktemp)
trap 'rm -f "$out"' EXIT
BATCHTOP_BENCH_OUT=$out cargo test "${profile[@]}" --test e2e bench_log_flood -- --ignored --nocapture
[[ -s $out ]] || { echo "the benchmark wrote no figures" >&2; exit 1; }

doc=docs/benchmarks.md
begin='<!-- log-flood:begin -->' end='<!-- log-flood:end -->'
section=$(
  echo "$begin"
  echo "## Log flood (issue 5)"
  echo
  echo "\`tests/bench/log_flood.sh\` ($build, $(nproc) cores): a sandbox pod writes lines as fast as asked while the"
  echo "real console (in a pseudo-terminal) follows it on its log screen, with a key every 20 ms. The buffer bound is asserted; timings are recorded only."
  echo
  echo "| what | figure |"
  echo "| --- | --- |"
  cat "$out"
  echo "$end"
)
if [[ ! -f $doc ]]; then
  printf '# Benchmarks\n\nFigures recorded by the benchmark scripts; each section is rewritten by its script.\n\n' >"$doc"
fi
if grep -q "$begin" "$doc"; then
  python3 - "$doc" "$begin" "$end" "$section" <<'PY'
import sys
path, begin, end, section = sys.argv[1:5]
text = open(path).read()
head, rest = text.split(begin, 1)
_, tail = rest.split(end, 1)
open(path, "w").write(head + section + tail)
PY
else
  printf '%s\n' "$section" >>"$doc"
fi
echo "recorded in $doc"
