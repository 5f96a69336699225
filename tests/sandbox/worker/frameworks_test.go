package main

import (
	"os/exec"
	"strconv"
	"syscall"
	"testing"
	"time"
)

// A worker's descendants die with it even when they left its process group,
// as RQ's work horse does (setpgrp).
func TestKillReachesDescendantsInOtherGroups(t *testing.T) {
	cmd := exec.Command("sh", "-c", "setsid sleep 30 & sleep 30 & wait")
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := cmd.Start(); err != nil {
		t.Skip("no sh:", err)
	}
	c := &child{cmd: cmd, done: make(chan struct{})}
	var desc []int
	for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		if desc = descendants(cmd.Process.Pid); len(desc) >= 2 {
			break
		}
	}
	if len(desc) < 2 {
		t.Fatalf("descendants of %d: %v, want the two sleeps", cmd.Process.Pid, desc)
	}
	c.kill(syscall.SIGKILL)
	_ = cmd.Wait()
	for deadline := time.Now().Add(5 * time.Second); ; time.Sleep(50 * time.Millisecond) {
		alive := 0
		for _, d := range desc {
			var ws syscall.WaitStatus
			_, _ = syscall.Wait4(d, &ws, syscall.WNOHANG, nil)
			if syscall.Kill(d, 0) == nil && !zombie(d) {
				alive++
			}
		}
		if alive == 0 {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d of %v still alive after kill", alive, desc)
		}
	}
}

func zombie(pid int) bool {
	st, err := readStat(pid)
	return err != nil || st == "Z"
}

func readStat(pid int) (string, error) {
	b, err := exec.Command("ps", "-o", "stat=", "-p", itoa(pid)).Output()
	if err != nil {
		return "", err
	}
	if len(b) == 0 {
		return "", nil
	}
	return string(b[:1]), nil
}

func itoa(n int) string { return strconv.Itoa(n) }
