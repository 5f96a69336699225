package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"
	corev1 "k8s.io/api/core/v1"
)

// streamWorker is where a Redis Streams worker finds its stream: the pod's
// env, as a real worker reads it (and as batchtop links the Job from it).
type streamWorker struct {
	addr     string // host:port as the pod names it (REDIS_HOST + REDIS_PORT)
	stream   string // STREAM
	group    string // GROUP, default "workers"
	consumer string // the pod's name, as workers usually name themselves (their hostname)
}

// streamWorkerOf reads the worker's settings from the first container's
// literal env.
func streamWorkerOf(p *corev1.Pod) (streamWorker, error) {
	env := map[string]string{}
	if len(p.Spec.Containers) > 0 {
		for _, e := range p.Spec.Containers[0].Env {
			env[e.Name] = e.Value
		}
	}
	w := streamWorker{stream: env["STREAM"], group: env["GROUP"], consumer: p.Name}
	if w.stream == "" {
		return w, errors.New("pod has no STREAM env var")
	}
	if w.group == "" {
		w.group = "workers"
	}
	host, port := env["REDIS_HOST"], env["REDIS_PORT"]
	if host == "" {
		host = "redis"
	}
	if port == "" {
		port = "6379"
	}
	w.addr = host + ":" + port
	return w, nil
}

// drained: the group has no entry left to deliver (its lag is 0). Entries
// still pending for other consumers are theirs to finish: a worker that
// reads only new entries (">") never takes them, so a consumer that died
// holding one leaves it pending for good.
func drained(groups []redis.XInfoGroup, group string) bool {
	for _, g := range groups {
		if g.Name == group {
			return g.Lag == 0
		}
	}
	return false
}

// redisStream plays a Redis Streams consumer-group worker against the real Redis:
//
//	join:     XGROUP CREATE <stream> <group> 0 MKSTREAM (BUSYGROUP: it exists)
//	take:     XREADGROUP GROUP <group> <pod name> COUNT 1 BLOCK 2000 STREAMS <stream> >
//	complete: XACK <stream> <group> <id>
//	empty:    nothing delivered within the block and XINFO GROUPS says lag 0
func (s *sim) redisStream(ctx context.Context, p *corev1.Pod, lw *podLogs) error {
	w, err := streamWorkerOf(p)
	if err != nil {
		return err
	}
	addr := s.resolve(w.addr)
	rdb := redis.NewClient(&redis.Options{Addr: addr, ReadTimeout: 5 * time.Second, MaxRetries: 2})
	defer rdb.Close()
	c := p.Spec.Containers[0].Name
	retry := func(what string, err error) bool {
		if ctx.Err() != nil {
			return false
		}
		log.Printf("%s/%s: redis %s: %s: %v (retrying)", p.Namespace, p.Name, addr, what, err)
		return sleepCtx(ctx, 2*time.Second)
	}
	for {
		err := rdb.XGroupCreateMkStream(ctx, w.stream, w.group, "0").Err()
		if err == nil || strings.Contains(err.Error(), "BUSYGROUP") {
			break
		}
		if !retry("XGROUP CREATE", err) {
			return ctx.Err()
		}
	}
	lw.Printf(c, "Consumer %s of group %s on stream %s", w.consumer, w.group, w.stream)
	for {
		res, err := rdb.XReadGroup(ctx, &redis.XReadGroupArgs{
			Group: w.group, Consumer: w.consumer, Streams: []string{w.stream, ">"}, Count: 1, Block: 2 * time.Second,
		}).Result()
		if errors.Is(err, redis.Nil) {
			groups, err := rdb.XInfoGroups(ctx, w.stream).Result()
			if err != nil {
				if !retry("XINFO GROUPS", err) {
					return ctx.Err()
				}
				continue
			}
			if drained(groups, w.group) {
				break
			}
			lw.Println(c, "Waiting for work")
			continue
		}
		if err != nil {
			if !retry("XREADGROUP", err) {
				return ctx.Err()
			}
			continue
		}
		for _, st := range res {
			for _, m := range st.Messages {
				lw.Printf(c, "Working on %s %v", m.ID, m.Values["task"])
				if !sleepCtx(ctx, s.workTime()) {
					// Killed mid-task: the entry stays pending for this consumer.
					return ctx.Err()
				}
				if err := rdb.XAck(ctx, w.stream, w.group, m.ID).Err(); err != nil {
					return err
				}
			}
		}
	}
	lw.Println(c, "Stream drained, exiting")
	return nil
}

// streamAddCmd is the producer: XADD of `--count` entries `task=<prefix>-<n>`.
func streamAddCmd(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("stream-add", flag.ExitOnError)
	url := fs.String("url", "", "Redis URL (redis://host:port/db)")
	stream := fs.String("stream", "", "stream key")
	count := fs.Int("count", 10, "entries to add")
	prefix := fs.String("prefix", "task", "entries are task=<prefix>-<n>")
	_ = fs.Parse(args)
	if *url == "" || *stream == "" {
		return errors.New("--url and --stream are required")
	}
	opts, err := redis.ParseURL(*url)
	if err != nil {
		return err
	}
	rdb := redis.NewClient(opts)
	defer rdb.Close()
	for i := 1; i <= *count; i++ {
		v := map[string]any{"task": fmt.Sprintf("%s-%d", *prefix, i)}
		if err := rdb.XAdd(ctx, &redis.XAddArgs{Stream: *stream, Values: v}).Err(); err != nil {
			return fmt.Errorf("XADD %s: %w", *stream, err)
		}
	}
	return nil
}
