package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	amqp "github.com/rabbitmq/amqp091-go"
	"github.com/redis/go-redis/v9"
	corev1 "k8s.io/api/core/v1"
)

// The framework workers (issue 14): for these labels the simulator runs the
// framework's own worker program (Celery, RQ, BullMQ, from the venv and
// node_modules lib/frameworks.sh installs) as a child process per pod, with
// the pod's env (service hosts translated to the sandbox's loopback ports).
//
// Every child runs in a process group of its own (with the worker's pool
// children) with SIGKILL as its parent-death signal. A deleted pod, a pod
// that turned terminal, and the simulator's own shutdown SIGKILL the whole
// group and every descendant of the worker (RQ's work horse makes a group of
// its own), as a container's processes die with it: the framework's way to
// lose work mid-task.
const (
	workerCelery = "celery"
	workerRQ     = "rq"
	workerBullMQ = "bullmq"
)

// exitError carries a worker process's exit code to the pod's status.
type exitError struct{ code int }

func (e exitError) Error() string { return fmt.Sprintf("worker exited %d", e.code) }

// child is a worker process and its process group.
type child struct {
	cmd  *exec.Cmd
	done chan struct{}
	err  error
	logs sync.WaitGroup
}

// spawn starts argv in dir with env added to the simulator's environment,
// copying its stdout and stderr lines into the container's log. Cancelling
// ctx SIGKILLs the process group.
func (s *sim) spawn(ctx context.Context, p *corev1.Pod, lw *podLogs, container, dir string, env []string, argv ...string) (*child, error) {
	cmd := exec.Command(argv[0], argv[1:]...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), env...)
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
	out, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	cmd.Stderr = cmd.Stdout
	c := &child{cmd: cmd, done: make(chan struct{})}
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	key := p.Namespace + "/" + p.Name
	log.Printf("%s: started %s (pid %d, process group %d)", key, strings.Join(argv, " "), cmd.Process.Pid, cmd.Process.Pid)
	c.logs.Add(1)
	go func() {
		defer c.logs.Done()
		copyLines(out, func(line string) { lw.Println(container, line) })
	}()
	go func() {
		c.logs.Wait()
		c.err = cmd.Wait()
		close(c.done)
	}()
	go func() {
		select {
		case <-ctx.Done():
			c.kill(syscall.SIGKILL)
			log.Printf("%s: killed process group %d (SIGKILL)", key, cmd.Process.Pid)
		case <-c.done:
			// The leader exited; its group may still hold children.
			c.kill(syscall.SIGKILL)
		}
	}()
	return c, nil
}

func copyLines(r io.Reader, f func(string)) {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64*1024), 1024*1024)
	for sc.Scan() {
		f(sc.Text())
	}
	_, _ = io.Copy(io.Discard, r)
}

// kill signals the worker's process group and every descendant of the
// worker, whatever its group: RQ's work horse calls setpgrp(), and a
// container's processes all die with it.
func (c *child) kill(sig syscall.Signal) {
	pid := c.cmd.Process.Pid
	desc := descendants(pid)
	_ = syscall.Kill(-pid, sig)
	for _, d := range desc {
		_ = syscall.Kill(d, sig)
	}
}

// descendants lists the processes below pid, from /proc's parent links.
func descendants(pid int) []int {
	ents, err := os.ReadDir("/proc")
	if err != nil {
		return nil
	}
	kids := map[int][]int{}
	for _, e := range ents {
		n, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		b, err := os.ReadFile("/proc/" + e.Name() + "/stat")
		if err != nil {
			continue
		}
		// pid (comm) state ppid ...: comm may hold spaces and parentheses.
		rest := string(b)
		if i := strings.LastIndexByte(rest, ')'); i >= 0 {
			rest = rest[i+1:]
		}
		f := strings.Fields(rest)
		if len(f) < 2 {
			continue
		}
		if pp, err := strconv.Atoi(f[1]); err == nil {
			kids[pp] = append(kids[pp], n)
		}
	}
	var out []int
	queue := []int{pid}
	for len(queue) > 0 {
		p := queue[0]
		queue = queue[1:]
		for _, k := range kids[p] {
			out = append(out, k)
			queue = append(queue, k)
		}
	}
	return out
}

// terminate asks the worker to stop (SIGTERM to the group) and SIGKILLs it
// after grace.
func (c *child) terminate(grace time.Duration) {
	c.kill(syscall.SIGTERM)
	select {
	case <-c.done:
	case <-time.After(grace):
		c.kill(syscall.SIGKILL)
		<-c.done
	}
}

