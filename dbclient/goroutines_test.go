package dbclient_test

import (
	"runtime"
)

func numGoroutines() int { return runtime.NumGoroutine() }
