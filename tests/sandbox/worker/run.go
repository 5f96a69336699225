package main

import (
	"context"
	"crypto/tls"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"log"
	"math/rand/v2"
	"net"
	"net/http"
	"strings"
	"sync"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/informers"
	"k8s.io/client-go/kubernetes"
	listersv1 "k8s.io/client-go/listers/core/v1"
	"k8s.io/client-go/tools/cache"
	"k8s.io/client-go/tools/clientcmd"
)

const (
	labelWorker       = "sandbox.batchtop.dev/worker"
	annRedisQueue     = "sandbox.batchtop.dev/redis-queue"
	annRedisHost      = "sandbox.batchtop.dev/redis-host"
	annCompletionIdx  = "batch.kubernetes.io/job-completion-index"
	workerAMQPConsume = "amqp-consume"
	workerRedisWQ     = "rediswq"
	workerRedisStream = "redis-stream"
)

type sim struct {
	client  kubernetes.Interface
	dyn     dynamic.Interface
	pods    listersv1.PodLister
	logDir  string
	hosts   map[string]string
	workMin time.Duration
	workMax time.Duration

	// The framework workers' programs (frameworks.go).
	python   string // the venv's python (celery, rq)
	node     string
	nodePath string // node_modules with bullmq
	fwDir    string // tests/sandbox/frameworks

	mu   sync.Mutex
	runs map[types.UID]*podRun
}

type podRun struct {
	cancel context.CancelFunc
	done   chan struct{}
}

func runCmd(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("run", flag.ExitOnError)
	kubeconfig := fs.String("kubeconfig", "", "kubeconfig of the sandbox")
	logDir := fs.String("log-dir", "", "directory for the pods' CRI log files")
	hostMap := fs.String("host-map", "", "comma-separated host:port=host:port translations of cluster service addresses")
	workMS := fs.String("work-ms", "1000-2000", "time one work item takes, min-max milliseconds")
	healthAddr := fs.String("health-addr", "", "address for /healthz")
	brokenKubelet := fs.String("broken-kubelet-addr", "", "address of a fake kubelet endpoint whose TLS handshakes always fail (serving CSR pending)")
	python := fs.String("python", "", "python of the venv with celery and rq (framework workers)")
	node := fs.String("node", "node", "node binary (bullmq workers)")
	nodePath := fs.String("node-path", "", "node_modules directory with bullmq")
	fwDir := fs.String("frameworks-dir", "", "directory of the framework workers' code (tests/sandbox/frameworks)")
	_ = fs.Parse(args)
	if *kubeconfig == "" || *logDir == "" {
		return errors.New("--kubeconfig and --log-dir are required")
	}
	hosts, err := parseHostMap(*hostMap)
	if err != nil {
		return err
	}
	wmin, wmax, err := parseRangeMS(*workMS)
	if err != nil {
		return fmt.Errorf("--work-ms: %w", err)
	}
	cfg, err := clientcmd.BuildConfigFromFlags("", *kubeconfig)
	if err != nil {
		return err
	}
	cfg.UserAgent = "batchtop-sandbox-worker-sim"
	cfg.QPS, cfg.Burst = 50, 100
	client, err := kubernetes.NewForConfig(cfg)
	if err != nil {
		return err
	}
	dyn, err := dynamic.NewForConfig(cfg)
	if err != nil {
		return err
	}

	if *brokenKubelet != "" {
		if err := serveBrokenKubelet(ctx, *brokenKubelet); err != nil {
			return err
		}
	}

	factory := informers.NewSharedInformerFactory(client, 0)
	podInformer := factory.Core().V1().Pods()
	s := &sim{
		client: client, dyn: dyn, pods: podInformer.Lister(),
		logDir: *logDir, hosts: hosts, workMin: wmin, workMax: wmax,
		python: *python, node: *node, nodePath: *nodePath, fwDir: *fwDir,
		runs: map[types.UID]*podRun{},
	}
	_, err = podInformer.Informer().AddEventHandler(cache.ResourceEventHandlerFuncs{
		AddFunc:    func(o any) { s.sync(ctx, o) },
		UpdateFunc: func(_, o any) { s.sync(ctx, o) },
		DeleteFunc: func(o any) {
			if t, ok := o.(cache.DeletedFinalStateUnknown); ok {
				o = t.Obj
			}
			if p, ok := o.(*corev1.Pod); ok {
				s.forget(p.UID)
			}
		},
	})
	if err != nil {
		return err
	}
	factory.Start(ctx.Done())
	if !cache.WaitForCacheSync(ctx.Done(), podInformer.Informer().HasSynced) {
		return errors.New("pod informer did not sync")
	}
	log.Printf("worker-sim ready: log dir %s, hosts %v, work %v-%v", *logDir, hosts, wmin, wmax)

	if *healthAddr != "" {
		ln, err := net.Listen("tcp", *healthAddr)
		if err != nil {
			return err
		}
		srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			fmt.Fprintln(w, "ok")
		}), ReadHeaderTimeout: 5 * time.Second}
		go func() { _ = srv.Serve(ln) }()
		go func() { <-ctx.Done(); _ = srv.Close() }()
	}
	<-ctx.Done()
	s.mu.Lock()
	var runs []*podRun
	for _, r := range s.runs {
		r.cancel()
		runs = append(runs, r)
	}
	s.mu.Unlock()
	// Framework workers are child processes: wait until they are killed and reaped.
	deadline := time.After(10 * time.Second)
	for _, r := range runs {
		select {
		case <-r.done:
		case <-deadline:
			return nil
		}
	}
	return nil
}

