package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log"
	"net/url"
	"strings"
	"time"

	amqp "github.com/rabbitmq/amqp091-go"
	corev1 "k8s.io/api/core/v1"
)

// workerAMQPReject: a worker that consumes QUEUE (from BROKER_URL) with
// prefetch 1 and manual acks, works each message 1-2 s, acks it, or, for a
// poison message (body starting "poison" or header poison=true), rejects it
// with requeue (basic.nack requeue=true) so a quorum queue's delivery limit
// dead-letters it in the end. It exits 0 once nothing was delivered for 3 s
// and the queue has no ready message.
const workerAMQPReject = "amqp-reject"

func isPoison(d amqp.Delivery) bool {
	if v, ok := d.Headers["poison"].(bool); ok && v {
		return true
	}
	return strings.HasPrefix(string(d.Body), "poison")
}

func (s *sim) amqpReject(ctx context.Context, p *corev1.Pod, lw *podLogs) error {
	broker, queue := podEnv(p, "BROKER_URL"), podEnv(p, "QUEUE")
	if broker == "" || queue == "" {
		return errors.New("pod has no BROKER_URL/QUEUE env")
	}
	u, err := url.Parse(broker)
	if err != nil {
		return fmt.Errorf("BROKER_URL: %w", err)
	}
	u.Host = s.resolve(u.Host)
	c := p.Spec.Containers[0].Name
	for {
		done, err := s.rejectLoop(ctx, u.String(), queue, p, lw, c)
		if done || ctx.Err() != nil {
			return err
		}
		log.Printf("%s/%s: amqp: %v (retrying)", p.Namespace, p.Name, err)
		if !sleepCtx(ctx, 2*time.Second) {
			return ctx.Err()
		}
	}
}

func (s *sim) rejectLoop(ctx context.Context, addr, queue string, p *corev1.Pod, lw *podLogs, c string) (bool, error) {
	conn, err := amqp.DialConfig(addr, amqp.Config{
		Properties: amqp.Table{"connection_name": "amqp-reject " + p.Namespace + "/" + p.Name},
		Heartbeat:  10 * time.Second,
	})
	if err != nil {
		return false, err
	}
	// A killed worker's connection just drops: its unacked message goes back
	// to the queue (and a quorum queue counts that as a delivery).
	defer conn.Close()
	ch, err := conn.Channel()
	if err != nil {
		return false, err
	}
	if err := ch.Qos(1, 0, false); err != nil {
		return false, err
	}
	deliveries, err := ch.ConsumeWithContext(ctx, queue, p.Name, false, false, false, false, nil)
	if err != nil {
		return false, err
	}
	closed := conn.NotifyClose(make(chan *amqp.Error, 1))
	lw.Printf(c, "Consuming %s (prefetch 1)", queue)
	idle := 0
	for {
		select {
		case <-ctx.Done():
			return true, ctx.Err()
		case e := <-closed:
			return false, fmt.Errorf("connection closed: %v", e)
		case d, ok := <-deliveries:
			if !ok {
				return false, errors.New("consumer cancelled")
			}
			idle = 0
			count := d.Headers["x-delivery-count"]
			if !sleepCtx(ctx, s.workTime()) {
				return true, ctx.Err()
			}
			if isPoison(d) {
				lw.Printf(c, "Rejecting %s (x-delivery-count %v): requeue", d.Body, count)
				if err := d.Nack(false, true); err != nil {
					return false, err
				}
				continue
			}
			lw.Printf(c, "Done %s", d.Body)
			if err := d.Ack(false); err != nil {
				return false, err
			}
		case <-time.After(time.Second):
			q, err := ch.QueueDeclarePassive(queue, true, false, false, false, nil)
			if err != nil {
				return false, err
			}
			if q.Messages > 0 {
				idle = 0
				continue
			}
			if idle++; idle >= 3 {
				lw.Printf(c, "Queue %s empty, exiting", queue)
				return true, nil
			}
		}
	}
}

