#!/usr/bin/env bash
# Regenerates the PNG screenshots of the main screens from the sandbox's real
# state: runs batchtop in a detached tmux session against the sandbox, walks
# the screens with keys, captures each pane with its colours (capture-pane -e)
# and renders it to PNG with ansi2png.py (Pillow + DejaVu Sans Mono).
#
# Usage: screenshots/make.sh [WIDTHxHEIGHT] [--no-color]
#   default 120x34 in colour, written as NAME.png; another size or --no-color
#   is written as NAME-80x24.png, NAME-80x24-no-color.png (the README links them).
# Needs a running sandbox: tests/sandbox/sandbox up --scenarios all
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(cd "$here/.." && pwd)
size=120x34 no_color=""
for arg in "$@"; do
  case $arg in
    --no-color) no_color=1 ;;
    *x*) size=$arg ;;
    *) echo "usage: screenshots/make.sh [WIDTHxHEIGHT] [--no-color]" >&2; exit 2 ;;
  esac
done
cols=${size%x*}
rows=${size#*x}
suffix=""
[[ $size == 120x34 ]] || suffix="-$size"
[[ -z $no_color ]] || suffix="$suffix-no-color"
colour_env="TERM=xterm-256color"
[[ -z $no_color ]] || colour_env="TERM=xterm-256color NO_COLOR=1"
session=batchtop-screenshots-$$
# A private tmux server, so other tmux sessions on the machine are never touched.
tmux() { command tmux -L "$session" "$@"; }

need_packages() {
  local missing=()
  command -v tmux >/dev/null || missing+=(tmux)
  /usr/bin/python3 -c 'import PIL' 2>/dev/null || missing+=(python3-pil)
  [[ -f /usr/share/fonts/truetype/dejavu/DejaVuSansMono.ttf ]] || missing+=(fonts-dejavu-core)
  if ((${#missing[@]})); then
    echo "installing ${missing[*]} (Debian packages)" >&2
    apt-get install -y "${missing[@]}" >/dev/null 2>&1 || { apt-get update >/dev/null && apt-get install -y "${missing[@]}" >/dev/null; }
  fi
}

need_packages
"$repo/tests/sandbox/sandbox" status >/dev/null 2>&1 || true
eval "$("$repo/tests/sandbox/sandbox" env)"
kubectl_ok=$(KUBECONFIG=$KUBECONFIG timeout 5 bash -c "exec 3<>/dev/tcp/127.0.0.1/16443" 2>/dev/null && echo yes || echo no)
if [[ $kubectl_ok != yes ]]; then
  echo "screenshots/make.sh: the sandbox API server is not answering on 127.0.0.1:16443; run tests/sandbox/sandbox up --scenarios all" >&2
  exit 1
fi

(cd "$repo" && cargo build --quiet --bin batchtop)
bin=$repo/target/debug/batchtop
tmp=$(mktemp -d)
trap 'tmux kill-server 2>/dev/null || true; rm -rf "$tmp"' EXIT

tmux new-session -d -s "$session" -x "$cols" -y "$rows" \
  "env $colour_env KUBECONFIG='$KUBECONFIG' '$bin' -A --log-file '$tmp/batchtop.log'"

# wait_for TEXT: until the pane shows TEXT (the screen has data), at most 20 s.
wait_for() {
  for _ in $(seq 1 100); do
    tmux capture-pane -t "$session" -p | grep -qF -- "$1" && return 0
    sleep 0.2
  done
  echo "screenshots/make.sh: gave up waiting for '$1'; the pane shows:" >&2
  tmux capture-pane -t "$session" -p >&2
  return 1
}

# shot NAME: capture the pane with colours and render it.
shot() {
  sleep 0.4 # let the frame after the last key land
  tmux capture-pane -t "$session" -p -e >"$tmp/$1.ansi"
  /usr/bin/python3 "$here/ansi2png.py" "$tmp/$1.ansi" "$here/$1$suffix.png" "$cols" "$rows"
  echo "screenshots/$1$suffix.png"
}

# keys K...: one key at a time, with a pause, so Esc followed by a key is not
# read as Alt+key (the terminal's escape-sequence timeout).
keys() {
  for k in "$@"; do
    tmux send-keys -t "$session" "$k"
    sleep 0.3
  done
}

wait_for "watches ok"
wait_for "indexed-job"
# Warnings are derived at the console's first tick: the sandbox always has the failjob's.
wait_for "warning"
shot jobs

# Job detail of the failjob: failure policy with the matched rule.
keys / failjob Enter
wait_for "/failjob"
keys Enter
wait_for "Pod failure policy"
shot job-detail-failjob
keys Escape Escape

keys / indexed-job Enter Enter
wait_for "Indexes"
shot job-detail-indexed
keys Escape Escape

keys 2
wait_for "hello"
shot cronjobs
keys Enter
wait_for "next run"
shot cronjob-detail
keys Escape

keys 3
wait_for "Pods"
shot pods

keys 4
wait_for "kwok-node-0"
shot nodes

keys 5
wait_for "job1"
shot queues

# The worker log of indexed-job's index 3 (the reversed word).
keys 3 / indexed-job-3 Enter
wait_for "indexed-job-3-"
keys l
wait_for "xuq"
shot logs
keys Escape x

keys 1 '?'
wait_for "Everywhere"
shot help
keys q