// wait returns the worker's exit as an error: nil for 0, exitError otherwise.
func (c *child) wait(ctx context.Context) error {
	select {
	case <-ctx.Done():
		<-c.done
		return ctx.Err()
	case <-c.done:
	}
	var ee *exec.ExitError
	if errors.As(c.err, &ee) {
		if code := ee.ExitCode(); code >= 0 {
			return exitError{code}
		}
		return exitError{137}
	}
	return c.err
}

// translateURL rewrites the host:port of a broker URL with the host map.
func (s *sim) translateURL(raw, defPort string) (string, error) {
	u, err := url.Parse(raw)
	if err != nil {
		return "", err
	}
	hp := u.Host
	if u.Port() == "" {
		hp = u.Hostname() + ":" + defPort
	}
	u.Host = s.resolve(hp)
	return u.String(), nil
}

func (s *sim) frameworkEnv(p *corev1.Pod) []string {
	return []string{
		"SB_WORK_MS=" + fmt.Sprintf("%d-%d", s.workMin.Milliseconds(), s.workMax.Milliseconds()),
		"PYTHONPATH=" + s.fwDir, "PYTHONUNBUFFERED=1",
		"NODE_PATH=" + s.nodePath,
		"HOSTNAME=" + p.Name,
	}
}

func (s *sim) needFrameworks(what string) error {
	if s.fwDir == "" {
		return fmt.Errorf("the worker simulator was started without --frameworks-dir (%s)", what)
	}
	return nil
}

// celeryWorker runs `celery worker` for a pod: CELERY_BROKER_URL (redis://, or amqp:// for RabbitMQ) and CELERY_QUEUE (default "celery") from its env, concurrency
// 1, hostname <pod>@sandbox, the app sb_celery (frameworks/sb_celery.py).
// Celery has no burst mode: the pod completes once the queue is drained, as
// the broker shows it (drainedCelery), after the worker was stopped.
func (s *sim) celeryWorker(ctx context.Context, p *corev1.Pod, lw *podLogs) error {
	if err := s.needFrameworks("celery"); err != nil {
		return err
	}
	broker, queue := podEnv(p, "CELERY_BROKER_URL"), podEnv(p, "CELERY_QUEUE")
	if broker == "" {
		return errors.New("pod has no CELERY_BROKER_URL env")
	}
	if queue == "" {
		queue = "celery"
	}
	port := map[bool]string{true: "6379", false: "5672"}[strings.HasPrefix(broker, "redis://")]
	if !strings.HasPrefix(broker, "redis://") && !strings.HasPrefix(broker, "amqp://") {
		return fmt.Errorf("CELERY_BROKER_URL %q: only redis:// and amqp:// brokers are played", broker)
	}
	bu, err := s.translateURL(broker, port)
	if err != nil {
		return fmt.Errorf("CELERY_BROKER_URL: %w", err)
	}
	env := append(s.frameworkEnv(p), "CELERY_BROKER_URL="+bu, "CELERY_QUEUE="+queue)
	if v := podEnv(p, "CELERY_VISIBILITY_TIMEOUT"); v != "" {
		env = append(env, "CELERY_VISIBILITY_TIMEOUT="+v)
	}
	c := p.Spec.Containers[0].Name
	ch, err := s.spawn(ctx, p, lw, c, s.fwDir, env, s.python, "-m", "celery", "-A", "sb_celery", "worker",
		"-Q", queue, "-c", "1", "-n", p.Name+"@sandbox", "--loglevel", "INFO")
	if err != nil {
		return err
	}
	drained := s.celeryDrained(bu, queue)
	quiet := 0
	for {
		select {
		case <-ch.done:
			return ch.wait(ctx)
		case <-ctx.Done():
			return ch.wait(ctx)
		case <-time.After(time.Second):
		}
		ok, err := drained(ctx)
		if err != nil {
			log.Printf("%s/%s: celery drained check: %v", p.Namespace, p.Name, err)
			quiet = 0
			continue
		}
		if !ok {
			quiet = 0
			continue
		}
		// Three checks in a row: a message between BRPOP and its unacked
		// record is in neither place for an instant.
		if quiet++; quiet >= 3 {
			break
		}
	}
	lw.Println(c, "Queue "+queue+" drained: stopping the worker (SIGTERM, warm shutdown)")
	ch.terminate(15 * time.Second)
	if ctx.Err() != nil {
		return ctx.Err()
	}
	return nil
}

