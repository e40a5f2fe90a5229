//go:build !unix

package netguard

import "math"

// fileLimit: systems without RLIMIT_NOFILE have no per-process descriptor limit to share.
func fileLimit() int { return math.MaxInt32 }
