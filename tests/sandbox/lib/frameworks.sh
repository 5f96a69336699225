# The task frameworks' own libraries for the framework scenarios (issue 14):
# a Python venv with Celery and RQ (frameworks/requirements.txt, from PyPI
# with pip) and node_modules with BullMQ (frameworks/package.json and
# package-lock.json, from the npm registry with npm ci). Sourced by ./sandbox.
#
# Both live in the cache, keyed by a hash of their pin files, so a warm `up`
# only checks that they are there; a cold install takes seconds (about 8 s for
# the venv, 2-4 s for npm). Logs: $SANDBOX_CACHE/frameworks-{pip,npm}.log.

FRAMEWORKS_DIR=$SANDBOX_DIR/frameworks

frameworks_paths() {
  local ph nh
  ph=$(sha256sum "$FRAMEWORKS_DIR/requirements.txt" | cut -c1-12)
  nh=$(cat "$FRAMEWORKS_DIR/package.json" "$FRAMEWORKS_DIR/package-lock.json" | sha256sum | cut -c1-12)
  PY_VENV=$SANDBOX_CACHE/py-$ph
  SB_PYTHON=$PY_VENV/bin/python
  NODE_DIR=$SANDBOX_CACHE/node-$nh
  SB_NODE_PATH=$NODE_DIR/node_modules
  SB_NODE=$(command -v node || echo node)
}

# The interpreter the venv is made from: Debian's python3 (with python3-venv),
# else the first python3 on PATH.
frameworks_base_python() {
  if [[ -x /usr/bin/python3 ]] && /usr/bin/python3 -c 'import ensurepip, venv' 2>/dev/null; then
    echo /usr/bin/python3
  else
    command -v python3 || true
  fi
}

ensure_frameworks() {
  frameworks_paths
  local t0=$SECONDS did=()
  if [[ ! -f $PY_VENV/.complete ]]; then
    local py log=$SANDBOX_CACHE/frameworks-pip.log
    py=$(frameworks_base_python)
    [[ -n $py ]] || fail "python3 is not installed (the Celery and RQ scenarios need it)" "install python3 and python3-venv"
    step "installing Celery and RQ into $PY_VENV (log $log)"
    rm -rf "$PY_VENV"
    if ! { "$py" -m venv "$PY_VENV" &&
      "$PY_VENV/bin/pip" install --disable-pip-version-check --no-input -q -r "$FRAMEWORKS_DIR/requirements.txt"; } >"$log" 2>&1; then
      rm -rf "$PY_VENV"
      fail "installing the Python frameworks (celery, rq) failed; see $log" "$(tail -n 5 "$log")"
    fi
    touch "$PY_VENV/.complete"
    did+=(python)
  fi
  if [[ ! -f $NODE_DIR/.complete ]]; then
    local log=$SANDBOX_CACHE/frameworks-npm.log
    command -v node >/dev/null && command -v npm >/dev/null ||
      fail "node and npm are not installed (the BullMQ scenario needs Node 20)" "install nodejs and npm"
    step "installing BullMQ into $NODE_DIR (log $log)"
    rm -rf "$NODE_DIR"
    mkdir -p "$NODE_DIR"
    cp "$FRAMEWORKS_DIR/package.json" "$FRAMEWORKS_DIR/package-lock.json" "$NODE_DIR/"
    if ! (cd "$NODE_DIR" && npm ci --no-audit --no-fund --loglevel=error) >"$log" 2>&1; then
      rm -rf "$NODE_DIR"
      fail "npm ci of bullmq failed; see $log" "$(tail -n 5 "$log")"
    fi
    touch "$NODE_DIR/.complete"
    did+=(node)
  fi
  if ((${#did[@]})); then
    ok "frameworks installed in $((SECONDS - t0))s (celery, rq in $PY_VENV; bullmq in $NODE_DIR)"
  else
    ok "frameworks present (celery, rq, bullmq)"
  fi
}
