package sandbox_test

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"os/signal"
	"slices"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"rotation-tutor/internal/testenv"
	"rotation-tutor/rotation"
	"rotation-tutor/sandbox"
)

// childEnv makes the test binary a sandbox process instead of running tests: the tests that
// kill a sandbox, or starve it of descriptors, need it in a process of its own.
const childEnv = "ROTATION_TUTOR_TEST_SANDBOX_DIR"

func TestMain(m *testing.M) {
	if dir := os.Getenv(childEnv); dir != "" {
		os.Exit(runChild(dir))
	}
	os.Exit(m.Run())
}

// runChild runs a sandbox on dir and speaks a line protocol on stdout: READY <Info as JSON>
// once it serves; STEP <step> <started|done> for every rotation step; LOG <line> for what
// the servers log. On stdin, "exhaust" opens files until the process has no descriptor
// left (EXHAUSTED <n>), "release" closes them (RELEASED); end of input stops the sandbox.
func runChild(dir string) int {
	var mu sync.Mutex
	say := func(format string, args ...any) {
		mu.Lock()
		defer mu.Unlock()
		fmt.Printf(format+"\n", args...)
	}
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM)
	defer stop()
	sb, err := sandbox.Start(ctx, sandbox.Options{
		StateDir: dir,
		Logf:     func(format string, args ...any) { say("LOG "+format, args...) },
		Observe: func(ev rotation.StepEvent) {
			state := "started"
			if ev.Done {
				state = "done"
			}
			say("STEP %s %s", ev.Step, state)
		},
	})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer sb.Close()
	info, _ := json.Marshal(sb.Info())
	say("READY %s", info)
	var held []*os.File
	in := bufio.NewScanner(os.Stdin)
	for in.Scan() {
		switch in.Text() {
		case "exhaust":
			for {
				f, err := os.Open(os.DevNull)
				if err != nil {
					break
				}
				held = append(held, f)
			}
			say("EXHAUSTED %d", len(held))
		case "release":
			for _, f := range held {
				f.Close()
			}
			held = nil
			say("RELEASED")
		}
	}
	return 0
}

// child is a sandbox in a process of its own.
type child struct {
	t      *testing.T
	cmd    *exec.Cmd
	stdin  io.WriteCloser
	lines  chan string
	stderr testenv.Buffer
	Info   sandbox.Info
}

// startChild starts a sandbox process on dir (under prlimit's limits when nofile is set,
// e.g. "512:512") and waits until it serves.
func startChild(t *testing.T, dir, nofile string) *child {
	t.Helper()
	args := []string{os.Args[0]}
	if nofile != "" {
		testenv.RequireTool(t, "/usr/bin/prlimit")
		args = append([]string{"/usr/bin/prlimit", "--nofile=" + nofile}, args...)
	}
	c := &child{t: t, lines: make(chan string, 1024)}
	c.cmd = exec.Command(args[0], args[1:]...)
	c.cmd.Env = append(os.Environ(), childEnv+"="+dir)
	c.cmd.Stderr = &c.stderr
	var err error
	if c.stdin, err = c.cmd.StdinPipe(); err != nil {
		t.Fatal(err)
	}
	out, err := c.cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := c.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { // ends when the child's stdout closes, at its exit
		defer close(c.lines)
		s := bufio.NewScanner(out)
		s.Buffer(make([]byte, 1<<20), 1<<20)
		for s.Scan() {
			c.lines <- s.Text()
		}
	}()
	t.Cleanup(c.kill)
	ready := c.waitFor("READY ")
	if err := json.Unmarshal([]byte(strings.TrimPrefix(ready, "READY ")), &c.Info); err != nil {
		t.Fatalf("child's READY line: %v", err)
	}
	return c
}

// waitFor returns the next line that contains want, within a minute (a bound, not a pace:
// the line normally comes in milliseconds).
func (c *child) waitFor(want string) string {
	c.t.Helper()
	timeout := time.NewTimer(time.Minute)
	defer timeout.Stop()
	for {
		select {
		case l, ok := <-c.lines:
			if !ok {
				c.t.Fatalf("the sandbox process ended before %q: %s", want, c.stderr.String())
			}
			if strings.Contains(l, want) {
				return l
			}
		case <-timeout.C:
			c.t.Fatalf("no %q from the sandbox process within a minute: %s", want, c.stderr.String())
		}
	}
}

// waitForAll waits until a line containing each of want has come, in any order.
func (c *child) waitForAll(want ...string) {
	c.t.Helper()
	left := append([]string(nil), want...)
	timeout := time.NewTimer(time.Minute)
	defer timeout.Stop()
	for len(left) > 0 {
		select {
		case l, ok := <-c.lines:
			if !ok {
				c.t.Fatalf("the sandbox process ended before %q: %s", left, c.stderr.String())
			}
			left = slices.DeleteFunc(left, func(w string) bool { return strings.Contains(l, w) })
		case <-timeout.C:
			c.t.Fatalf("no %q from the sandbox process within a minute: %s", left, c.stderr.String())
		}
	}
}

func (c *child) send(cmd string) {
	c.t.Helper()
	if _, err := io.WriteString(c.stdin, cmd+"\n"); err != nil {
		c.t.Fatal(err)
	}
}

// kill9 kills the process as kill -9 does: no Close, no flush, nothing.
func (c *child) kill9() {
	_ = c.cmd.Process.Signal(syscall.SIGKILL)
	_ = c.cmd.Wait()
}

func (c *child) kill() {
	if c.cmd.ProcessState == nil {
		c.kill9()
	}
}
