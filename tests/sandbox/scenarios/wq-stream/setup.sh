# The producer: 30 entries on stream stream-tasks, added with go-redis XADD.
set -euo pipefail
$SB_REDIS_CLI DEL stream-tasks >/dev/null
"$SB_WORKER_SIM" stream-add --url "$BATCHTOP_REDIS_URL" --stream stream-tasks --count 30
