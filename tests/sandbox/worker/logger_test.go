package main

import (
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

func TestParseLoggerSpec(t *testing.T) {
	pod := func(ann map[string]string) *corev1.Pod {
		return &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Annotations: ann}}
	}
	s, err := parseLoggerSpec(pod(nil))
	if err != nil || s.rate != 5 || s.lines != 0 || s.text != "line {n}" {
		t.Fatalf("defaults: %+v %v", s, err)
	}
	s, err = parseLoggerSpec(pod(map[string]string{annLogRate: "20000", annLogLines: "100", annLogText: "x {n}"}))
	if err != nil || s.rate != 20000 || s.lines != 100 || s.text != "x {n}" {
		t.Fatalf("given: %+v %v", s, err)
	}
	for _, bad := range []map[string]string{{annLogRate: "0"}, {annLogRate: "fast"}, {annLogLines: "-1"}} {
		if _, err := parseLoggerSpec(pod(bad)); err == nil {
			t.Errorf("%v: no error", bad)
		}
	}
}
