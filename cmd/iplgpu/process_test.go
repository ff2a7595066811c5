package main

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// The test binary doubles as the iplgpu command: started with
// IPLGPU_TEST_MAIN=1 it runs main's run() on its arguments, so that tests can
// start real processes (two runs racing for a directory, signals, resource
// limits) without building the binary. IPLGPU_TEST_RLIMIT_AS and
// IPLGPU_TEST_RLIMIT_FSIZE (bytes) set those limits first, as ulimit -v and
// ulimit -f would.
const mainEnv = "IPLGPU_TEST_MAIN"

func TestMain(m *testing.M) {
	if os.Getenv(mainEnv) == "1" {
		for _, l := range []struct {
			env      string
			resource int
		}{{"IPLGPU_TEST_RLIMIT_AS", syscall.RLIMIT_AS}, {"IPLGPU_TEST_RLIMIT_FSIZE", syscall.RLIMIT_FSIZE}} {
			if v := os.Getenv(l.env); v != "" {
				n, err := strconv.ParseUint(v, 10, 64)
				if err == nil {
					err = syscall.Setrlimit(l.resource, &syscall.Rlimit{Cur: n, Max: n})
				}
				if err != nil {
					fmt.Fprintf(os.Stderr, "test harness: %s=%s: %v\n", l.env, v, err)
					os.Exit(99)
				}
			}
		}
		os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
	}
	os.Exit(m.Run())
}

// iplgpuCmd is iplgpu args as a new process (this test binary); env adds
// variables.
func iplgpuCmd(env []string, args ...string) *exec.Cmd {
	cmd := exec.Command(os.Args[0], args...)
	cmd.Env = append(append(os.Environ(), mainEnv+"=1"), env...)
	return cmd
}

// result is how a process ended.
type result struct {
	code           int
	stdout, stderr string
}

// runProcess runs iplgpu args in a new process and waits for it, at most
// limit (then it is killed and the test fails).
func runProcess(t *testing.T, limit time.Duration, env []string, args ...string) result {
	t.Helper()
	cmd := iplgpuCmd(env, args...)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case err := <-done:
		return result{exitCode(t, err), out.String(), errb.String()}
	case <-time.After(limit):
		cmd.Process.Kill()
		<-done
		t.Fatalf("iplgpu %s still running after %v; killed\nstderr: %s", strings.Join(args, " "), limit, shorten(errb.String()))
		return result{}
	}
}

func exitCode(t *testing.T, err error) int {
	t.Helper()
	var ee *exec.ExitError
	switch {
	case err == nil:
		return 0
	case errors.As(err, &ee):
		if ws, ok := ee.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
			return 128 + int(ws.Signal()) // as a shell reports it
		}
		return ee.ExitCode()
	}
	t.Fatal(err)
	return -1
}

// shorten keeps a failure message readable.
func shorten(s string) string {
	if len(s) > 4000 {
		return s[:2000] + "\n...\n" + s[len(s)-2000:]
	}
	return s
}

// started is a process whose stderr is watched line by line.
type started struct {
	cmd    *exec.Cmd
	mu     sync.Mutex
	stderr strings.Builder
	lines  chan string
	done   chan error
}

// startProcess starts iplgpu args and returns at once.
func startProcess(t *testing.T, args ...string) *started {
	t.Helper()
	p := &started{cmd: iplgpuCmd(nil, args...), lines: make(chan string, 1024), done: make(chan error, 1)}
	pipe, err := p.cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	p.cmd.Stdout = io.Discard
	if err := p.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() {
		sc := bufio.NewScanner(pipe)
		for sc.Scan() {
			p.mu.Lock()
			p.stderr.WriteString(sc.Text() + "\n")
			p.mu.Unlock()
			select {
			case p.lines <- sc.Text():
			default:
			}
		}
		close(p.lines)
		p.done <- p.cmd.Wait()
	}()
	t.Cleanup(func() {
		if p.cmd.ProcessState == nil {
			p.cmd.Process.Kill()
		}
	})
	return p
}

// waitLine waits for a stderr line containing s.
func (p *started) waitLine(t *testing.T, s string, limit time.Duration) {
	t.Helper()
	deadline := time.After(limit)
	for {
		select {
		case l, ok := <-p.lines:
			if !ok {
				t.Fatalf("process ended before printing %q:\n%s", s, p.errText())
			}
			if strings.Contains(l, s) {
				return
			}
		case <-deadline:
			t.Fatalf("no line with %q within %v:\n%s", s, limit, p.errText())
		}
	}
}

func (p *started) errText() string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return shorten(p.stderr.String())
}

// interrupt sends SIGINT and returns the exit code and how long the process
// took to end; after limit it is killed and the test fails.
func (p *started) interrupt(t *testing.T, limit time.Duration) (int, time.Duration) {
	t.Helper()
	t0 := time.Now()
	if err := p.cmd.Process.Signal(os.Interrupt); err != nil {
		t.Fatal(err)
	}
	go func() {
		for range p.lines { // drain, so the reader never blocks
		}
	}()
	select {
	case err := <-p.done:
		return exitCode(t, err), time.Since(t0)
	case <-time.After(limit):
		p.cmd.Process.Kill()
		t.Fatalf("still running %v after SIGINT; killed\nstderr:\n%s", limit, p.errText())
		return 0, 0
	}
}
