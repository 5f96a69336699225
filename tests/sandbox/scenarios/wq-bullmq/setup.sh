# The producer: 30 jobs "task" {n} added with BullMQ's own Queue.addBulk to
# queue bull-tasks (job 11 fails, attempts 1), and one job delayed an hour.
set -euo pipefail
keys=$($SB_REDIS_CLI --scan --pattern 'bull:bull-tasks:*')
[[ -z $keys ]] || $SB_REDIS_CLI DEL $keys >/dev/null
cd "$SB_FRAMEWORKS_DIR"
NODE_PATH=$SB_NODE_PATH "$SB_NODE" bullmq_produce.js --host 127.0.0.1 --port "$SB_REDIS_PORT" --queue bull-tasks --count 30 --fail 11 --delayed
