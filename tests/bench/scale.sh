#!/usr/bin/env bash
# The scale benchmark of issue 15 (`make bench`; never part of `make test`):
# brings up the sandbox's scale profile, runs batchtop (release build) and its
# peers one after the other in a 120x40 pseudo-terminal (tests/e2e/bench_scale.rs),
# counts the instructions of the fold and of one frame under callgrind
# (src/scale_bench.rs), records the figures in docs/benchmarks.md (between
# the scale markers) and docs/bench/scale.json, and takes the profile down.
#
#   tests/bench/scale.sh [--jobs N] [--window SECONDS] [--rate R] [--peers k9s,kdash,kubetui] [--keep]
#
# The peers are built once into $BATCHTOP_BENCH_CACHE (default
# ~/.cache/batchtop-bench): k9s with `go install`, kdash and kubetui with
# `cargo install --locked`. Nothing of theirs enters the work tree.
set -euo pipefail
cd "$(dirname "$0")/../.."
source tests/bench/record.sh

jobs=2000 window=60 rate=50 keep=0 peers=k9s,kdash,kubetui
while (($#)); do
  case $1 in
  --jobs) jobs=$2; shift 2 ;;
  --window) window=$2; shift 2 ;;
  --rate) rate=$2; shift 2 ;;
  --peers) peers=$2; shift 2 ;;
  --keep) keep=1; shift ;;
  *) echo "usage: tests/bench/scale.sh [--jobs N] [--window SECONDS] [--rate R] [--peers k9s,kdash,kubetui] [--keep]" >&2; exit 2 ;;
  esac
done
t_all=$SECONDS
cache=${BATCHTOP_BENCH_CACHE:-$HOME/.cache/batchtop-bench}
K9S_VERSION=v0.50.16 KDASH_VERSION=2.1.1 KUBETUI_VERSION=1.14.0
eval "$(tests/sandbox/sandbox env)"

# ------------------------------------------------------------------ the tools
mkdir -p "$cache/bin"
want() { [[ ,$peers, == *,$1,* ]]; }
if want k9s && [[ ! -x $cache/bin/k9s ]]; then
  echo "==> building k9s $K9S_VERSION into $cache (once)"
  GOBIN=$cache/bin go install "github.com/derailed/k9s@$K9S_VERSION"
fi
for peer in "kdash@$KDASH_VERSION" "kubetui@$KUBETUI_VERSION"; do
  if want "${peer%@*}" && [[ ! -x $cache/bin/${peer%@*} ]]; then
    echo "==> building $peer into $cache (once)"
    CARGO_TARGET_DIR=$cache/target cargo install --locked --root "$cache" "$peer"
  fi
done
cargo build --release --bin batchtop
batchtop=$PWD/target/release/batchtop

# ------------------------------------------------------------------ the sandbox
[[ $keep == 1 ]] || trap 'tests/sandbox/sandbox scale down' EXIT
# Each console's requests are counted from the API server's audit log; an API
# server started before the sandbox had one is restarted with it.
apiserver=$(cat "$BATCHTOP_SANDBOX_RUN/pids/kube-apiserver.pid" 2>/dev/null || true)
if [[ -z $apiserver ]] || ! tr '\0' ' ' <"/proc/$apiserver/cmdline" 2>/dev/null | grep -q -- --audit-policy-file; then
  echo "==> restarting the API server with the bench's audit log"
  tests/sandbox/sandbox stop kube-apiserver
  tests/sandbox/sandbox up
fi
t0=$SECONDS
tests/sandbox/sandbox scale up --jobs "$jobs"
setup=$((SECONDS - t0))

# ------------------------------------------------------------------ the consoles
out=$(mktemp) json=$(mktemp) body=$(mktemp)
trap 'rm -f "$out" "$json" "$body"; [[ $keep == 1 ]] || tests/sandbox/sandbox scale down' EXIT
peer_env=()
want k9s && peer_env+=("BATCHTOP_BENCH_K9S=$cache/bin/k9s")
want kdash && peer_env+=("BATCHTOP_BENCH_KDASH=$cache/bin/kdash")
want kubetui && peer_env+=("BATCHTOP_BENCH_KUBETUI=$cache/bin/kubetui")
# A run's figures are kept even if the test process ends badly after writing
# them (one full run ended with exit 101 after "test result: ok", and lost them).
status=0
env "${peer_env[@]}" BATCHTOP_BENCH_BATCHTOP="$batchtop" BATCHTOP_BENCH_WINDOW="$window" BATCHTOP_BENCH_RATE="$rate" \
  BATCHTOP_BENCH_OUT="$out" BATCHTOP_BENCH_JSON="$json" \
  cargo test --test e2e bench_scale -- --ignored --nocapture || status=$?
