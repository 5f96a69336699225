# Installs the Debian packages the sandbox needs. Sourced by ./sandbox.
#
# Debian's maintainer scripts start a freshly installed redis-server or
# rabbitmq-server on its default port. The sandbox runs its own instances on
# its own ports, so installs happen under a policy-rc.d that forbids service
# starts, and any default-port server that still came up is stopped.

SANDBOX_PACKAGES=(redis-server redis-tools rabbitmq-server openssl curl jq iproute2 procps)

missing_packages() {
  local p out=()
  for p in "${SANDBOX_PACKAGES[@]}"; do
    dpkg-query -W -f='${db:Status-Status}' "$p" 2>/dev/null | grep -qx installed || out+=("$p")
  done
  echo "${out[@]}"
}

ensure_packages() {
  local missing; missing=$(missing_packages)
  mkdir -p "$SANDBOX_CACHE"
  if [[ -z $missing ]]; then
    ok "packages present (${SANDBOX_PACKAGES[*]:0:3})"
    return 0
  fi
  local t0=$SECONDS log=$SANDBOX_CACHE/apt.log sudo=()
  step "installing Debian packages: $missing"
  if [[ $(id -u) != 0 ]]; then
    command -v sudo >/dev/null && sudo -n true 2>/dev/null ||
      fail "missing packages: $missing" "install them as root: apt-get install -y $missing"
    sudo=(sudo -n)
  fi
  command -v apt-get >/dev/null || fail "missing packages: $missing" "apt-get not found; install them by hand"
  local policy=/usr/sbin/policy-rc.d placed=0
  if [[ ! -e $policy ]]; then
    printf '#!/bin/sh\n# placed by batchtop sandbox during apt-get install\nexit 101\n' |
      "${sudo[@]}" tee "$policy" >/dev/null && "${sudo[@]}" chmod 755 "$policy" && placed=1
  fi
  local rc=0
  {
    "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update &&
      "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive RUNLEVEL=1 apt-get install -y --no-install-recommends $missing
  } >"$log" 2>&1 || rc=$?
  ((placed)) && "${sudo[@]}" rm -f "$policy"
  stop_default_services "${sudo[@]}"
  ((rc == 0)) || fail "apt-get install of $missing failed (exit $rc); see $log" "$(tail -n 5 "$log")"
  missing=$(missing_packages)
  [[ -z $missing ]] || fail "still missing after apt-get: $missing; see $log"
  ok "packages installed in $((SECONDS - t0))s"
}

# Stops a Debian-started redis/rabbitmq/epmd on their default ports, if any.
stop_default_services() {
  local s
  for s in redis-server rabbitmq-server; do
    [[ -x /etc/init.d/$s ]] && "$@" /etc/init.d/$s stop >/dev/null 2>&1 || true
  done
  # epmd started by the Erlang packages on its default port 4369.
  local pid
  for pid in $(ss -Hltnp 'sport = :4369' 2>/dev/null | grep -o 'pid=[0-9]*' | cut -d= -f2 | sort -u); do
    [[ $(cat /proc/"$pid"/comm 2>/dev/null) == epmd ]] && { "$@" kill "$pid" 2>/dev/null || true; }
  done
}
