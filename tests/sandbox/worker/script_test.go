package main

import (
	"context"
	"strings"
	"testing"
)

func runScript(t *testing.T, sh *shell, src string) []string {
	t.Helper()
	var out []string
	sh.run(context.Background(), src, func(l string) { out = append(out, l) })
	return out
}

func newShell(vars map[string]string) *shell {
	return &shell{vars: vars, env: map[string]string{}, lists: map[string][]string{}, files: map[string]string{}}
}

func TestIndexedJobReversesItsWord(t *testing.T) {
	sh := newShell(map[string]string{"JOB_COMPLETION_INDEX": "3"})
	init := runScript(t, sh, "items=(foo bar baz qux xyz)\necho ${items[$JOB_COMPLETION_INDEX]} > /input/data.txt\n")
	if strings.Join(init, "|") != "wrote qux to /input/data.txt" {
		t.Fatalf("init output %q", init)
	}
	var out []string
	sh.exec(context.Background(), []string{"rev", "/input/data.txt"}, func(l string) { out = append(out, l) })
	if strings.Join(out, "|") != "xuq" {
		t.Fatalf("worker output %q", out)
	}
}

func TestEchoDateAndExit(t *testing.T) {
	sh := newShell(map[string]string{})
	out := runScript(t, sh, `echo "Hello world! I'm going to exit with 42 to simulate a software bug." && sleep 0 && exit 42 && echo never`)
	if len(out) != 1 || out[0] != "Hello world! I'm going to exit with 42 to simulate a software bug." {
		t.Fatalf("output %q", out)
	}
	out = runScript(t, sh, "date; echo Hello from the Kubernetes cluster")
	if len(out) != 2 || !strings.Contains(out[0], "UTC") || out[1] != "Hello from the Kubernetes cluster" {
		t.Fatalf("output %q", out)
	}
}

func TestPingLoopIsRecognised(t *testing.T) {
	src := "for i in 0 1 2\ndo\n  gotStatus=\"-1\"\n  ping -c 1 example-job-${i}.headless-svc > /dev/null 2>&1\ndone"
	m := pingLoop.FindStringSubmatch(src)
	if m == nil || m[1] != "i" || strings.TrimSpace(m[2]) != "0 1 2" || m[3] != "example-job-${i}.headless-svc" {
		t.Fatalf("match %q", m)
	}
}

func TestSha224(t *testing.T) {
	// python3 -c 'import hashlib;print(hashlib.sha224(b"apple").hexdigest())'
	if got := sha224hex([]byte("apple")); got != "b7bbfdf1a1012999b3c466fdeb906a629caa5e3e022428d1eb702281" {
		t.Fatal(got)
	}
}
