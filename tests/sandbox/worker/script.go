package main

import (
	"context"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/labels"
)

// script produces a pod's output by emulating the handful of shell idioms the
// seed manifests use. kwok (not this) decides when the pod completes.
func (s *sim) script(ctx context.Context, p *corev1.Pod, lw *podLogs) error {
	sh := &shell{
		vars:  map[string]string{},
		lists: map[string][]string{},
		files: map[string]string{},
	}
	if idx, ok := p.Annotations[annCompletionIdx]; ok {
		sh.vars["JOB_COMPLETION_INDEX"] = idx
	}
	run := func(c corev1.Container) bool {
		env := map[string]string{}
		for k, v := range sh.vars {
			env[k] = v
		}
		for _, e := range c.Env {
			env[e.Name] = e.Value
		}
		sh.env = env
		out := func(line string) { lw.Println(c.Name, line) }
		argv := append(append([]string{}, c.Command...), c.Args...)
		if len(argv) >= 3 && isShell(argv[0]) && argv[1] == "-c" {
			src := argv[2]
			if m := pingLoop.FindStringSubmatch(src); m != nil {
				return s.pingPeers(ctx, p, src, out)
			}
			return sh.run(ctx, src, out)
		}
		if len(argv) >= 1 {
			return sh.exec(ctx, argv, out)
		}
		return true
	}
	for _, c := range p.Spec.InitContainers {
		if !run(c) {
			return nil
		}
	}
	for _, c := range p.Spec.Containers {
		if !run(c) {
			break
		}
	}
	<-ctx.Done()
	return nil
}

func isShell(s string) bool {
	switch s {
	case "sh", "bash", "/bin/sh", "/bin/bash", "/usr/bin/bash", "/usr/bin/env bash":
		return true
	}
	return false
}

type shell struct {
	env   map[string]string
	vars  map[string]string
	lists map[string][]string
	files map[string]string
}

var (
	assignList = regexp.MustCompile(`^([A-Za-z_][A-Za-z0-9_]*)=\((.*)\)$`)
	assignVar  = regexp.MustCompile(`^([A-Za-z_][A-Za-z0-9_]*)=(.*)$`)
	refIndexed = regexp.MustCompile(`\$\{([A-Za-z_][A-Za-z0-9_]*)\[([^\]]*)\]\}`)
	refBraced  = regexp.MustCompile(`\$\{([A-Za-z_][A-Za-z0-9_]*)\}`)
	refPlain   = regexp.MustCompile(`\$([A-Za-z_][A-Za-z0-9_]*)`)
	pingLoop   = regexp.MustCompile(`for (\w+) in ([^\n;]*)[\s\S]*ping -c 1 (\S+)`)
)

// run executes a script of simple statements; false means it exited non-zero.
func (sh *shell) run(ctx context.Context, src string, out func(string)) bool {
	for _, st := range splitStatements(src) {
		if ctx.Err() != nil {
			return false
		}
		words := splitWords(st)
		if len(words) == 0 {
			continue
		}
		if m := assignList.FindStringSubmatch(st); m != nil {
			sh.lists[m[1]] = splitWords(m[2])
			continue
		}
		if len(words) == 1 {
			if m := assignVar.FindStringSubmatch(words[0]); m != nil {
				sh.vars[m[1]] = sh.expand(m[2])
				continue
			}
		}
		if words[0] == "exit" {
			code := 0
			if len(words) > 1 {
				code, _ = strconv.Atoi(words[1])
			}
			return code == 0
		}
		if !sh.exec(ctx, words, out) {
			return false
		}
	}
	return true
}

func (sh *shell) exec(ctx context.Context, argv []string, out func(string)) bool {
	for i := range argv {
		argv[i] = sh.expand(argv[i])
	}
	// Output redirection: cmd ... > file
	redirect := ""
	for i := 0; i < len(argv); i++ {
		if argv[i] == ">" && i+1 < len(argv) {
			redirect = argv[i+1]
			argv = append(argv[:i], argv[i+2:]...)
			break
		}
		if strings.HasPrefix(argv[i], ">") && len(argv[i]) > 1 {
			redirect = argv[i][1:]
			argv = append(argv[:i], argv[i+1:]...)
			break
		}
	}
	var lines []string
	ok := true
	switch argv[0] {
	case "echo":
		lines = append(lines, strings.Join(argv[1:], " "))
	case "date":
		lines = append(lines, time.Now().UTC().Format("Mon Jan _2 15:04:05 UTC 2006"))
	case "sleep":
		if len(argv) > 1 {
			if n, err := strconv.ParseFloat(strings.TrimSuffix(argv[1], "s"), 64); err == nil {
				ok = sleepCtx(ctx, time.Duration(n*float64(time.Second)))
			}
		}
	case "rev":
		for _, f := range argv[1:] {
			for _, l := range strings.Split(strings.TrimRight(sh.files[f], "\n"), "\n") {
				lines = append(lines, reverse(l))
			}
		}
	case "cat":
		for _, f := range argv[1:] {
			lines = append(lines, strings.TrimRight(sh.files[f], "\n"))
		}
	case "true", ":":
	case "false":
		ok = false
	default:
		// Unknown programs print nothing; the pod's lifetime comes from kwok.
	}
	if redirect != "" {
		text := strings.Join(lines, "\n")
		sh.files[redirect] = text + "\n"
		// The real command is silent; say what it did so the log is not empty.
		out(fmt.Sprintf("wrote %s to %s", text, redirect))
		return ok
	}
	for _, l := range lines {
		out(l)
	}
	return ok
}

