// Package loopback listens on 127.0.0.1, on a preferred port when it is free.
package loopback

import (
	"context"
	"net"
	"strconv"
)

// Listen listens on 127.0.0.1:port if that port is free, or else on a port
// the system picks. A server restarting this way keeps its address when it
// can, so commands printed before the restart still work.
func Listen(ctx context.Context, port int) (net.Listener, error) {
	var lc net.ListenConfig
	if port > 0 {
		if ln, err := lc.Listen(ctx, "tcp", net.JoinHostPort("127.0.0.1", strconv.Itoa(port))); err == nil {
			return ln, nil
		}
	}
	return lc.Listen(ctx, "tcp", "127.0.0.1:0")
}

// Port is the port of a TCP address, 0 when it has none.
func Port(addr net.Addr) int {
	if a, ok := addr.(*net.TCPAddr); ok {
		return a.Port
	}
	return 0
}
