#!/usr/bin/env bash
# Runs every cargo-fuzz target in fuzz/ for SECONDS each (default 300):
# `make fuzz` (long) and `make test` (a short, bounded run: tests/sandbox/run-all.sh).
# Installs cargo-fuzz when missing; needs the nightly toolchain (libFuzzer's
# coverage instrumentation). New inputs go to a scratch corpus (fuzz/seeds stays
# as committed); a crash leaves its input in fuzz/artifacts/TARGET/ and fails the run:
# turn it into a regression test, then fix it.
# The last line: "fuzz: N targets, N crashed, N executions".
# `--quick` (make test): every target but label_selector, whose build needs the
# whole binary crate (most of a cold build); `make fuzz` runs all six.
set -uo pipefail
cd "$(dirname "$0")/.."
quick=0
if [[ ${1:-} == --quick ]]; then quick=1; shift; fi
SECONDS_EACH=${1:-300}
TARGETS=(config_parse log_sanitise index_ranges cron_schedule mask_url)
features=()
if ((!quick)); then TARGETS+=(label_selector); features=(--features selector); fi

if ! rustup toolchain list | grep -q '^nightly'; then
  echo "fuzz: the nightly toolchain is missing (rustup toolchain install nightly)"; exit 1
fi
if ! cargo +nightly fuzz --version >/dev/null 2>&1; then
  echo "fuzz: installing cargo-fuzz"
  cargo install cargo-fuzz --locked || { echo "fuzz: cannot install cargo-fuzz"; exit 1; }
fi

scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
start=$(date +%s)
# One build for every target, timed apart from the runs (the cold cost CI pays).
# No sanitizer: the code is safe Rust, and panics are what the targets look for.
if ! cargo +nightly fuzz build -s none "${features[@]}"; then
  echo "fuzz: the targets do not build"; exit 1
fi
echo "fuzz: built in $(($(date +%s) - start)) s"

crashed=0 executions=0
for t in "${TARGETS[@]}"; do
  mkdir -p "$scratch/$t" "fuzz/artifacts/$t"
  log="$scratch/$t.log"
  if cargo +nightly fuzz run -s none "${features[@]}" "$t" "$scratch/$t" "fuzz/seeds/$t" -- \
      -max_total_time="$SECONDS_EACH" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 >"$log" 2>&1; then
    status=ok
  else
    status=CRASHED; crashed=$((crashed + 1))
    grep -aE 'panicked|ERROR|Test unit written' "$log" | head -5
  fi
  runs=$(grep -aoE 'stat::number_of_executed_units: *[0-9]+' "$log" | grep -oE '[0-9]+$' | tail -1)
  executions=$((executions + ${runs:-0}))
  echo "fuzz: $t: $status, ${runs:-0} executions in ${SECONDS_EACH}s"
done
echo "fuzz: ${#TARGETS[@]} targets, $crashed crashed, $executions executions ($(($(date +%s) - start)) s in all)"
((crashed == 0))