// celeryDrained reports whether a Celery queue is empty with nothing of it
// unacked: for Redis, LLEN <queue> (and its priority lists) is 0 and no
// entry of the `unacked` hash was routed to it; for RabbitMQ, a passive
// declare counts no ready message (what this worker holds it finishes in
// its warm shutdown; what a killed one held RabbitMQ puts back).
func (s *sim) celeryDrained(brokerURL, queue string) func(context.Context) (bool, error) {
	if strings.HasPrefix(brokerURL, "amqp://") {
		return func(context.Context) (bool, error) {
			conn, err := amqp.Dial(brokerURL)
			if err != nil {
				return false, err
			}
			defer conn.Close()
			ch, err := conn.Channel()
			if err != nil {
				return false, err
			}
			q, err := ch.QueueDeclarePassive(queue, true, false, false, false, nil)
			if err != nil {
				return false, err
			}
			return q.Messages == 0, nil
		}
	}
	opts, err := redis.ParseURL(brokerURL)
	if err != nil {
		return func(context.Context) (bool, error) { return false, err }
	}
	return func(ctx context.Context) (bool, error) {
		rdb := redis.NewClient(opts)
		defer rdb.Close()
		keys := []string{queue}
		for _, pri := range []int{3, 6, 9} {
			keys = append(keys, fmt.Sprintf("%s\x06\x16%d", queue, pri))
		}
		for _, k := range keys {
			n, err := rdb.LLen(ctx, k).Result()
			if err != nil {
				return false, err
			}
			if n > 0 {
				return false, nil
			}
		}
		vals, err := rdb.HVals(ctx, "unacked").Result()
		if err != nil {
			return false, err
		}
		for _, v := range vals {
			var rec []json.RawMessage // [message, exchange, routing_key]
			var rk string
			if json.Unmarshal([]byte(v), &rec) == nil && len(rec) == 3 && json.Unmarshal(rec[2], &rk) == nil && rk == queue {
				return false, nil
			}
		}
		return true, nil
	}
}

// rqWorker runs `rq worker --burst` for a pod: RQ_REDIS_URL and RQ_QUEUE
// from its env, worker name = pod name; the pod ends with the worker's exit
// code (burst: it exits 0 once the queue is empty).
func (s *sim) rqWorker(ctx context.Context, p *corev1.Pod, lw *podLogs) error {
	if err := s.needFrameworks("rq"); err != nil {
		return err
	}
	raw, queue := podEnv(p, "RQ_REDIS_URL"), podEnv(p, "RQ_QUEUE")
	if raw == "" || queue == "" {
		return errors.New("pod has no RQ_REDIS_URL/RQ_QUEUE env")
	}
	ru, err := s.translateURL(raw, "6379")
	if err != nil {
		return fmt.Errorf("RQ_REDIS_URL: %w", err)
	}
	rq := filepath.Join(filepath.Dir(s.python), "rq")
	ch, err := s.spawn(ctx, p, lw, p.Spec.Containers[0].Name, s.fwDir, s.frameworkEnv(p), rq, "worker", "--burst",
		"--url", ru, "--name", p.Name, "--path", s.fwDir, queue)
	if err != nil {
		return err
	}
	return ch.wait(ctx)
}

// bullmqWorker runs frameworks/bullmq_worker.js for a pod: REDIS_HOST,
// REDIS_PORT (default redis, 6379) and BULLMQ_QUEUE from its env (and the
// optional BULLMQ_* tuning variables); the pod ends with its exit code.
func (s *sim) bullmqWorker(ctx context.Context, p *corev1.Pod, lw *podLogs) error {
	if err := s.needFrameworks("bullmq"); err != nil {
		return err
	}
	queue := podEnv(p, "BULLMQ_QUEUE")
	if queue == "" {
		return errors.New("pod has no BULLMQ_QUEUE env")
	}
	host, port := podEnv(p, "REDIS_HOST"), podEnv(p, "REDIS_PORT")
	if host == "" {
		host = "redis"
	}
	if port == "" {
		port = "6379"
	}
	addr := s.resolve(host + ":" + port)
	h, pt, ok := strings.Cut(addr, ":")
	if !ok {
		return fmt.Errorf("redis address %q", addr)
	}
	env := append(s.frameworkEnv(p), "REDIS_HOST="+h, "REDIS_PORT="+pt, "BULLMQ_QUEUE="+queue, "WORKER_NAME="+p.Name)
	for _, k := range []string{"BULLMQ_LOCK_DURATION_MS", "BULLMQ_STALLED_INTERVAL_MS", "BULLMQ_MAX_STALLED_COUNT", "BULLMQ_SKIP_STALLED_CHECK"} {
		if v := podEnv(p, k); v != "" {
			env = append(env, k+"="+v)
		}
	}
	ch, err := s.spawn(ctx, p, lw, p.Spec.Containers[0].Name, s.fwDir, env, s.node, filepath.Join(s.fwDir, "bullmq_worker.js"))
	if err != nil {
		return err
	}
	return ch.wait(ctx)
}
