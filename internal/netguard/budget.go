package netguard

// Share is the part of the process's descriptor limit a server may hold: a quarter of it,
// between lo and hi. Go raises the soft limit to the hard one when the program starts (its
// syscall package does, since Go 1.19), so the limit read here is already the raised one.
func Share(lo, hi int) int {
	return min(max(fileLimit()/4, lo), hi)
}
