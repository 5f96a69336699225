# Output, process and port helpers. Sourced by ./sandbox.

if [[ -t 1 && -z ${NO_COLOR:-} ]]; then
  C_B=$'\e[1m' C_G=$'\e[32m' C_R=$'\e[31m' C_Y=$'\e[33m' C_0=$'\e[0m'
else
  C_B='' C_G='' C_R='' C_Y='' C_0=''
fi
T_START=$(date +%s.%N)

elapsed() { awk -v a="$1" -v b="$(date +%s.%N)" 'BEGIN{printf "%.1fs", b-a}'; }
step() { printf '%s==>%s %s\n' "$C_B" "$C_0" "$*"; }
ok() { printf '    %sok%s  %s\n' "$C_G" "$C_0" "$*"; }
note() { printf '    %s--%s  %s\n' "$C_Y" "$C_0" "$*"; }
warn() { printf '%swarning:%s %s\n' "$C_Y" "$C_0" "$*" >&2; }

# fail MESSAGE [DETAIL]: print, let the caller clean up (on_fail), exit 1.
fail() {
  printf '%serror:%s %s\n' "$C_R" "$C_0" "$1" >&2
  [[ -n ${2:-} ]] && printf '%s\n' "$2" | sed 's/^/    | /' >&2
  if declare -F on_fail >/dev/null; then on_fail || true; fi
  exit 1
}

pid_alive() { [[ -n ${1:-} ]] && kill -0 "$1" 2>/dev/null && [[ $(ps -o stat= -p "$1" 2>/dev/null) != Z* ]]; }

# port_owner PORT -> "process(pid)" of a TCP listener on PORT, empty if none.
port_owner() {
  ss -Hltnp "sport = :$1" 2>/dev/null | grep -o 'users:(([^)]*))' | head -n1 |
    sed -E 's/users:\(\("([^"]*)",pid=([0-9]+).*/\1 (pid \2)/'
}
port_listening() { [[ -n $(ss -Hltn "sport = :$1" 2>/dev/null) ]]; }

# wait_until TIMEOUT_S COMMAND...: true once COMMAND succeeds, false on timeout.
wait_until() {
  local deadline=$((SECONDS + $1)); shift
  until "$@" >/dev/null 2>&1; do
    ((SECONDS < deadline)) || return 1
    sleep 0.3
  done
}
