# The producer: 30 tasks sb.work(n) sent with Celery's own client (send_task)
# to queue celery-tasks of the sandbox's Redis; task 13 raises.
set -euo pipefail
$SB_REDIS_CLI DEL celery-tasks >/dev/null
cd "$SB_FRAMEWORKS_DIR"
"$SB_PYTHON" celery_produce.py --url "$BATCHTOP_REDIS_URL" --queue celery-tasks --count 30 --fail 13
