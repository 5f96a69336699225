package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
)

var logsGVR = schema.GroupVersionResource{Group: "kwok.x-k8s.io", Version: "v1alpha1", Resource: "logs"}

// podLogs holds one CRI-format log file per container of a pod. kwok's
// kubelet server reads them through a `Logs` object of the pod's name.
type podLogs struct {
	mu    sync.Mutex
	files map[string]*os.File
}

func newPodLogs(ctx context.Context, s *sim, p *corev1.Pod) (*podLogs, error) {
	dir := filepath.Join(s.logDir, p.Namespace, p.Name+"_"+string(p.UID))
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	lw := &podLogs{files: map[string]*os.File{}}
	var entries []any
	var names []string
	for _, c := range p.Spec.InitContainers {
		names = append(names, c.Name)
	}
	for _, c := range p.Spec.Containers {
		names = append(names, c.Name)
	}
	for _, n := range names {
		path := filepath.Join(dir, n+".log")
		f, err := os.OpenFile(path, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
		if err != nil {
			lw.Close()
			return nil, err
		}
		lw.files[n] = f
		entries = append(entries, map[string]any{
			"containers": []any{n},
			"logsFile":   path,
			"follow":     true,
		})
	}
	obj := &unstructured.Unstructured{Object: map[string]any{
		"apiVersion": "kwok.x-k8s.io/v1alpha1",
		"kind":       "Logs",
		"metadata": map[string]any{
			"name":      p.Name,
			"namespace": p.Namespace,
			"labels":    map[string]any{"app.kubernetes.io/managed-by": "batchtop-sandbox-worker-sim"},
			"ownerReferences": []any{map[string]any{
				"apiVersion": "v1", "kind": "Pod", "name": p.Name, "uid": string(p.UID),
			}},
		},
		"spec": map[string]any{"logs": entries},
	}}
	cctx, cancel := context.WithTimeout(ctx, 15*time.Second)
	defer cancel()
	_, err := s.dyn.Resource(logsGVR).Namespace(p.Namespace).Create(cctx, obj, metav1.CreateOptions{})
	if err != nil && !apierrors.IsAlreadyExists(err) {
		lw.Close()
		return nil, fmt.Errorf("creating Logs %s/%s: %w", p.Namespace, p.Name, err)
	}
	return lw, nil
}

// Println appends one line (or several, split on newlines) to a container's log.
func (l *podLogs) Println(container string, text string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	f := l.files[container]
	if f == nil {
		return
	}
	for _, line := range strings.Split(strings.TrimRight(text, "\n"), "\n") {
		ts := time.Now().UTC().Format(time.RFC3339Nano)
		fmt.Fprintf(f, "%s stdout F %s\n", ts, line)
	}
}

func (l *podLogs) Printf(container, format string, args ...any) {
	l.Println(container, fmt.Sprintf(format, args...))
}

func (l *podLogs) Close() {
	l.mu.Lock()
	defer l.mu.Unlock()
	for _, f := range l.files {
		_ = f.Close()
	}
	l.files = map[string]*os.File{}
}