func (s *sim) sync(ctx context.Context, o any) {
	p, ok := o.(*corev1.Pod)
	if !ok || p.Spec.NodeName == "" {
		return
	}
	terminal := p.Status.Phase == corev1.PodSucceeded || p.Status.Phase == corev1.PodFailed
	if terminal || p.DeletionTimestamp != nil {
		s.stop(p.UID)
		return
	}
	if p.Status.Phase != corev1.PodRunning {
		return
	}
	s.mu.Lock()
	if _, started := s.runs[p.UID]; started {
		s.mu.Unlock()
		return
	}
	pctx, cancel := context.WithCancel(ctx)
	r := &podRun{cancel: cancel, done: make(chan struct{})}
	s.runs[p.UID] = r
	s.mu.Unlock()
	go func() {
		defer close(r.done)
		s.play(pctx, p.DeepCopy())
	}()
}

// forget ends a deleted pod's program and drops its record.
func (s *sim) forget(uid types.UID) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if r, ok := s.runs[uid]; ok {
		r.cancel()
		delete(s.runs, uid)
	}
}

// stop ends the pod's program; the record stays so a pod is played once.
func (s *sim) stop(uid types.UID) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if r, ok := s.runs[uid]; ok {
		r.cancel()
	}
}

func (s *sim) play(ctx context.Context, p *corev1.Pod) {
	key := p.Namespace + "/" + p.Name
	lw, err := newPodLogs(ctx, s, p)
	if err != nil {
		log.Printf("%s: logs: %v", key, err)
		return
	}
	defer lw.Close()
	switch p.Labels[labelWorker] {
	case workerAMQPConsume:
		err = s.amqpConsume(ctx, p, lw)
	case workerRedisWQ:
		err = s.redisWQ(ctx, p, lw)
	case workerRedisStream:
		err = s.redisStream(ctx, p, lw)
	case workerCelery:
		err = s.celeryWorker(ctx, p, lw)
	case workerRQ:
		err = s.rqWorker(ctx, p, lw)
	case workerBullMQ:
		err = s.bullmqWorker(ctx, p, lw)
	case workerSidekiq:
		err = s.sidekiqWorker(ctx, p, lw)
	case workerAMQPReject:
		err = s.amqpReject(ctx, p, lw)
	case "":
		err = s.script(ctx, p, lw)
		return
	case workerLogger:
		if err := s.logger(ctx, p, lw); err != nil {
			log.Printf("%s: logger: %v", key, err)
		}
		return
	default:
		err = fmt.Errorf("unknown %s %q", labelWorker, p.Labels[labelWorker])
	}
	if ctx.Err() != nil {
		log.Printf("%s: stopped (pod terminated or deleted)", key)
		return
	}
	var ee exitError
	if errors.As(err, &ee) {
		log.Printf("%s: worker exited %d", key, ee.code)
		s.finish(p, int32(ee.code), "Error")
		return
	}
	if err != nil {
		log.Printf("%s: worker failed: %v", key, err)
		s.finish(p, 1, "Error")
		return
	}
	s.finish(p, 0, "Completed")
}

