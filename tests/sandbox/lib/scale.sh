# The scale profile (issue 15), sourced by ./sandbox:
#
#   sandbox scale up [--jobs N]   ~N/20 kwok nodes (110 pods each, tainted for the profile), N Jobs in
#                                 up to 20 namespaces scale-NN (fixed, indexed, work-queue, 1 in 40
#                                 failed, 1 in 40 suspended: ~5 pods per Job), N/10 CronJobs
#                                 (every minute to weekly, some suspended, some with timeZone);
#                                 waits until the Job controller has made every pod and kwok runs them
#   sandbox scale down            deletes all of it, restores the controllers' default client QPS
#   sandbox scale churn [--rate R] [--seconds S] [--count C]
#                                 R pod status changes a second (default 50) for at most S seconds
#                                 (default 60) and C changes (default R*S), then stops by itself
#   sandbox scale status          what the profile holds now
#
# The objects come from lib/scale.py. Everything carries the label
# sandbox.batchtop.dev/scale=true, which is how down finds it.

SCALE_LABEL=sandbox.batchtop.dev/scale=true
SCALE_DIR=$RUN/scale
# The controller-manager's and scheduler's client QPS/burst at full scale
# (defaults: 20/30 and 50/100, a quarter of an hour to create 10,000 pods).
SCALE_QPS=300
SCALE_BURST=600
# Below this many Jobs the controllers keep their defaults (and are not restarted):
# the smoke run in `make test` must not disturb the shared control plane.
SCALE_QPS_FROM_JOBS=500

# The client QPS flags of the controller-manager and the scheduler: raised
# while the scale profile holds them (start_controller_manager/start_scheduler).
scale_qps_flags() {
  [[ -s $SCALE_DIR/client-qps ]] || return 0
  local qps burst
  read -r qps burst <"$SCALE_DIR/client-qps"
  echo "--kube-api-qps $qps --kube-api-burst $burst"
}

# restart_controllers: the controller-manager and the scheduler again, with
# whatever scale_qps_flags says now.
restart_controllers() {
  local t0
  stop_components kube-controller-manager kube-scheduler
  t0=$(date +%s.%N); start_controller_manager; await kube-controller-manager 90 "$t0" ready_controller_manager
  t0=$(date +%s.%N); start_scheduler; await kube-scheduler 90 "$t0" ready_scheduler
  STARTED=()
}

scale_count() { # KIND: how many scale objects of KIND, with optional extra args
  local kind=$1; shift
  k get "$kind" -A -l "$SCALE_LABEL" --no-headers "$@" 2>/dev/null | wc -l
}

# scale_pods_expected JOBS: the pods the profile's Jobs make (scale.py's mix, counted).
scale_pods_expected() {
  python3 "$SANDBOX_DIR/lib/scale.py" objects "$1" 1 0 0 | tail -n1 | jq '[.items[] | select(.kind == "Job")
    | if .spec.suspend then 0 else .spec.parallelism end] | add // 0'
}

cmd_scale_up() {
  local jobs=2000
  while (($#)); do
    case $1 in
    --jobs) jobs=${2:?--jobs needs a number}; shift 2 ;;
    *) fail "unknown argument to scale up: $1" "usage: sandbox scale up [--jobs N]" ;;
    esac
  done
  [[ $jobs =~ ^[0-9]+$ ]] && ((jobs > 0)) || fail "--jobs must be a positive number"
  need_up
  local pods; pods=$(scale_pods_expected "$jobs")
  # 110 pods a node; room for a tenth more than the Jobs make.
  local namespaces=$((jobs < 20 ? jobs : 20)) cronjobs=$((jobs / 10)) nodes=$(((pods * 11 / 10 + 109) / 110))
  local t_all; t_all=$(date +%s.%N)
  step "scale profile: $nodes nodes, $jobs Jobs in $namespaces namespaces (~$pods pods), $cronjobs CronJobs"
  mkdir -p "$SCALE_DIR"
  if ((jobs >= SCALE_QPS_FROM_JOBS)) && [[ ! -s $SCALE_DIR/client-qps ]]; then
    echo "$SCALE_QPS $SCALE_BURST" >"$SCALE_DIR/client-qps"
    note "controller-manager and scheduler restarted with client QPS $SCALE_QPS, burst $SCALE_BURST"
    restart_controllers
  fi
  local t0; t0=$(date +%s.%N)
  if (($(scale_count jobs) >= jobs)); then
    note "the profile already holds $jobs Jobs: nothing created"
  else
    create_scale_objects "$jobs" "$namespaces" "$cronjobs" "$nodes"
    ok "$(printf '%-24s' "objects created") in $(elapsed "$t0")"
  fi
  t0=$(date +%s.%N)
  wait_until 300 scale_nodes_ready "$nodes" || fail "the $nodes scale nodes did not become Ready within 300s"
  ok "$(printf '%-24s' "$nodes nodes Ready") in $(elapsed "$t0")"
  t0=$(date +%s.%N)
  local deadline=$((SECONDS + 1800)) have=0
  while ((SECONDS < deadline)); do
    have=$(scale_count pods --field-selector status.phase!=Pending)
    ((have >= pods)) && break
    sleep 3
  done
  ((have >= pods)) || fail "only $have of $pods scale pods started within 1800s"
  ok "$(printf '%-24s' "$have pods started") in $(elapsed "$t0")"
  step "scale profile up in $(elapsed "$t_all")"
}