func (sh *shell) expand(w string) string {
	lookup := func(name string) string {
		if v, ok := sh.vars[name]; ok {
			return v
		}
		return sh.env[name]
	}
	w = refIndexed.ReplaceAllStringFunc(w, func(m string) string {
		sub := refIndexed.FindStringSubmatch(m)
		idx, err := strconv.Atoi(sh.expand(sub[2]))
		list := sh.lists[sub[1]]
		if err != nil || idx < 0 || idx >= len(list) {
			return ""
		}
		return list[idx]
	})
	w = refBraced.ReplaceAllStringFunc(w, func(m string) string { return lookup(refBraced.FindStringSubmatch(m)[1]) })
	w = refPlain.ReplaceAllStringFunc(w, func(m string) string { return lookup(refPlain.FindStringSubmatch(m)[1]) })
	return w
}

func reverse(s string) string {
	r := []rune(s)
	for i, j := 0, len(r)-1; i < j; i, j = i+1, j-1 {
		r[i], r[j] = r[j], r[i]
	}
	return string(r)
}

// splitStatements splits on newlines, ';', '&&' and '||' outside quotes.
func splitStatements(src string) []string {
	var out []string
	var cur strings.Builder
	var quote rune
	rs := []rune(src)
	flush := func() {
		if s := strings.TrimSpace(cur.String()); s != "" {
			out = append(out, s)
		}
		cur.Reset()
	}
	for i := 0; i < len(rs); i++ {
		c := rs[i]
		if quote != 0 {
			if c == quote {
				quote = 0
			}
			cur.WriteRune(c)
			continue
		}
		switch {
		case c == '\'' || c == '"':
			quote = c
			cur.WriteRune(c)
		case c == '\n' || c == ';':
			flush()
		case (c == '&' || c == '|') && i+1 < len(rs) && rs[i+1] == c:
			flush()
			i++
		default:
			cur.WriteRune(c)
		}
	}
	flush()
	return out
}

// splitWords splits a statement into words, removing quotes.
func splitWords(st string) []string {
	var out []string
	var cur strings.Builder
	var quote rune
	in := false
	for _, c := range st {
		if quote != 0 {
			if c == quote {
				quote = 0
				continue
			}
			cur.WriteRune(c)
			continue
		}
		switch c {
		case '\'', '"':
			quote = c
			in = true
		case ' ', '\t':
			if in {
				out = append(out, cur.String())
				cur.Reset()
				in = false
			}
		default:
			cur.WriteRune(c)
			in = true
		}
	}
	if in {
		out = append(out, cur.String())
	}
	return out
}

var echoFailed = regexp.MustCompile(`echo "(Failed to ping[^"]*)"`)
var echoOK = regexp.MustCompile(`echo "(Successfully pinged[^"]*)"`)

// pingPeers plays the seed's pod-to-pod loop: for each peer, retry every
// second until that peer's pod (same Job, that completion index) is running.
func (s *sim) pingPeers(ctx context.Context, p *corev1.Pod, src string, out func(string)) bool {
	m := pingLoop.FindStringSubmatch(src)
	loopVar, values, hostTpl := m[1], splitWords(m[2]), m[3]
	failTpl, okTpl := "Failed to ping pod $HOST, retrying in 1 second...", "Successfully pinged pod: $HOST"
	if f := echoFailed.FindStringSubmatch(src); f != nil {
		failTpl = f[1]
	}
	if o := echoOK.FindStringSubmatch(src); o != nil {
		okTpl = o[1]
	}
	job := p.Labels["batch.kubernetes.io/job-name"]
	if job == "" {
		job = p.Labels["job-name"]
	}
	for _, v := range values {
		sh := &shell{vars: map[string]string{loopVar: v}, env: map[string]string{}}
		host := sh.expand(hostTpl)
		fill := func(t string) string { return strings.ReplaceAll(sh.expand(t), "$HOST", host) }
		for !s.peerRunning(p.Namespace, job, v) {
			out(fill(failTpl))
			if !sleepCtx(ctx, time.Second) {
				return false
			}
		}
		out(fill(okTpl))
	}
	return true
}

func (s *sim) peerRunning(ns, job, index string) bool {
	sel := labels.SelectorFromSet(labels.Set{"batch.kubernetes.io/job-name": job})
	pods, err := s.pods.Pods(ns).List(sel)
	if err != nil {
		return false
	}
	for _, q := range pods {
		if q.Annotations[annCompletionIdx] != index {
			continue
		}
		if q.Status.Phase == corev1.PodSucceeded {
			return true
		}
		if q.Status.Phase == corev1.PodRunning && q.Status.PodIP != "" {
			return true
		}
	}
	return false
}