// amqpDLQSetupCmd is the wq-dlq producer: a quorum queue QUEUE with a
// delivery limit and a dead-letter exchange <QUEUE>.dlx (fanout) whose bound
// queue <QUEUE>.dead (quorum) receives what is dead-lettered; COUNT persistent
// messages task-<n>, those numbered in --poison as poison-<n> with header
// poison=true; and a stream queue --stream with --stream-count messages.
func amqpDLQSetupCmd(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("amqp-dlq-setup", flag.ExitOnError)
	addr := fs.String("url", "", "AMQP URL")
	queue := fs.String("queue", "dlq-tasks", "quorum queue")
	limit := fs.Int("delivery-limit", 2, "x-delivery-limit")
	count := fs.Int("count", 20, "messages")
	poison := fs.String("poison", "", "comma-separated poison message numbers")
	stream := fs.String("stream", "", "stream queue to declare (empty: none)")
	streamCount := fs.Int("stream-count", 5, "messages on the stream")
	wait := fs.Duration("wait", 120*time.Second, "how long to wait for the broker")
	_ = fs.Parse(args)
	if *addr == "" {
		return errors.New("--url is required")
	}
	var conn *amqp.Connection
	var err error
	deadline := time.Now().Add(*wait)
	for {
		if conn, err = amqp.Dial(*addr); err == nil {
			break
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("broker not reachable after %v: %w", *wait, err)
		}
		if !sleepCtx(ctx, time.Second) {
			return ctx.Err()
		}
	}
	defer conn.Close()
	ch, err := conn.Channel()
	if err != nil {
		return err
	}
	dlx, dead := *queue+".dlx", *queue+".dead"
	// Start over (a reload): a stream cannot be purged, so delete all three.
	for _, q := range []string{*queue, dead, *stream} {
		if q == "" {
			continue
		}
		if _, err := ch.QueueDelete(q, false, false, false); err != nil {
			return fmt.Errorf("deleting %s: %w", q, err)
		}
	}
	if err := ch.ExchangeDeclare(dlx, "fanout", true, false, false, false, nil); err != nil {
		return err
	}
	if _, err := ch.QueueDeclare(dead, true, false, false, false, amqp.Table{"x-queue-type": "quorum"}); err != nil {
		return err
	}
	if err := ch.QueueBind(dead, "", dlx, false, nil); err != nil {
		return err
	}
	if _, err := ch.QueueDeclare(*queue, true, false, false, false, amqp.Table{
		"x-queue-type": "quorum", "x-delivery-limit": int32(*limit), "x-dead-letter-exchange": dlx,
	}); err != nil {
		return err
	}
	if err := ch.Confirm(false); err != nil {
		return err
	}
	pub := func(q string, body string, h amqp.Table) error {
		conf, err := ch.PublishWithDeferredConfirmWithContext(ctx, "", q, true, false, amqp.Publishing{
			ContentType: "text/plain", DeliveryMode: amqp.Persistent, Body: []byte(body), Headers: h, Timestamp: time.Now(),
		})
		if err != nil {
			return err
		}
		if ok, err := conf.WaitContext(ctx); err != nil || !ok {
			return fmt.Errorf("publish of %q not confirmed: %v", body, err)
		}
		return nil
	}
	bad := numSet(*poison)
	for n := 1; n <= *count; n++ {
		body, h := fmt.Sprintf("task-%d", n), amqp.Table{}
		if bad[n] {
			body, h = fmt.Sprintf("poison-%d", n), amqp.Table{"poison": true}
		}
		if err := pub(*queue, body, h); err != nil {
			return err
		}
	}
	if *stream != "" {
		if _, err := ch.QueueDeclare(*stream, true, false, false, false, amqp.Table{"x-queue-type": "stream"}); err != nil {
			return err
		}
		for n := 1; n <= *streamCount; n++ {
			if err := pub(*stream, fmt.Sprintf("event-%d", n), nil); err != nil {
				return err
			}
		}
	}
	return nil
}
