package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"log"
	mrand "math/rand/v2"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/redis/go-redis/v9"
	corev1 "k8s.io/api/core/v1"
)

// Sidekiq's Redis layout, written by Go because the sandbox has no Ruby. It
// follows Sidekiq 8's source (lib/sidekiq/{client,fetch,launcher,processor,
// job_retry,api,scheduled}.rb):
//
//	queues                  set of queue names (SADD on push)
//	queue:<q>               list of job JSON; LPUSH on push, BRPOP (2 s) to fetch
//	processes               set of process identities <hostname>:<pid>:<hex12>
//	<identity>              hash info (JSON), busy, beat (float s), rtt_us, quiet, rss; EXPIRE 60; beat every 10 s
//	<identity>:work         hash tid -> {"queue","payload" (job JSON as a string),"run_at" (s)}; EXPIRE 60
//	retry                   zset, score = retry at (float s), member = job JSON with retry_count, error_*, failed_at
//	dead                    zset, score = died at (float s), member = job JSON
//	stat:processed, stat:failed, stat:processed:<date>, stat:failed:<date>  counters
//
// Job timestamps (created_at, enqueued_at, failed_at, retried_at) are epoch
// milliseconds (integers) as in Sidekiq 8.0+ (floats in seconds before 8.0).
const (
	workerSidekiq      = "sidekiq"
	sidekiqVersion     = "8.0.8"
	sidekiqBeat        = 10 * time.Second
	sidekiqBeatTTL     = 60 // seconds, of <identity> and <identity>:work
	sidekiqFetchWait   = 2 * time.Second
	sidekiqPollAverage = 5 * time.Second
	sidekiqDeadMax     = 10000
	sidekiqDeadTimeout = 180 * 24 * time.Hour
	sidekiqMaxRetries  = 25
)

// sidekiqJob is a job as Sidekiq stores it; unknown fields survive a round trip.
type sidekiqJob map[string]any

func nowMS() int64 { return time.Now().UnixMilli() }

func floatSecs(t time.Time) float64 { return float64(t.UnixNano()) / 1e9 }

func randHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// sidekiqPushCmd is the producer: Sidekiq::Client.push of COUNT jobs.
//
//	worker-sim sidekiq-push --url U --queue Q --count N [--fail 5,9] [--retry 1] [--no-retry 9] [--class HardJob]
//
// Jobs numbered in --fail carry args [n, "fail"] and raise; their "retry" is
// --retry (default 1: one retry, then the dead set); those in --no-retry have
// "retry": 0 (straight to the dead set, as `sidekiq_options retry: 0`).
func sidekiqPushCmd(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("sidekiq-push", flag.ExitOnError)
	url := fs.String("url", "", "Redis URL")
	queue := fs.String("queue", "default", "queue name")
	count := fs.Int("count", 10, "jobs to push")
	class := fs.String("class", "HardJob", "job class")
	fail := fs.String("fail", "", "comma-separated job numbers that raise")
	retry := fs.Int("retry", 1, "retry count of failing jobs")
	noRetry := fs.String("no-retry", "", "comma-separated job numbers with retry 0")
	_ = fs.Parse(args)
	if *url == "" {
		return errors.New("--url is required")
	}
	opts, err := redis.ParseURL(*url)
	if err != nil {
		return err
	}
	rdb := redis.NewClient(opts)
	defer rdb.Close()
	fails, zero := numSet(*fail), numSet(*noRetry)
	var payloads []any
	for n := 1; n <= *count; n++ {
		at := nowMS()
		j := sidekiqJob{"retry": true, "queue": *queue, "class": *class, "args": []any{n}, "jid": randHex(12), "created_at": at, "enqueued_at": at}
		if fails[n] || zero[n] {
			j["args"] = []any{n, "fail"}
			j["retry"] = *retry
		}
		if zero[n] {
			j["retry"] = 0
		}
		b, _ := json.Marshal(j)
		payloads = append(payloads, string(b))
	}
	_, err = rdb.Pipelined(ctx, func(p redis.Pipeliner) error {
		p.SAdd(ctx, "queues", *queue)
		p.LPush(ctx, "queue:"+*queue, payloads...)
		return nil
	})
	return err
}

