#!/usr/bin/env bash
# `make test`: check formatting and clippy, build the Rust tests, bring the
# sandbox up with every scenario, run the sandbox's own checks, the worker
# simulator's unit tests and `cargo test --workspace --tests` against it,
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

phase "building the Rust tests"
cargo_built=1
cargo test --workspace --tests --no-run || { cargo_built=0; rc=1; failed=$((failed + 1)); echo "cargo test build failed"; }

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
    phase "cargo test --workspace --tests (environment from sandbox env)"
    (eval "$($SANDBOX env)" && cargo test --workspace --tests 2>&1) | tee "$OUT/cargo.txt"
    ((PIPESTATUS[0] == 0)) || rc=1
    count "$OUT/cargo.txt"
  fi
else
  rc=1; failed=$((failed + 1))
  echo "sandbox up failed"
fi
take_down
echo
echo "summary: $passed passed, $failed failed"
((rc == 0 && failed == 0))
