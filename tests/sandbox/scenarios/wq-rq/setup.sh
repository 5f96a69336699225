# The producer: 30 jobs sb_rq.work(n) (ids task-1..task-30; task-7 and
# task-19 raise) enqueued with RQ's own Queue.enqueue on queue rq-tasks, plus
# one job scheduled an hour ahead (task-later) and one depending on it
# (task-after-later).
set -euo pipefail
keys=$($SB_REDIS_CLI --scan --pattern 'rq:*rq-tasks*'; $SB_REDIS_CLI --scan --pattern 'rq:job:task-*')
[[ -z $keys ]] || $SB_REDIS_CLI DEL $keys >/dev/null
cd "$SB_FRAMEWORKS_DIR"
"$SB_PYTHON" rq_produce.py --url "$BATCHTOP_REDIS_URL" --queue rq-tasks --count 30 --fail 7,19 --extras
