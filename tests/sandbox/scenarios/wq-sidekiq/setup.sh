# The producer: 30 jobs HardJob [n] pushed in Sidekiq's job format to
# queue:sidekiq-tasks (and SADD queues), by the worker simulator's Go code
# (no Ruby here). Jobs 5 and 17 raise with retry 1 (one retry after 15-24 s,
# then the dead set); job 23 raises with retry 0 (straight to the dead set).
set -euo pipefail
$SB_REDIS_CLI DEL queue:sidekiq-tasks >/dev/null
# A reload starts over: drop this queue's jobs from the retry and dead sets.
$SB_REDIS_CLI EVAL "for _, z in ipairs(KEYS) do for _, m in ipairs(redis.call('ZRANGE', z, 0, -1)) do
  if string.find(m, ARGV[1], 1, true) then redis.call('ZREM', z, m) end end end" 2 retry dead '"queue":"sidekiq-tasks"' >/dev/null
"$SB_WORKER_SIM" sidekiq-push --url "$BATCHTOP_REDIS_URL" --queue sidekiq-tasks --count 30 --fail 5,17 --retry 1 --no-retry 23
