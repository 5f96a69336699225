#!/usr/bin/env bash
# The sandbox's own checks, at kubectl level, against a sandbox brought up
# with all scenarios (sandbox up --scenarios all):
#
#   tests/sandbox/test.sh               checks against the running sandbox
#   tests/sandbox/test.sh --after-down  checks that `sandbox down` left no process and no port
#   tests/sandbox/test.sh --bad-input   (sandbox down) unknown scenario, port in use, failed
#                                       build, missing package: clear message, nothing started
#
# Every wait is bounded. The last line is "N passed, N failed"; the exit
# status is non-zero when anything failed.
set -uo pipefail

SANDBOX_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
SANDBOX=$SANDBOX_DIR/sandbox
eval "$("$SANDBOX" env 2>/dev/null)"
RUN=$BATCHTOP_SANDBOX_RUN

PASSED=0 FAILED=0 FAILURES=()
T0=$SECONDS
pass() { PASSED=$((PASSED + 1)); printf 'ok   %-62s (%ds)\n' "$1" $((SECONDS - T0)); }
failed() {
  FAILED=$((FAILED + 1)); FAILURES+=("$1")
  printf 'FAIL %-62s (%ds)\n' "$1" $((SECONDS - T0))
  [[ -n ${2:-} ]] && printf '%s\n' "$2" | sed 's/^/     | /'
  return 0
}
# check NAME COMMAND...: one check; the command's output is shown on failure.
check() {
  local name=$1 out; shift
  if out=$("$@" 2>&1); then pass "$name"; else failed "$name" "$(tail -n 12 <<<"$out")"; fi
}
# eventually TIMEOUT_S COMMAND...: retry COMMAND until it succeeds or time runs out.
eventually() {
  local deadline=$((SECONDS + $1)) out; shift
  while :; do
    out=$("$@" 2>&1) && { [[ -n $out ]] && printf '%s\n' "$out"; return 0; }
    ((SECONDS < deadline)) || { printf '%s\n' "$out"; echo "(gave up after waiting)"; return 1; }
    sleep 1
  done
}
finish() {
  echo
  ((FAILED)) && printf 'failed: %s\n' "${FAILURES[@]}"
  echo "$PASSED passed, $FAILED failed"
  ((FAILED == 0))
  exit
}