# create_scale_objects JOBS NAMESPACES CRONJOBS NODES: the nodes first (the pods need them), then the namespaces four at a time.
create_scale_objects() {
  python3 "$SANDBOX_DIR/lib/scale.py" objects "$@" >"$SCALE_DIR/objects.jsonl"
  head -n1 "$SCALE_DIR/objects.jsonl" | k apply -f - >/dev/null || fail "creating the scale nodes failed"
  tail -n +2 "$SCALE_DIR/objects.jsonl" | xargs -d '\n' -P 4 -I{} sh -c 'printf "%s" "$1" | "$2" --kubeconfig "$3" apply -f - >/dev/null' _ {} "$(kubectl_bin)" "$RUN/kubeconfig" ||
    fail "creating the scale Jobs failed"
}

scale_nodes_ready() {
  local ready
  ready=$(k get nodes -l "$SCALE_LABEL" --no-headers 2>/dev/null | awk '$2 == "Ready"' | wc -l)
  ((ready >= $1))
}

cmd_scale_down() {
  need_up
  local t0; t0=$(date +%s.%N)
  step "scale profile down"
  local ns
  ns=$(k get ns -l "$SCALE_LABEL" -o name 2>/dev/null)
  if [[ -n $ns ]]; then
    # --wait: the namespace controller deletes the Jobs and their pods (kwok turns them Failed first).
    # shellcheck disable=SC2086
    k delete $ns --wait=true --timeout=600s >/dev/null || fail "the scale namespaces did not go away within 600s"
  fi
  k delete nodes -l "$SCALE_LABEL" --wait=true --timeout=120s >/dev/null || fail "the scale nodes did not go away"
  if [[ -s $SCALE_DIR/client-qps ]]; then
    rm -f "$SCALE_DIR/client-qps"
    note "controller-manager and scheduler restarted with their default client QPS"
    restart_controllers
  fi
  rm -rf "$SCALE_DIR"
  ok "scale profile removed in $(elapsed "$t0")"
}

cmd_scale_churn() {
  local rate=50 seconds=60 count=""
  while (($#)); do
    case $1 in
    --rate) rate=${2:?}; shift 2 ;;
    --seconds) seconds=${2:?}; shift 2 ;;
    --count) count=${2:?}; shift 2 ;;
    *) fail "unknown argument to scale churn: $1" "usage: sandbox scale churn [--rate R] [--seconds S] [--count C]" ;;
    esac
  done
  need_up
  [[ -n $count ]] || count=$(awk -v r="$rate" -v s="$seconds" 'BEGIN{printf "%d", r*s}')
  python3 "$SANDBOX_DIR/lib/scale.py" churn "https://127.0.0.1:$PORT_APISERVER" "$PKI" "$rate" "$seconds" "$count"
}

cmd_scale_status() {
  need_up
  printf 'nodes %s, namespaces %s, jobs %s, pods %s (running %s), cronjobs %s, controller client QPS: %s\n' \
    "$(scale_count nodes)" "$(scale_count ns)" "$(scale_count jobs)" "$(scale_count pods)" \
    "$(scale_count pods --field-selector status.phase=Running)" "$(scale_count cronjobs)" \
    "$(cat "$SCALE_DIR/client-qps" 2>/dev/null || echo default)"
}

cmd_scale() {
  local sub=${1:-}; shift || true
  case $sub in
  up) cmd_scale_up "$@" ;;
  down) cmd_scale_down ;;
  churn) cmd_scale_churn "$@" ;;
  status) cmd_scale_status ;;
  *) fail "usage: sandbox scale up [--jobs N] | down | churn [--rate R] [--seconds S] [--count C] | status" ;;
  esac
}