func numSet(v string) map[int]bool {
	m := map[int]bool{}
	for _, s := range strings.Split(v, ",") {
		if n, err := strconv.Atoi(strings.TrimSpace(s)); err == nil {
			m[n] = true
		}
	}
	return m
}

// sidekiqProc is one simulated Sidekiq process (concurrency 1).
type sidekiqProc struct {
	rdb      *redis.Client
	identity string
	queue    string
	info     string
	tid      string

	mu        sync.Mutex
	work      map[string]string // tid -> work JSON
	processed int64
	failed    int64
}

// sidekiqWorker plays a Sidekiq process for a pod: REDIS_URL and
// SIDEKIQ_QUEUE (default "default") from its env. It heartbeats, fetches
// with BRPOP, runs each job 1-2 s, retries and kills failing jobs the way
// Sidekiq does, moves due retries back to their queue (the scheduled
// poller), and completes the pod once the queue is empty, nothing of it waits
// in the retry set and it is idle (Sidekiq has no burst mode; its TERM
// shutdown then removes the process from `processes`). A deleted pod just
// stops: its last heartbeat and work stay until their 60 s expiry.
func (s *sim) sidekiqWorker(ctx context.Context, p *corev1.Pod, lw *podLogs) error {
	raw, queue := podEnv(p, "REDIS_URL"), podEnv(p, "SIDEKIQ_QUEUE")
	if raw == "" {
		return errors.New("pod has no REDIS_URL env")
	}
	if queue == "" {
		queue = "default"
	}
	ru, err := s.translateURL(raw, "6379")
	if err != nil {
		return fmt.Errorf("REDIS_URL: %w", err)
	}
	opts, err := redis.ParseURL(ru)
	if err != nil {
		return err
	}
	opts.ReadTimeout = sidekiqFetchWait + 3*time.Second
	rdb := redis.NewClient(opts)
	defer rdb.Close()
	c := p.Spec.Containers[0].Name
	sp := &sidekiqProc{rdb: rdb, queue: queue, work: map[string]string{}}
	// In a pod the hostname is the pod's name and Sidekiq often runs as pid 1.
	sp.identity = fmt.Sprintf("%s:%d:%s", p.Name, 1, randHex(6))
	sp.tid = strconv.FormatInt(mrand.Int64N(1<<40), 36)
	info, _ := json.Marshal(map[string]any{
		"hostname": p.Name, "started_at": floatSecs(time.Now()), "pid": 1, "tag": "app",
		"concurrency": 1, "queues": []string{queue}, "weights": []map[string]int{{queue: 0}},
		"labels": []string{}, "identity": sp.identity, "version": sidekiqVersion, "embedded": false,
	})
	sp.info = string(info)
	lw.Printf(c, "Sidekiq %s starting, identity %s, queues [%s], concurrency 1", sidekiqVersion, sp.identity, queue)

	bctx, stopBeat := context.WithCancel(ctx)
	defer stopBeat()
	go func() {
		for {
			sp.heartbeat(bctx, false)
			if !sleepCtx(bctx, sidekiqBeat) {
				return
			}
		}
	}()
	go sp.poller(bctx)

	quiet := 0
	for {
		res, err := rdb.BRPop(ctx, sidekiqFetchWait, "queue:"+queue).Result()
		if ctx.Err() != nil {
			return ctx.Err() // killed: no cleanup, as a SIGKILLed process
		}
		if errors.Is(err, redis.Nil) {
			done, err := sp.drained(ctx)
			if err != nil {
				log.Printf("%s/%s: sidekiq: %v", p.Namespace, p.Name, err)
				continue
			}
			if quiet = map[bool]int{true: quiet + 1, false: 0}[done]; quiet >= 2 {
				break
			}
			continue
		}
		if err != nil {
			log.Printf("%s/%s: sidekiq BRPOP: %v (retrying)", p.Namespace, p.Name, err)
			if !sleepCtx(ctx, 2*time.Second) {
				return ctx.Err()
			}
			continue
		}
		quiet = 0
		if !sp.process(ctx, lw, c, res[1], s.workTime()) {
			return ctx.Err()
		}
	}
	// TERM: quiet, stop, clear the heartbeat (SREM processes, UNLINK work).
	stopBeat()
	lw.Println(c, "Queue "+queue+" drained: shutting down (TERM)")
	sp.heartbeat(context.Background(), true)
	_, err = rdb.Pipelined(context.Background(), func(pl redis.Pipeliner) error {
		pl.SRem(context.Background(), "processes", sp.identity)
		pl.Unlink(context.Background(), sp.identity+":work")
		return nil
	})
	if err != nil {
		return err
	}
	lw.Println(c, "Bye!")
	return nil
}

