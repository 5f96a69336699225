package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log"
	"net/url"
	"time"

	amqp "github.com/rabbitmq/amqp091-go"
	corev1 "k8s.io/api/core/v1"
)

func podEnv(p *corev1.Pod, name string) string {
	for _, c := range p.Spec.Containers {
		for _, e := range c.Env {
			if e.Name == name {
				return e.Value
			}
		}
	}
	return ""
}

// amqpConsume plays `amqp-consume --url=$BROKER_URL -q $QUEUE -c 1 cat`:
// register a consumer with prefetch 1, take one message, run the "work"
// (print the body), ack, exit 0. With an empty queue it waits, as the real
// one does, holding its consumer.
func (s *sim) amqpConsume(ctx context.Context, p *corev1.Pod, lw *podLogs) error {
	broker, queue := podEnv(p, "BROKER_URL"), podEnv(p, "QUEUE")
	if broker == "" || queue == "" {
		return errors.New("pod has no BROKER_URL/QUEUE env")
	}
	u, err := url.Parse(broker)
	if err != nil {
		return fmt.Errorf("BROKER_URL: %w", err)
	}
	u.Host = s.resolve(u.Host)
	container := p.Spec.Containers[0].Name
	for {
		done, err := s.consumeOne(ctx, u.String(), queue, p, lw, container)
		if done || ctx.Err() != nil {
			return err
		}
		log.Printf("%s/%s: amqp: %v (retrying)", p.Namespace, p.Name, err)
		if !sleepCtx(ctx, 2*time.Second) {
			return ctx.Err()
		}
	}
}

func (s *sim) consumeOne(ctx context.Context, addr, queue string, p *corev1.Pod, lw *podLogs, container string) (bool, error) {
	conn, err := amqp.DialConfig(addr, amqp.Config{
		Properties: amqp.Table{"connection_name": "amqp-consume " + p.Namespace + "/" + p.Name},
		Heartbeat:  10 * time.Second,
	})
	if err != nil {
		return false, err
	}
	defer conn.Close()
	ch, err := conn.Channel()
	if err != nil {
		return false, err
	}
	if err := ch.Qos(1, 0, false); err != nil {
		return false, err
	}
	deliveries, err := ch.ConsumeWithContext(ctx, queue, "", false, false, false, false, nil)
	if err != nil {
		return false, err
	}
	closed := conn.NotifyClose(make(chan *amqp.Error, 1))
	select {
	case <-ctx.Done():
		return true, ctx.Err()
	case e := <-closed:
		return false, fmt.Errorf("connection closed: %v", e)
	case d, ok := <-deliveries:
		if !ok {
			return false, errors.New("consumer cancelled")
		}
		// The command (cat) runs with the message on stdin; the message is
		// acked once it exits successfully.
		if !sleepCtx(ctx, s.workTime()) {
			return true, ctx.Err()
		}
		lw.Println(container, string(d.Body))
		if err := d.Ack(false); err != nil {
			return false, err
		}
		return true, nil
	}
}

// amqpPublishCmd declares a durable queue and publishes persistent messages,
// as the seed does with amqp-declare-queue and amqp-publish.
func amqpPublishCmd(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("amqp-publish", flag.ExitOnError)
	addr := fs.String("url", "", "AMQP URL")
	queue := fs.String("queue", "", "queue name")
	purge := fs.Bool("purge", false, "purge the queue first")
	wait := fs.Duration("wait", 120*time.Second, "how long to wait for the broker to accept connections")
	_ = fs.Parse(args)
	if *addr == "" || *queue == "" {
		return errors.New("--url and --queue are required")
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
	if _, err := ch.QueueDeclare(*queue, true, false, false, false, nil); err != nil {
		return err
	}
	if *purge {
		if _, err := ch.QueuePurge(*queue, false); err != nil {
			return err
		}
	}
	if err := ch.Confirm(false); err != nil {
		return err
	}
	for _, m := range fs.Args() {
		conf, err := ch.PublishWithDeferredConfirmWithContext(ctx, "", *queue, true, false, amqp.Publishing{
			ContentType: "text/plain", DeliveryMode: amqp.Persistent, Body: []byte(m),
		})
		if err != nil {
			return err
		}
		if ok, err := conf.WaitContext(ctx); err != nil || !ok {
			return fmt.Errorf("publish of %q not confirmed: %v", m, err)
		}
	}
	return nil
}
