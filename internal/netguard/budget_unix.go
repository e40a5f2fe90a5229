//go:build unix

package netguard

import (
	"math"
	"syscall"
)

// fileLimit is the soft RLIMIT_NOFILE, or a large number when it cannot be read.
func fileLimit() int {
	var l syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &l); err != nil || l.Cur > math.MaxInt32 {
		return math.MaxInt32
	}
	return int(l.Cur)
}