// process runs one job; false when killed mid-job.
func (sp *sidekiqProc) process(ctx context.Context, lw *podLogs, c, jobstr string, d time.Duration) bool {
	var j sidekiqJob
	if err := json.Unmarshal([]byte(jobstr), &j); err != nil {
		lw.Printf(c, "Invalid JSON for job: %v", err)
		return true
	}
	work, _ := json.Marshal(map[string]any{"queue": sp.queue, "payload": jobstr, "run_at": time.Now().Unix()})
	sp.mu.Lock()
	sp.work[sp.tid] = string(work)
	sp.mu.Unlock()
	// Sidekiq writes <identity>:work only on its 10 s heartbeat; the sandbox
	// also beats as a job starts so a killed pod's work is always recorded.
	sp.heartbeat(ctx, false)
	lw.Printf(c, "class=%v jid=%v INFO: start", j["class"], j["jid"])
	t0 := time.Now()
	if !sleepCtx(ctx, d) {
		return false
	}
	sp.mu.Lock()
	delete(sp.work, sp.tid)
	sp.processed++
	sp.mu.Unlock()
	args, _ := j["args"].([]any)
	if len(args) > 1 && args[1] == "fail" {
		sp.mu.Lock()
		sp.failed++
		sp.mu.Unlock()
		lw.Printf(c, "class=%v jid=%v elapsed=%.3f INFO: fail", j["class"], j["jid"], time.Since(t0).Seconds())
		if err := sp.retryOrKill(ctx, j, fmt.Sprintf("job %v failed on purpose", args[0]), "RuntimeError"); err != nil {
			lw.Printf(c, "retry: %v", err)
		}
		return true
	}
	lw.Printf(c, "class=%v jid=%v elapsed=%.3f INFO: done", j["class"], j["jid"], time.Since(t0).Seconds())
	return true
}

// retryOrKill is JobRetry#attempt_retry: the retry set with a delay of
// count**4 + 15 + rand(10)*(count+1) seconds while retries remain, else the
// dead set; "retry": false drops the job (death handlers only).
func (sp *sidekiqProc) retryOrKill(ctx context.Context, j sidekiqJob, msg, class string) error {
	max := 0
	switch r := j["retry"].(type) {
	case bool:
		if !r {
			return nil
		}
		max = sidekiqMaxRetries
	case float64:
		max = int(r)
	}
	j["queue"] = sp.queue
	j["error_message"] = msg
	j["error_class"] = class
	var count int
	if rc, ok := j["retry_count"].(float64); ok {
		count = int(rc) + 1
		j["retried_at"] = nowMS()
	} else {
		j["failed_at"] = nowMS()
	}
	j["retry_count"] = count
	b, _ := json.Marshal(j)
	now := time.Now()
	if count < max {
		delay := float64(count*count*count*count+15) + float64(mrand.IntN(10)*(count+1))
		return sp.rdb.ZAdd(ctx, "retry", redis.Z{Score: floatSecs(now) + delay, Member: string(b)}).Err()
	}
	_, err := sp.rdb.TxPipelined(ctx, func(p redis.Pipeliner) error {
		p.ZAdd(ctx, "dead", redis.Z{Score: floatSecs(now), Member: string(b)})
		p.ZRemRangeByScore(ctx, "dead", "-inf", strconv.FormatFloat(floatSecs(now.Add(-sidekiqDeadTimeout)), 'f', -1, 64))
		p.ZRemRangeByRank(ctx, "dead", 0, -sidekiqDeadMax-1)
		return nil
	})
	return err
}

