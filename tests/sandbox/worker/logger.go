package main

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"

	corev1 "k8s.io/api/core/v1"
)

// Pods labelled sandbox.batchtop.dev/worker=logger write lines to their first
// container's log at a steady rate, for batchtop's log tests: a ticker to
// follow, a pod writing hostile escape sequences, a flood for the benchmark.
// It never completes the pod (kwok does, for Job pods, after run-duration).
const (
	workerLogger = "logger"
	// Lines per second (default 5, at most 200000).
	annLogRate = "sandbox.batchtop.dev/log-rate"
	// Stop after this many lines (default 0: no limit).
	annLogLines = "sandbox.batchtop.dev/log-lines"
	// The line; "{n}" becomes the line number, from 1 (default "line {n}").
	annLogText = "sandbox.batchtop.dev/log-text"
)

// loggerTick is how often a fast logger writes a batch of lines.
const loggerTick = 10 * time.Millisecond

type loggerSpec struct {
	rate  int
	lines int
	text  string
}

func parseLoggerSpec(p *corev1.Pod) (loggerSpec, error) {
	s := loggerSpec{rate: 5, text: "line {n}"}
	if v, ok := p.Annotations[annLogRate]; ok {
		n, err := strconv.Atoi(strings.TrimSpace(v))
		if err != nil || n < 1 || n > 200000 {
			return s, fmt.Errorf("%s=%q: want 1..200000 lines per second", annLogRate, v)
		}
		s.rate = n
	}
	if v, ok := p.Annotations[annLogLines]; ok {
		n, err := strconv.Atoi(strings.TrimSpace(v))
		if err != nil || n < 0 {
			return s, fmt.Errorf("%s=%q: want a count >= 0", annLogLines, v)
		}
		s.lines = n
	}
	if v, ok := p.Annotations[annLogText]; ok {
		s.text = v
	}
	return s, nil
}

// logger writes the lines until the pod stops or the count is reached.
func (s *sim) logger(ctx context.Context, p *corev1.Pod, lw *podLogs) error {
	spec, err := parseLoggerSpec(p)
	if err != nil {
		return err
	}
	if len(p.Spec.Containers) == 0 {
		return nil
	}
	container := p.Spec.Containers[0].Name
	// Slow loggers write one line per interval; fast ones a batch per tick,
	// as many as the rate asks for by then (so the rate holds on average).
	interval := time.Second / time.Duration(spec.rate)
	if interval < loggerTick {
		interval = loggerTick
	}
	start := time.Now()
	written := 0
	t := time.NewTicker(interval)
	defer t.Stop()
	for spec.lines == 0 || written < spec.lines {
		due := int(time.Since(start).Seconds()*float64(spec.rate)) + 1
		if spec.lines > 0 && due > spec.lines {
			due = spec.lines
		}
		var b strings.Builder
		for ; written < due; written++ {
			if b.Len() > 0 {
				b.WriteByte('\n')
			}
			b.WriteString(strings.ReplaceAll(spec.text, "{n}", strconv.Itoa(written+1)))
		}
		if b.Len() > 0 {
			lw.Println(container, b.String())
		}
		select {
		case <-ctx.Done():
			return nil
		case <-t.C:
		}
	}
	<-ctx.Done()
	return nil
}
