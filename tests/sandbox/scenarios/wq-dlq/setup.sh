# The producer (worker simulator, amqp091-go): quorum queue dlq-tasks
# (x-delivery-limit 2, x-dead-letter-exchange dlq-tasks.dlx, a fanout bound
# to quorum queue dlq-tasks.dead), 20 persistent messages task-<n> of which
# 4, 11 and 17 are poison-<n> (header poison=true), and stream queue
# dlq-events (x-queue-type stream) with 5 messages. Waits for RabbitMQ.
set -euo pipefail
"$SB_WORKER_SIM" amqp-dlq-setup --url "$BATCHTOP_AMQP_URL" --queue dlq-tasks --delivery-limit 2 \
  --count 20 --poison 4,11,17 --stream dlq-events --stream-count 5
