//go:build !unix

package database

import "net"

// socketPair falls back to an in-memory pipe where socketpair(2) is missing: unbuffered, but
// the MySQL protocol takes turns, and nothing in between needs more.
func socketPair() (client, server net.Conn, err error) {
	c, s := net.Pipe()
	return c, s, nil
}