// heartbeat is Launcher#❤ (and, with stopping, the last beat with quiet=true).
func (sp *sidekiqProc) heartbeat(ctx context.Context, stopping bool) {
	sp.mu.Lock()
	work := make(map[string]string, len(sp.work))
	for k, v := range sp.work {
		work[k] = v
	}
	processed, failed := sp.processed, sp.failed
	sp.processed, sp.failed = 0, 0
	sp.mu.Unlock()
	day := time.Now().UTC().Format("2006-01-02")
	wk := sp.identity + ":work"
	t0 := time.Now()
	_, err := sp.rdb.Pipelined(ctx, func(p redis.Pipeliner) error {
		if processed > 0 || failed > 0 {
			p.IncrBy(ctx, "stat:processed", processed)
			p.IncrBy(ctx, "stat:processed:"+day, processed)
			p.Expire(ctx, "stat:processed:"+day, 5*365*24*time.Hour)
			p.IncrBy(ctx, "stat:failed", failed)
			p.IncrBy(ctx, "stat:failed:"+day, failed)
			p.Expire(ctx, "stat:failed:"+day, 5*365*24*time.Hour)
		}
		p.Unlink(ctx, wk)
		for tid, w := range work {
			p.HSet(ctx, wk, tid, w)
		}
		p.Expire(ctx, wk, sidekiqBeatTTL*time.Second)
		return nil
	})
	if err == nil {
		_, err = sp.rdb.TxPipelined(ctx, func(p redis.Pipeliner) error {
			p.SAdd(ctx, "processes", sp.identity)
			p.HSet(ctx, sp.identity, "info", sp.info, "busy", len(work),
				"beat", strconv.FormatFloat(floatSecs(time.Now()), 'f', 6, 64),
				"rtt_us", time.Since(t0).Microseconds(), "quiet", strconv.FormatBool(stopping), "rss", 24576)
			p.Expire(ctx, sp.identity, sidekiqBeatTTL*time.Second)
			p.RPop(ctx, sp.identity+"-signals")
			return nil
		})
	}
	if err != nil && !errors.Is(err, redis.Nil) && ctx.Err() == nil {
		log.Printf("sidekiq %s: heartbeat: %v", sp.identity, err)
	}
}

// poller is Scheduled::Poller: about every 5 s, move due jobs of the retry
// and schedule sets back to their queues (ZRANGE BYSCORE, ZREM, LPUSH).
func (sp *sidekiqProc) poller(ctx context.Context) {
	for sleepCtx(ctx, sidekiqPollAverage/2+time.Duration(mrand.Int64N(int64(sidekiqPollAverage)))) {
		now := strconv.FormatFloat(floatSecs(time.Now()), 'f', 6, 64)
		for _, set := range []string{"retry", "schedule"} {
			for {
				due, err := sp.rdb.ZRangeArgs(ctx, redis.ZRangeArgs{Key: set, Start: "-inf", Stop: now, ByScore: true, Count: 1}).Result()
				if err != nil || len(due) == 0 {
					break
				}
				if n, err := sp.rdb.ZRem(ctx, set, due[0]).Result(); err != nil || n == 0 {
					continue
				}
				var j sidekiqJob
				if json.Unmarshal([]byte(due[0]), &j) != nil {
					continue
				}
				q, _ := j["queue"].(string)
				j["enqueued_at"] = nowMS()
				b, _ := json.Marshal(j)
				sp.rdb.SAdd(ctx, "queues", q)
				sp.rdb.LPush(ctx, "queue:"+q, string(b))
			}
		}
	}
}

// drained: the queue is empty and no job of it waits in the retry set.
func (sp *sidekiqProc) drained(ctx context.Context) (bool, error) {
	n, err := sp.rdb.LLen(ctx, "queue:"+sp.queue).Result()
	if err != nil || n > 0 {
		return false, err
	}
	retries, err := sp.rdb.ZRange(ctx, "retry", 0, -1).Result()
	if err != nil {
		return false, err
	}
	for _, r := range retries {
		var j sidekiqJob
		if json.Unmarshal([]byte(r), &j) == nil && j["queue"] == sp.queue {
			return false, nil
		}
	}
	return true, nil
}
