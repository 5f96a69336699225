package main

import (
	"testing"

	"github.com/redis/go-redis/v9"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

func streamPod(env ...corev1.EnvVar) *corev1.Pod {
	return &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Name: "job-stream-abc12"},
		Spec:       corev1.PodSpec{Containers: []corev1.Container{{Name: "c", Env: env}}},
	}
}

func TestStreamWorkerReadsItsEnvLikeARealWorker(t *testing.T) {
	w, err := streamWorkerOf(streamPod(
		corev1.EnvVar{Name: "REDIS_HOST", Value: "redis"},
		corev1.EnvVar{Name: "STREAM", Value: "tasks"},
	))
	if err != nil {
		t.Fatal(err)
	}
	want := streamWorker{addr: "redis:6379", stream: "tasks", group: "workers", consumer: "job-stream-abc12"}
	if w != want {
		t.Fatalf("got %+v, want %+v", w, want)
	}
	w, _ = streamWorkerOf(streamPod(
		corev1.EnvVar{Name: "REDIS_HOST", Value: "r"}, corev1.EnvVar{Name: "REDIS_PORT", Value: "7000"},
		corev1.EnvVar{Name: "STREAM", Value: "s"}, corev1.EnvVar{Name: "GROUP", Value: "g"},
	))
	if w.addr != "r:7000" || w.group != "g" {
		t.Fatalf("got %+v", w)
	}
	if _, err := streamWorkerOf(streamPod()); err == nil {
		t.Fatal("a pod without STREAM is an error")
	}
}

func TestDrainedOnlyWhenItsGroupHasNothingLeftToDeliver(t *testing.T) {
	groups := []redis.XInfoGroup{{Name: "other", Lag: 0}, {Name: "workers", Lag: 3, Pending: 1}}
	if drained(groups, "workers") {
		t.Fatal("lag 3 is not drained")
	}
	groups[1].Lag = 0
	if !drained(groups, "workers") {
		t.Fatal("lag 0 is drained, whatever other consumers still hold")
	}
	if drained(groups, "missing") {
		t.Fatal("a group that does not exist is not drained")
	}
}
