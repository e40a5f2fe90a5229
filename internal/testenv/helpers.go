package testenv

import (
	"bytes"
	"net"
	"runtime"
	"sync"
	"testing"
	"time"
)

// FreePort returns a loopback port that was free a moment ago, for a child process that
// must be told its port (ssh -L, sshd, mariadbd).
func FreePort(t testing.TB) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

// WaitGoroutines waits until at most n goroutines run, failing with every stack after a
// deadline: a Close may return while the goroutines it stopped are still unwinding.
func WaitGoroutines(t testing.TB, n int) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for runtime.NumGoroutine() > n {
		if time.Now().After(deadline) {
			buf := make([]byte, 1<<17)
			t.Fatalf("%d goroutines, want <= %d:\n%s", runtime.NumGoroutine(), n, buf[:runtime.Stack(buf, true)])
		}
		runtime.Gosched()
	}
}

// Buffer collects output that another goroutine writes, such as a child process's stderr
// or a program's terminal, and lets a test wait for what it expects.
type Buffer struct {
	mu      sync.Mutex
	b       bytes.Buffer
	changed chan struct{} // closed and replaced on every write
}

func (l *Buffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.changed != nil {
		close(l.changed)
		l.changed = nil
	}
	return l.b.Write(p)
}

func (l *Buffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// WaitFor blocks until the output contains s; after 20 s it fails the test with the output.
func (l *Buffer) WaitFor(t testing.TB, s string) {
	t.Helper()
	timeout := time.NewTimer(20 * time.Second)
	defer timeout.Stop()
	for {
		l.mu.Lock()
		found := bytes.Contains(l.b.Bytes(), []byte(s))
		if l.changed == nil {
			l.changed = make(chan struct{})
		}
		changed := l.changed
		l.mu.Unlock()
		if found {
			return
		}
		select {
		case <-changed:
		case <-timeout.C:
			t.Fatalf("the output never showed %q:\n%s", s, l.String())
		}
	}
}
