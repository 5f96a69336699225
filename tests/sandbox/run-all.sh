#!/usr/bin/env bash
# `make test`: check formatting and clippy, build the Rust tests, bring the
# sandbox up with every scenario, run the sandbox's own checks, the worker
# simulator's unit tests and every Rust test (cargo-nextest: a process and a
# deadline per test, no stop at the first failure; .config/nextest.toml) against it,
# take the sandbox down (always, even after a failure or an interrupt) and
# check that nothing was left behind.
# The last line sums every suite: "summary: N passed, N failed".
set -uo pipefail
cd "$(dirname "$0")/../.."
SANDBOX=tests/sandbox/sandbox
OUT=$(mktemp -d)
trap 'rm -rf "$OUT"' EXIT

rc=0 passed=0 failed=0
phase() { printf '\n\033[1m######## %s (%s)\033[0m\n' "$*" "$(date -u +%T)"; }
# count FILE: add a suite's "N passed, N failed" / cargo "test result" figures
count() {
  local p f
  read -r p f < <(grep -aoE '([0-9]+) passed[;,] ([0-9]+) failed' "$1" |
    awk '{gsub(/[;,]/,""); p+=$1; f+=$3} END {print p+0, f+0}')
  passed=$((passed + p)); failed=$((failed + f))
}

# count_nextest FILE: add nextest's summary ("N tests run: N passed, N failed, ...";
# the failed figure is left out when none failed, and a test killed at its
# deadline is counted as failed by nextest as "N timed out").
count_nextest() {
  local line p f t
  line=$(grep -aE '^ *Summary .* tests? run:' "$1" | tail -1)
  p=$(grep -oE '([0-9]+) passed' <<<"$line" | grep -oE '[0-9]+' || echo 0)
  f=$(grep -oE '([0-9]+) failed' <<<"$line" | grep -oE '[0-9]+' || echo 0)
  t=$(grep -oE '([0-9]+) timed out' <<<"$line" | grep -oE '[0-9]+' || echo 0)
  [[ -n $line ]] || f=1
  passed=$((passed + ${p:-0})); failed=$((failed + ${f:-0} + ${t:-0}))
}

down_done=0
take_down() {
  ((down_done)) && return 0
  down_done=1
  phase "sandbox down"
  $SANDBOX down || rc=1
  phase "checks after down"
  tests/sandbox/test.sh --after-down | tee "$OUT/after-down.txt"
  ((PIPESTATUS[0] == 0)) || rc=1
  count "$OUT/after-down.txt"
  phase "bad input: unknown scenario, port in use, failed build, missing package"
  tests/sandbox/test.sh --bad-input | tee "$OUT/bad-input.txt"
  ((PIPESTATUS[0] == 0)) || rc=1
  count "$OUT/bad-input.txt"
}
trap 'echo "interrupted"; take_down; exit 130' INT TERM

phase "rustfmt and clippy"
if cargo fmt --all --check; then passed=$((passed + 1)); else rc=1; failed=$((failed + 1)); echo "rustfmt: run cargo fmt --all"; fi
if cargo clippy --workspace --all-targets -- -D warnings; then
  passed=$((passed + 1))
else
  rc=1; failed=$((failed + 1)); echo "clippy found warnings"
fi

phase "cargo-nextest (installed from crates.io when missing)"
if ! cargo nextest --version >/dev/null 2>&1; then
  cargo install cargo-nextest --locked || { rc=1; echo "cannot install cargo-nextest"; }
fi

phase "building the Rust tests"
cargo_built=1
cargo test --workspace --tests --no-run || { cargo_built=0; rc=1; failed=$((failed + 1)); echo "cargo test build failed"; }

# The fuzz targets, briefly (no sandbox needed): one pass or one failure.
# FUZZ_SECONDS per target; `make fuzz` runs them longer.
phase "fuzz targets, ${FUZZ_SECONDS:-15} s each (tests/fuzz.sh)"
if tests/fuzz.sh --quick "${FUZZ_SECONDS:-15}"; then passed=$((passed + 1)); else rc=1; failed=$((failed + 1)); echo "fuzzing failed"; fi

phase "sandbox up --scenarios all"
if $SANDBOX up --scenarios all; then
  phase "sandbox checks"
  tests/sandbox/test.sh | tee "$OUT/sandbox.txt"
  ((PIPESTATUS[0] == 0)) || rc=1
  count "$OUT/sandbox.txt"

  phase "worker simulator unit tests"
  (source tests/sandbox/lib/build.sh >/dev/null 2>&1; cd tests/sandbox/worker && go test -count=1 -vet=off ./... 2>&1) | tee "$OUT/go.txt"
  if ((PIPESTATUS[0] == 0)); then passed=$((passed + 1)); else rc=1; failed=$((failed + 1)); fi

  if ((cargo_built)); then
    phase "cargo nextest run --workspace (environment from sandbox env)"
    (eval "$($SANDBOX env)" && cargo nextest run --workspace --no-fail-fast 2>&1) | tee "$OUT/cargo.txt"
    ((PIPESTATUS[0] == 0)) || rc=1
    count_nextest "$OUT/cargo.txt"
  fi
else
  rc=1; failed=$((failed + 1))
  echo "sandbox up failed"
fi
take_down
echo
echo "summary: $passed passed, $failed failed"
((rc == 0 && failed == 0))