[[ -s $out ]] || { echo "the benchmark wrote no figures (cargo test: exit $status)" >&2; exit 1; }
((status == 0)) || echo "warning: cargo test ended with exit $status after writing its figures; recording them" >&2

# ------------------------------------------------------------------ instruction counts
# The lib's unit tests (the test profile: a release test build of the lib takes the
# release profile's fat LTO, many minutes here), run under callgrind; only the named
# function is counted. Unoptimised counts are larger than a release build's, and as
# repeatable: they are for comparing runs, not for timing.
lib_tests=$(cargo test --lib --no-run --message-format=json 2>/dev/null |
  jq -r 'select(.executable != null and .target.kind == ["lib"]) | .executable' | tail -n1)
instructions() { # TEST FUNCTION -> instructions executed inside FUNCTION
  valgrind --tool=callgrind --callgrind-out-file=/dev/null "--toggle-collect=*scale_bench*$2*" \
    "$lib_tests" --ignored --exact "scale_bench::$1" --test-threads=1 2>&1 |
    awk '/Collected :/ {print $NF}'
}
fold=$(instructions fold_the_scale_list fold_list)
frame=$(instructions draw_a_scale_jobs_frame draw_jobs_frame)
changed=$(instructions draw_a_scale_jobs_frame_after_a_change draw_jobs_frame)
warnings=$(instructions derive_the_scale_warnings derive_warnings)

# ------------------------------------------------------------------ the record
took=$((SECONDS - t_all))
{
  echo "\`tests/bench/scale.sh\` (\`make bench\`; $(nproc) cores, $(free -g | awk '/Mem:/ {print $2}') GB; batchtop release build at"
  echo "$(git rev-parse --short HEAD); k9s $K9S_VERSION, kdash $KDASH_VERSION, kubetui $KUBETUI_VERSION, kubectl $(kubectl version --client -o json | jq -r .clientVersion.gitVersion)):"
  echo "\`sandbox scale up --jobs $jobs\` (set up in ${setup} s) beside the normal scenarios; each console alone in a"
  echo "120x40 pseudo-terminal; CPU over ${window} s idle and ${window} s of \`sandbox scale churn --rate $rate\` (pod readiness"
  echo "flips); bytes are what the console wrote to the terminal during the churn. One run: the wall-clock figures are noisy,"
  echo "the instruction counts are not. The whole run took ${took} s."
  echo
  cat "$out"
  echo
  echo "Instructions (callgrind, unoptimised test build, \`src/scale_bench.rs\`): folding the initial lists of 2,000 Jobs,"
  echo "10,000 pods and 200 CronJobs into the state: $fold; drawing one 120x40 Jobs frame of that state at a tick (only the"
  echo "time moved): $frame; the frame after one Job changed: $changed; deriving the warnings of that state: $warnings."
  echo
  echo "API requests are counted from the API server's audit log (each console runs as its own bench user; a watch"
  echo "the server ends after its timeout and the console opens again is one request), over the idle and the churn windows."
  echo
} >"$body"
record_section scale "Scale: batchtop beside k9s, kdash, kubetui and kubectl (issue 15)" "$(cat "$body")"
mkdir -p docs/bench
jq --argjson fold "$fold" --argjson frame "$frame" --argjson changed "$changed" --argjson warnings "$warnings" --argjson setup "$setup" --argjson took "$took" \
  --arg commit "$(git rev-parse --short HEAD)" \
  '. + {commit: $commit, setup_s: $setup, run_s: $took, instructions: {fold_initial_lists: $fold, draw_jobs_frame_120x40: $frame, draw_jobs_frame_after_a_change_120x40: $changed, derive_warnings: $warnings}}' \
  "$json" >docs/bench/scale.json
echo "recorded in docs/bench/scale.json"
