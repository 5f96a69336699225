# Fill Redis list job2 as the seed does with redis-cli rpush.
set -euo pipefail
$SB_REDIS_CLI DEL job2 job2:processing >/dev/null
for item in apple banana cherry date fig grape lemon melon orange; do
  $SB_REDIS_CLI RPUSH job2 "$item" >/dev/null
done
