# Leave an item in job3:processing without its lease key.
set -euo pipefail
$SB_REDIS_CLI DEL job3 job3:processing >/dev/null
$SB_REDIS_CLI RPUSH job3 mango papaya >/dev/null
$SB_REDIS_CLI LPUSH job3:processing kiwi >/dev/null
