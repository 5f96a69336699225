# Seed queue job1 with the seed's eight messages (amqp-declare-queue + amqp-publish).
set -euo pipefail
"$SB_WORKER_SIM" amqp-publish --url "$BATCHTOP_AMQP_URL" --queue job1 --purge \
  apple banana cherry date fig grape lemon melon