// finish marks the pod terminated, as the kubelet would when its container exits.
func (s *sim) finish(p *corev1.Pod, exitCode int32, reason string) {
	now := metav1.Now()
	phase := corev1.PodSucceeded
	if exitCode != 0 {
		phase = corev1.PodFailed
	}
	started := now
	if p.Status.StartTime != nil {
		started = *p.Status.StartTime
	}
	var statuses []corev1.ContainerStatus
	for _, c := range p.Spec.Containers {
		statuses = append(statuses, corev1.ContainerStatus{
			Name: c.Name, Image: c.Image, Ready: false, Started: ptr(false),
			State: corev1.ContainerState{Terminated: &corev1.ContainerStateTerminated{
				ExitCode: exitCode, Reason: reason, StartedAt: started, FinishedAt: now,
			}},
		})
	}
	condReason := "PodCompleted"
	if exitCode != 0 {
		condReason = "PodFailed"
	}
	patch := map[string]any{"status": map[string]any{
		"phase": phase,
		"conditions": []map[string]any{
			{"type": "Ready", "status": "False", "reason": condReason, "lastTransitionTime": now},
			{"type": "ContainersReady", "status": "False", "reason": condReason, "lastTransitionTime": now},
			{"type": "PodReadyToStartContainers", "status": "False", "lastTransitionTime": now},
		},
		"containerStatuses": statuses,
	}}
	data, _ := json.Marshal(patch)
	for attempt := 0; attempt < 5; attempt++ {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		_, err := s.client.CoreV1().Pods(p.Namespace).Patch(ctx, p.Name, types.StrategicMergePatchType, data, metav1.PatchOptions{}, "status")
		cancel()
		if err == nil {
			log.Printf("%s/%s: exited %d", p.Namespace, p.Name, exitCode)
			return
		}
		log.Printf("%s/%s: marking terminated: %v", p.Namespace, p.Name, err)
		time.Sleep(time.Second)
	}
}

func (s *sim) workTime() time.Duration {
	if s.workMax <= s.workMin {
		return s.workMin
	}
	return s.workMin + rand.N(s.workMax-s.workMin)
}

// resolve translates a cluster service address (host:port) to a sandbox one.
func (s *sim) resolve(hostport string) string {
	if to, ok := s.hosts[hostport]; ok {
		return to
	}
	host, _, err := net.SplitHostPort(hostport)
	if err == nil {
		if to, ok := s.hosts[host]; ok {
			return to
		}
	}
	return hostport
}

func parseHostMap(v string) (map[string]string, error) {
	m := map[string]string{}
	for _, kv := range strings.Split(v, ",") {
		kv = strings.TrimSpace(kv)
		if kv == "" {
			continue
		}
		from, to, ok := strings.Cut(kv, "=")
		if !ok {
			return nil, fmt.Errorf("--host-map entry %q: want from=to", kv)
		}
		m[from] = to
	}
	return m, nil
}

func parseRangeMS(v string) (time.Duration, time.Duration, error) {
	a, b, ok := strings.Cut(v, "-")
	if !ok {
		b = a
	}
	var lo, hi int
	if _, err := fmt.Sscan(a, &lo); err != nil {
		return 0, 0, err
	}
	if _, err := fmt.Sscan(b, &hi); err != nil {
		return 0, 0, err
	}
	if hi < lo {
		lo, hi = hi, lo
	}
	return time.Duration(lo) * time.Millisecond, time.Duration(hi) * time.Millisecond, nil
}

func sleepCtx(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return false
	case <-t.C:
		return true
	}
}

// serveBrokenKubelet accepts TLS connections and fails every handshake the
// way a kubelet without a serving certificate does (its serving CSR is still
// pending): the client sees "remote error: tls: internal error".
func serveBrokenKubelet(ctx context.Context, addr string) error {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return err
	}
	cfg := &tls.Config{GetCertificate: func(*tls.ClientHelloInfo) (*tls.Certificate, error) {
		return nil, errors.New("no serving certificate available for the kubelet")
	}}
	go func() { <-ctx.Done(); _ = ln.Close() }()
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go func() {
				defer c.Close()
				_ = c.SetDeadline(time.Now().Add(10 * time.Second))
				tc := tls.Server(c, cfg)
				if err := tc.Handshake(); err != nil {
					log.Printf("broken kubelet: http: TLS handshake error from %s: %v", c.RemoteAddr(), err)
				}
			}()
		}
	}()
	return nil
}

func ptr[T any](v T) *T { return &v }
