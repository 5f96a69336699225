# Seed the two queues with eight messages each.
set -euo pipefail
for q in mismatch-short mismatch-long; do
  "$SB_WORKER_SIM" amqp-publish --url "$BATCHTOP_AMQP_URL" --queue "$q" --purge \
    apple banana cherry date fig grape lemon melon
done
