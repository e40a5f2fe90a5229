//go:build !unix

package sandbox

// lockState is a no-op where flock is not available: there, keep one sandbox per --state.
func lockState(string) (func(), error) { return func() {}, nil }
