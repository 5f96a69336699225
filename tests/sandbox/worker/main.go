// Command worker-sim plays the workers of the sandbox's kwok pods.
//
//	worker-sim run --kubeconfig K --log-dir D --host-map rabbitmq-service:5672=127.0.0.1:16672,...
//	worker-sim amqp-publish --url U --queue Q MSG...   (declares Q durable, publishes MSGs persistently)
//	worker-sim stream-add --url U --stream S --count N  (XADDs N entries task=task-<n> to stream S)
//	worker-sim sidekiq-push --url U --queue Q --count N [--fail ..] [--retry R] [--no-retry ..]  (Sidekiq jobs)
//	worker-sim amqp-dlq-setup --url U --queue Q --delivery-limit L --count N --poison .. --stream S  (wq-dlq)
//
// In `run` mode it watches every pod and, once a pod runs on a fake node:
//   - writes CRI-format log files for its containers and a kwok `Logs` object
//     pointing at them, so `kubectl logs [-f]` works through kwok's kubelet API;
//   - for pods labelled sandbox.batchtop.dev/worker=amqp-consume, takes one
//     message from the queue named by the pod's BROKER_URL/QUEUE env, acks it
//     and marks the pod Succeeded (blocking, like amqp-consume, while the queue
//     is empty);
//   - for pods labelled sandbox.batchtop.dev/worker=rediswq, works the Redis
//     list named by the annotation sandbox.batchtop.dev/redis-queue with the
//     rediswq protocol until main and processing lists are both empty, then
//     marks the pod Succeeded;
//   - for pods labelled sandbox.batchtop.dev/worker=redis-stream, joins the
//     consumer group GROUP (default workers) of the Redis Stream STREAM named
//     by the pod's env (REDIS_HOST, REDIS_PORT), as consumer <pod name>:
//     XREADGROUP one entry, work, XACK, until the group's lag is 0;
//   - for pods labelled celery, rq or bullmq, runs the framework's real
//     worker (frameworks.go) as a child process per pod, SIGKILLed with its
//     descendants when the pod is deleted;
//   - for pods labelled sidekiq, plays a Sidekiq process in Sidekiq's Redis
//     layout (sidekiq.go); for amqp-reject, a consumer that rejects poison
//     messages with requeue (amqpreject.go);
//   - for other pods, emulates the few shell idioms of the seed manifests
//     (echo, date, sleep, exit, rev, bash arrays, the ping loop) to produce
//     their output.
package main

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"syscall"
)

func main() {
	if len(os.Args) < 2 {
		fmt.Fprintln(os.Stderr, "usage: worker-sim run|amqp-publish|stream-add|sidekiq-push|amqp-dlq-setup [flags]")
		os.Exit(2)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	var err error
	switch os.Args[1] {
	case "run":
		err = runCmd(ctx, os.Args[2:])
	case "amqp-publish":
		err = amqpPublishCmd(ctx, os.Args[2:])
	case "stream-add":
		err = streamAddCmd(ctx, os.Args[2:])
	case "sidekiq-push":
		err = sidekiqPushCmd(ctx, os.Args[2:])
	case "amqp-dlq-setup":
		err = amqpDLQSetupCmd(ctx, os.Args[2:])
	default:
		err = fmt.Errorf("unknown command %q", os.Args[1])
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "worker-sim:", err)
		os.Exit(1)
	}
}
