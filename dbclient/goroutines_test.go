package dbclient_test

import (
	"runtime"
	"testing"
	"time"
)

func numGoroutines() int { return runtime.NumGoroutine() }

// waitGoroutinesAtMost polls until at most n goroutines remain (the server
// side winds down after the client closed), failing after a deadline.
func waitGoroutinesAtMost(t *testing.T, n int) {
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