kc() { "$SANDBOX_KUBECTL" --request-timeout=20s "$@"; }
redis_port() { local p=${BATCHTOP_REDIS_URL#redis://127.0.0.1:}; echo "${p%%/*}"; }
rcli() { redis-cli -h 127.0.0.1 -p "$(redis_port)" "$@"; }
mgmt() { # mgmt PATH -> JSON from the RabbitMQ management API
  local base=${BATCHTOP_RABBITMQ_API#http://} creds
  creds=${base%%@*}; base=${base#*@}
  curl -fsS -m 5 -u "$creds" "http://$base$1"
}

# ------------------------------------------------------------- after down

sandbox_ports() { "$SANDBOX" ports | cut -d' ' -f2- | tr ' ' '\n' | sort -u; }

after_down() {
  local pidfile pid comm ports p
  for pidfile in "$RUN"/pids.last/*.pid "$RUN"/pids/*.pid; do
    [[ -e $pidfile ]] || continue
    pid=$(cat "$pidfile")
    if kill -0 "$pid" 2>/dev/null && [[ $(ps -o stat= -p "$pid") != Z* ]]; then
      failed "after down: $(basename "$pidfile" .pid) (pid $pid) is gone" "$(ps -o pid,stat,args -p "$pid")"
    else
      pass "after down: $(basename "$pidfile" .pid) (pid $pid) is gone"
    fi
  done
  # Any process still running one of the sandbox's binaries or configs.
  local left
  left=$(ps -eo pid=,stat=,args= | awk '$2 !~ /^Z/' | grep -F "$RUN/" | grep -vE "grep|test.sh|make" || true)
  # The framework workers (celery, rq, bullmq) the worker simulator started.
  left+=$(ps -eo pid=,stat=,args= | awk '$2 !~ /^Z/' | grep -E "$SANDBOX_DIR/frameworks|celery -A sb_celery|rq worker --burst" | grep -vE "grep|test.sh|make" || true)
  if [[ -z $left ]]; then pass "after down: no sandbox process left"; else failed "after down: no sandbox process left" "$left"; fi
  ports=$(sandbox_ports)
  left=""
  for p in $ports; do
    [[ -n $(ss -Hltn "sport = :$p") ]] && left+="$p: $(ss -Hltnp "sport = :$p")"$'\n'
  done
  if [[ -z $left ]]; then pass "after down: no sandbox port listening ($(echo $ports | tr ' ' ','))"
  else failed "after down: no sandbox port listening" "$left"; fi
  finish
}
[[ ${1:-} == --after-down ]] && after_down

# ------------------------------------------------------------- bad input (sandbox down)

nothing_started() { # EXCEPT_PORT: no sandbox port listening but that one, no live pid file
  local p f
  for p in $(sandbox_ports); do
    [[ $p == "${1:-}" ]] && continue
    [[ -z $(ss -Hltn "sport = :$p") ]] || { echo "port $p listening: $(ss -Hltnp "sport = :$p")"; return 1; }
  done
  for f in "$RUN"/pids/*.pid; do
    [[ -e $f ]] || continue
    kill -0 "$(cat "$f")" 2>/dev/null && { echo "$(basename "$f") still alive"; return 1; }
  done
  return 0
}
# bad_input NAME EXPECTED_REGEX EXCEPT_PORT COMMAND...: fails cleanly with that message
bad_input() {
  local name=$1 want=$2 except=$3 out rc; shift 3
  out=$("$@" 2>&1); rc=$?
  if ((rc == 0)); then failed "$name: exits non-zero" "$out"; return; fi
  if ! grep -Eq "$want" <<<"$out"; then failed "$name: says /$want/" "$out"; return; fi
  local left; if ! left=$(nothing_started "$except"); then failed "$name: nothing left running" "$left"; return; fi
  pass "$name: clear message, exit $rc, nothing left running"
}

bad_inputs() {
  local apiport; apiport=$("$SANDBOX" ports | awk '$1 == "kube-apiserver" {print $2}')
  if ! nothing_started; then failed "bad input: the sandbox must be down first" "$(nothing_started)"; finish; fi

  bad_input "unknown scenario" "unknown scenario\(s\): nope" "" "$SANDBOX" up --scenarios indexed,nope

  python3 -c 'import socket,sys,time
s=socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("127.0.0.1", int(sys.argv[1]))); s.listen(); time.sleep(120)' "$apiport" &
  local holder=$!
  wait_port() { local i; for i in $(seq 50); do [[ -n $(ss -Hltn "sport = :$1") ]] && return 0; sleep 0.1; done; return 1; }
  wait_port "$apiport"
  bad_input "port in use" "port $apiport \(kube-apiserver\) is in use by python" "$apiport" "$SANDBOX" up --scenarios indexed
  kill "$holder" 2>/dev/null; wait "$holder" 2>/dev/null

  local cache; cache=$(mktemp -d)
  bad_input "failed build" "build of [a-z-]+ failed; see .*build-.*\.log" "" \
    env BATCHTOP_SANDBOX_CACHE="$cache" GOPROXY=off "$SANDBOX" up
  rm -rf "$cache"

  local fake; fake=$(mktemp -d)
  printf '#!/bin/sh\nexit 1\n' >"$fake/dpkg-query"
  printf '#!/bin/sh\necho "E: Unable to locate package (simulated)" >&2\nexit 100\n' >"$fake/apt-get"
  printf '#!/bin/sh\nexit 1\n' >"$fake/sudo"
  chmod +x "$fake"/*
  bad_input "missing package that cannot be installed" "missing packages|apt-get install of .* failed" "" \
    env PATH="$fake:$PATH" "$SANDBOX" up
  rm -rf "$fake"
  if [[ -e /usr/sbin/policy-rc.d ]] && grep -q 'batchtop sandbox' /usr/sbin/policy-rc.d; then
    failed "missing package: the temporary policy-rc.d was removed" "$(cat /usr/sbin/policy-rc.d)"
  fi
  finish
}
[[ ${1:-} == --bad-input ]] && bad_inputs

# ------------------------------------------------------------- checks

echo "sandbox checks against $KUBECONFIG"
if ! "$SANDBOX" status >/dev/null 2>&1 || ! kc get --raw /readyz >/dev/null 2>&1; then
  failed "the sandbox is up (run dir $RUN)" "$("$SANDBOX" status 2>&1 | head -n 12)"
  finish
fi

nodes_ready() {
  local n st
  for n in kwok-node-0 kwok-node-1 kwok-node-2 "$BATCHTOP_SANDBOX_BROKEN_NODE"; do
    st=$(kc get node "$n" -o 'jsonpath={.status.conditions[?(@.type=="Ready")].status}') || return 1
    [[ $st == True ]] || { echo "$n Ready=$st"; return 1; }
  done
  kc get nodes
}
check "fake nodes Ready" eventually 60 nodes_ready

check "server version is v1.36.3" bash -c "'$SANDBOX_KUBECTL' version -o json | jq -e '.serverVersion.gitVersion == \"v1.36.3\"'"

# --- time-sensitive experiments first: drain under the ignore job, config issue.
drain_out=$("$SANDBOX" drain-ignore 2>&1)
drain_rc=$?
drained_pod=$(sed -n 's/^drained-pod=\([^ ]*\) .*/\1/p' <<<"$drain_out")
if ((drain_rc == 0)) && [[ -n $drained_pod ]]; then pass "drain the node under job-pod-failure-policy-ignore"
else failed "drain the node under job-pod-failure-policy-ignore" "$drain_out"; fi

evicted_is_disruption() {
  # The evicted pod carries DisruptionTarget and ends Failed (or is already gone).
  local j
  j=$(kc get pod -n failure-policy "$drained_pod" -o json 2>/dev/null) || { echo "pod already deleted"; return 0; }
  jq -e '[.status.conditions[]? | select(.type=="DisruptionTarget" and .status=="True")] | length == 1' <<<"$j" >/dev/null ||
    { jq '.status.conditions' <<<"$j"; return 1; }
}
[[ -n $drained_pod ]] && check "evicted pod has condition DisruptionTarget" eventually 20 evicted_is_disruption

ignore_not_failed() {
  local j; j=$(kc get job -n failure-policy job-pod-failure-policy-ignore -o json) || return 1
  jq -e '(.status.failed // 0) == 0 and ([.status.conditions[]? | select(.type=="Failed" and .status=="True")] | length == 0)' <<<"$j" >/dev/null ||
    { jq '.status' <<<"$j"; return 1; }
  # and the eviction's replacement pod has been created
  [[ $(kc get pods -n failure-policy -l job-name=job-pod-failure-policy-ignore --no-headers | wc -l) -ge 2 ]]
}
check "ignore job: eviction not counted as a failure (status.failed 0, not Failed)" eventually 30 ignore_not_failed
check "uncordon the drained node" "$SANDBOX" uncordon

ci_out=$("$SANDBOX" config-issue 2>&1)
if [[ $? == 0 ]]; then pass "config-issue: patch ConfigIssue onto a pending pod and delete it"
else failed "config-issue: patch ConfigIssue onto a pending pod and delete it" "$ci_out"; fi

config_issue_pending() {
  kc get pods -n failure-policy -l job-name=job-pod-failure-policy-config-issue -o json |
    jq -e '[.items[] | select(.status.phase=="Pending") | .status.containerStatuses[]?.state.waiting.reason] | index("ImagePullBackOff") != null'
}

job_condition() { # NS JOB TYPE -> prints reason|message of condition TYPE when True
  kc get job -n "$1" "$2" -o json | jq -er --arg t "$3" \
    '.status.conditions[]? | select(.type==$t and .status=="True") | "\(.reason)|\(.message)"'
}

config_issue_failed() {
  local c; c=$(job_condition failure-policy job-pod-failure-policy-config-issue Failed) || return 1
  echo "$c"
  [[ $c == PodFailurePolicy\|*"has condition ConfigIssue matching FailJob rule at index 0"* ]]
}
check "config-issue Failed by its ConfigIssue FailJob rule" eventually 60 config_issue_failed

# --- jobs that run by themselves
check "indexed-job Complete" kc wait -n indexed --for=condition=complete job/indexed-job --timeout=120s
check "indexed-job completedIndexes 0-4" bash -c "[[ \$('$SANDBOX_KUBECTL' get job -n indexed indexed-job -o jsonpath='{.status.completedIndexes}') == 0-4 ]]"
index3_logs() {
  local out; out=$(kc logs -n indexed -l job-name=indexed-job,batch.kubernetes.io/job-completion-index=3 -c worker) || return 1
  echo "$out"; [[ $out == xuq ]]
}
check "kubectl logs of indexed-job index 3 prints xuq" eventually 20 index3_logs
index3_init_logs() {
  local out; out=$(kc logs -n indexed -l job-name=indexed-job,batch.kubernetes.io/job-completion-index=3 -c input) || return 1
  echo "$out"; [[ $out == *"qux"* ]]
}
check "indexed-job index 3's init container 'input' has its own log" eventually 20 index3_init_logs

check "example-job (pod-to-pod) Complete" kc wait -n pod-to-pod --for=condition=complete job/example-job --timeout=120s
ping_logs() {
  local out; out=$(kc logs -n pod-to-pod -l job-name=example-job,batch.kubernetes.io/job-completion-index=0) || return 1
  echo "$out"; grep -q "Successfully pinged pod: example-job-2.headless-svc" <<<"$out"
}
check "example-job index 0 pinged all peers (logs)" eventually 20 ping_logs

check "job-wq-1 Complete" kc wait -n wq-coarse --for=condition=complete job/job-wq-1 --timeout=180s
check "job-wq-1 8/8 succeeded" bash -c "[[ \$('$SANDBOX_KUBECTL' get job -n wq-coarse job-wq-1 -o jsonpath='{.status.succeeded}') == 8 ]]"
job1_empty() {
  local q; q=$(mgmt /queues/%2F/job1) || return 1
  jq -c '{messages, messages_ready, messages_unacknowledged, consumers}' <<<"$q"
  jq -e '.messages == 0 and .messages_ready == 0 and .messages_unacknowledged == 0' <<<"$q" >/dev/null
}
check "RabbitMQ queue job1 empty" eventually 30 job1_empty
wq1_logs() {
  local out; out=$(kc logs -n wq-coarse -l job-name=job-wq-1 --tail=-1 --max-log-requests=10 | sort | tr '\n' ' ') || return 1
  echo "$out"; [[ $out == "apple banana cherry date fig grape lemon melon " ]]
}
check "job-wq-1's 8 pods logged the 8 messages" eventually 20 wq1_logs

check "job-wq-2 Complete" kc wait -n wq-fine --for=condition=complete job/job-wq-2 --timeout=180s
job2_drained() {
  local a b; a=$(rcli LLEN job2) b=$(rcli LLEN job2:processing)
  echo "job2=$a job2:processing=$b"; [[ $a == 0 && $b == 0 ]]
}
check "Redis job2 and job2:processing empty" job2_drained
wq2_logs() {
  local out; out=$(kc logs -n wq-fine -l job-name=job-wq-2 --tail=-1) || return 1
  [[ $(grep -c '^Working on ' <<<"$out") == 9 ]] && grep -q '^Queue empty, exiting' <<<"$out" || { echo "$out"; return 1; }
}
check "job-wq-2 workers logged 9 items and exited on an empty queue" eventually 20 wq2_logs

check "job-wq-stream Complete" kc wait -n wq-stream --for=condition=complete job/job-wq-stream --timeout=180s
stream_drained() {
  local info; info=$(rcli XINFO GROUPS stream-tasks | tr '\n' ' ')
  echo "stream-tasks length=$(rcli XLEN stream-tasks) groups: $info"
  [[ $(rcli XLEN stream-tasks) == 30 && $info == *"pending 0 "* && $info == *"lag 0"* ]]
}
check "stream-tasks: 30 entries kept, group workers with lag 0 and nothing pending" eventually 20 stream_drained
wqs_logs() {
  local out; out=$(kc logs -n wq-stream -l job-name=job-wq-stream --tail=-1 --max-log-requests=10) || return 1
  [[ $(grep -c '^Working on ' <<<"$out") == 30 ]] && grep -q '^Stream drained, exiting' <<<"$out" || { echo "$out"; return 1; }
}
check "job-wq-stream workers logged 30 entries and exited on a drained group" eventually 20 wqs_logs

# Issue 14's framework scenarios: real Celery, RQ and BullMQ workers, the
# Sidekiq layout, RabbitMQ dead-lettering.
check "job-wq-celery Complete" kc wait -n wq-celery --for=condition=complete job/job-wq-celery --timeout=240s
celery_drained() {
  echo "celery-tasks=$(rcli LLEN celery-tasks) unacked=$(rcli HLEN unacked)"
  [[ $(rcli LLEN celery-tasks) == 0 && -z $(rcli HVALS unacked | grep -F '"celery-tasks"]') ]]
}
check "wq-celery: celery-tasks empty, nothing of it unacked" eventually 20 celery_drained
check "job-wq-rq Complete" kc wait -n wq-rq --for=condition=complete job/job-wq-rq --timeout=240s
rq_drained() {
  echo "queue=$(rcli LLEN rq:queue:rq-tasks) wip=$(rcli ZCARD rq:wip:rq-tasks) finished=$(rcli ZCARD rq:finished:rq-tasks) failed=$(rcli ZCARD rq:failed:rq-tasks) scheduled=$(rcli ZCARD rq:scheduled:rq-tasks) deferred=$(rcli ZCARD rq:deferred:rq-tasks)"
  [[ $(rcli LLEN rq:queue:rq-tasks) == 0 && $(rcli ZCARD rq:wip:rq-tasks) == 0 && $(rcli ZCARD rq:finished:rq-tasks) == 28 &&
    $(rcli ZCARD rq:failed:rq-tasks) == 2 && $(rcli ZCARD rq:scheduled:rq-tasks) == 1 && $(rcli ZCARD rq:deferred:rq-tasks) == 1 ]]
}
check "wq-rq: 28 finished, 2 failed, 1 scheduled, 1 deferred, queue and wip empty" eventually 20 rq_drained
check "job-wq-bullmq Complete" kc wait -n wq-bullmq --for=condition=complete job/job-wq-bullmq --timeout=240s
bullmq_drained() {
  local b=bull:bull-tasks
  echo "wait=$(rcli LLEN $b:wait) active=$(rcli LLEN $b:active) completed=$(rcli ZCARD $b:completed) failed=$(rcli ZCARD $b:failed) delayed=$(rcli ZCARD $b:delayed)"
  [[ $(rcli LLEN $b:wait) == 0 && $(rcli LLEN $b:active) == 0 && $(rcli ZCARD $b:completed) == 29 &&
    $(rcli ZCARD $b:failed) == 1 && $(rcli ZCARD $b:delayed) == 1 ]]
}
check "wq-bullmq: 29 completed, 1 failed, 1 delayed, nothing waiting or active" eventually 20 bullmq_drained
check "job-wq-sidekiq Complete" kc wait -n wq-sidekiq --for=condition=complete job/job-wq-sidekiq --timeout=240s
sidekiq_state() {
  local dead; dead=$(rcli ZRANGE dead 0 -1 | grep -c '"queue":"sidekiq-tasks"')
  echo "queue=$(rcli LLEN queue:sidekiq-tasks) retry=$(rcli ZCARD retry) dead(sidekiq-tasks)=$dead processes=$(rcli SMEMBERS processes | grep -c '^job-wq-sidekiq-')"
  [[ $(rcli LLEN queue:sidekiq-tasks) == 0 && $dead == 3 && $(rcli SISMEMBER queues sidekiq-tasks) == 1 ]]
}
check "wq-sidekiq: queue empty, jobs 5, 17 and 23 in the dead set" eventually 20 sidekiq_state
check "job-wq-dlq Complete" kc wait -n wq-dlq --for=condition=complete job/job-wq-dlq --timeout=240s
dlq_state() {
  local q d s
  q=$(mgmt /queues/%2f/dlq-tasks | jq -c '{type, messages, limit: .arguments["x-delivery-limit"]}')
  d=$(mgmt /queues/%2f/dlq-tasks.dead | jq -c '{type, messages}')
  s=$(mgmt /queues/%2f/dlq-events | jq -c '{type, messages}')
  echo "dlq-tasks $q dlq-tasks.dead $d dlq-events $s"
  [[ $q == '{"type":"quorum","messages":0,"limit":2}' && $d == '{"type":"quorum","messages":3}' && $s == '{"type":"stream","messages":5}' ]]
}
check "wq-dlq: dlq-tasks empty, 3 poison messages dead-lettered, stream dlq-events of 5" eventually 30 dlq_state

orphan_state() {
  local proc lease
  proc=$(rcli LRANGE job3:processing 0 -1)
  lease=$(rcli EXISTS "job3:leased_by_session:$(printf kiwi | sha224sum | cut -d' ' -f1)")
  echo "job3:processing=[$proc] kiwi lease exists=$lease job3=$(rcli LLEN job3)"
  [[ $proc == kiwi && $lease == 0 && $(rcli LLEN job3) == 0 ]]
}
check "wq-orphan: kiwi stuck in job3:processing without a lease, job3 drained" eventually 60 orphan_state
check "wq-orphan: job-wq-3 still active (stuck)" bash -c "[[ \$('$SANDBOX_KUBECTL' get job -n wq-orphan job-wq-3 -o jsonpath='{.status.active}') -ge 1 ]]"
follow_logs() {
  local pod n
  pod=$(kc get pods -n wq-orphan -l job-name=job-wq-3 --field-selector=status.phase=Running -o name | head -n1)
  [[ -n $pod ]] || { echo "no running job-wq-3 pod"; return 1; }
  n=$(timeout 7 "$SANDBOX_KUBECTL" logs -n wq-orphan -f --tail=0 "$pod" | grep -c 'Waiting for work')
  echo "$n new lines in 7s from kubectl logs -f $pod"; ((n >= 2))
}
check "kubectl logs -f follows appended lines (job-wq-3)" eventually 30 follow_logs

check "failjob Failed" kc wait -n failure-policy --for=condition=failed job/job-pod-failure-policy-failjob --timeout=120s
failjob_target() {
  local c; c=$(job_condition failure-policy job-pod-failure-policy-failjob FailureTarget) || return 1
  echo "$c"
  [[ $c == PodFailurePolicy\|*"failed with exit code 42 matching FailJob rule at index 0"* ]] &&
    [[ $(job_condition failure-policy job-pod-failure-policy-failjob Failed) == PodFailurePolicy\|* ]]
}
check "failjob reason PodFailurePolicy, FailureTarget names exit code 42 and rule 0" failjob_target

check "process-item-apple|banana|cherry (jobgroup=jobexample) Complete" \
  kc wait -n expansion --for=condition=complete job -l jobgroup=jobexample --timeout=120s
check "three jobgroup=jobexample Jobs" bash -c "[[ \$('$SANDBOX_KUBECTL' get jobs -n expansion -l jobgroup=jobexample --no-headers | wc -l) == 3 ]]"
expansion_logs() {
  local out; out=$(kc logs -n expansion -l jobgroup=jobexample | sort | tr '\n' '|') || return 1
  echo "$out"; [[ $out == "Processing item apple|Processing item banana|Processing item cherry|" ]]
}
check "jobgroup=jobexample logs 'Processing item <item>'" eventually 20 expansion_logs

limited_rbac() {
  local ctx=(--context "$BATCHTOP_SANDBOX_LIMITED_CONTEXT")
  kc "${ctx[@]}" get jobs,cronjobs,pods,events -n indexed >/dev/null || return 1
  kc "${ctx[@]}" logs -n indexed -l job-name=indexed-job,batch.kubernetes.io/job-completion-index=3 -c worker >/dev/null || return 1
  if kc "${ctx[@]}" get jobs -n wq-coarse >/dev/null 2>&1; then echo "could list jobs in wq-coarse"; return 1; fi
  [[ $(kc "${ctx[@]}" auth can-i delete jobs -n indexed 2>/dev/null) == no ]] || { echo "may delete jobs"; return 1; }
  [[ $(kc "${ctx[@]}" auth can-i list secrets -n indexed 2>/dev/null) == no ]] || { echo "may list secrets"; return 1; }
}
check "context sandbox-limited: read-only, namespace indexed only" limited_rbac

broken_kubelet() {
  kc apply -f - >/dev/null <<EOF || return 1
apiVersion: v1
kind: Pod
metadata:
  name: tls-probe
  namespace: default
spec:
  nodeName: $BATCHTOP_SANDBOX_BROKEN_NODE
  tolerations:
  - key: sandbox.batchtop.dev/kubelet-serving-csr
    operator: Exists
  containers:
  - name: c
    image: busybox
EOF
  local out; out=$(kc logs -n default tls-probe 2>&1)
  echo "$out"; [[ $out == *"remote error: tls: internal error"* ]]
}
check "logs from the node with a pending serving CSR fail with tls: internal error" eventually 30 broken_kubelet
kc delete pod -n default tls-probe --grace-period=0 --wait=false >/dev/null 2>&1

hello_jobs() {
  local j n gaps
  j=$(kc get jobs -n cronjob -o json) || return 1
  n=$(jq '[.items[] | select(.metadata.ownerReferences[]?.name=="hello")] | length' <<<"$j")
  gaps=$(jq -c '[.items[] | select(.metadata.ownerReferences[]?.name=="hello") | .metadata.creationTimestamp | fromdateiso8601]
    | sort | . as $t | [range(1; length) | $t[.] - $t[. - 1]]' <<<"$j")
  echo "$n Jobs owned by CronJob hello, seconds between them: $gaps"
  ((n >= 2)) && jq -e 'all(.[]; . >= 45 and . <= 75)' <<<"$gaps" >/dev/null
}
check "cronjob hello creates a Job each minute (2 Jobs, ~60 s apart)" eventually 150 hello_jobs
check "a hello Job Complete" bash -c "'$SANDBOX_KUBECTL' wait -n cronjob --for=condition=complete job --all --timeout=60s | grep -q hello"
hello_logs() {
  local job out; job=$(kc get jobs -n cronjob -o jsonpath='{.items[0].metadata.name}')
  out=$(kc logs -n cronjob "job/$job") || return 1
  echo "$out"; grep -q '^Hello from the Kubernetes cluster$' <<<"$out" && grep -q 'UTC 20' <<<"$out"
}
check "hello logs the date and 'Hello from the Kubernetes cluster'" eventually 20 hello_logs

check "job-pod-failure-policy-ignore Complete after uncordon" \
  kc wait -n failure-policy --for=condition=complete job/job-pod-failure-policy-ignore --timeout=180s
check "ignore job: status.failed still 0" bash -c "'$SANDBOX_KUBECTL' get job -n failure-policy job-pod-failure-policy-ignore -o json | jq -e '(.status.succeeded == 4) and ((.status.failed // 0) == 0)'"

# The scale profile (lib/scale.sh) at a small N, so its setup, churn and
# teardown cannot rot. Skipped while someone's scale profile is up: its
# teardown would remove that one.
scale_smoke() {
  "$SANDBOX" scale up --jobs 20 || return 1
  "$SANDBOX" scale status
  [[ $(kc get jobs -A -l sandbox.batchtop.dev/scale=true --no-headers | wc -l) == 20 ]] || { echo "not 20 scale Jobs"; return 1; }
  [[ $(kc get cronjobs -A -l sandbox.batchtop.dev/scale=true --no-headers | wc -l) == 2 ]] || { echo "not 2 scale CronJobs"; return 1; }
  kc get jobs -A -l pattern=failed --no-headers | grep -q Failed || { echo "the failed-pattern Job did not fail"; return 1; }
  "$SANDBOX" scale churn --rate 20 --seconds 2 | tee /dev/stderr | grep -q ', 0 failed' || return 1
  "$SANDBOX" scale down || return 1
  [[ -z $(kc get ns,nodes -l sandbox.batchtop.dev/scale=true -o name) ]] || { echo "scale objects left behind"; return 1; }
}
if [[ -n $(kc get ns -l sandbox.batchtop.dev/scale=true -o name 2>/dev/null) ]]; then
  echo "skip scale profile smoke run: a scale profile is up"
else
  check "scale profile: up (20 Jobs), churn, down leaves nothing" scale_smoke
fi

finish
