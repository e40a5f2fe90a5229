package dbclient

import (
	"context"
	"errors"
	"net"

	"golang.org/x/crypto/ssh"

	"rotation-tutor/internal/relay"
)

// DialContext opens a TCP connection to addr (host:port, resolved by the
// bastion) through the tunnel; it satisfies DialFunc. The connection supports
// deadlines, which go-sql-driver needs for its timeouts and an SSH channel
// lacks. If the SSH link turns out to be dead, it reconnects once and tries
// again; a bastion that refuses the channel is not retried.
func (t *Tunnel) DialContext(ctx context.Context, network, addr string) (net.Conn, error) {
	ch, l, err := t.openChannel(ctx, network, addr)
	if err != nil {
		return nil, err
	}
	return t.bridge(ch, l)
}

// openChannel opens a direct-tcpip channel, reconnecting once after a dead link.
func (t *Tunnel) openChannel(ctx context.Context, network, addr string) (net.Conn, *link, error) {
	for attempt := 0; ; attempt++ {
		c, err := t.get(ctx)
		if err != nil {
			return nil, nil, err
		}
		ch, err := t.dialOn(ctx, c, network, addr)
		if err == nil {
			return ch, c, nil
		}
		var oc *ssh.OpenChannelError
		switch {
		case errors.As(err, &oc):
			return nil, nil, classifyOpenChannel(oc, addr)
		case ctx.Err() != nil:
			return nil, nil, &Error{Hop: HopDatabaseTCP, What: "the bastion did not connect to " + addr + " in time",
				Fix: "Allow port 3306 from the bastion's security group in the database's security group, and check the endpoint.", Err: ctx.Err()}
		case attempt == 0:
			t.drop(c) // the link is dead (EOF): reconnect and try again
			continue
		}
		if errors.Is(err, ErrTunnelClosed) {
			return nil, nil, err
		}
		return nil, nil, linkDropped(err)
	}
}

// dialOn opens the channel on c, giving up when ctx ends. The goroutine that
// waits for the bastion's answer belongs to the tunnel: Close closes c, which
// ends it.
func (t *Tunnel) dialOn(ctx context.Context, c *link, network, addr string) (net.Conn, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	type result struct {
		conn net.Conn
		err  error
	}
	res := make(chan result)
	if !t.spawn(1) {
		return nil, ErrTunnelClosed
	}
	go func() {
		defer t.wg.Done()
		conn, err := c.Dial(network, addr)
		select {
		case res <- result{conn, err}:
		case <-ctx.Done():
			if conn != nil {
				conn.Close() // nobody wants it any more
			}
		}
	}()
	select {
	case r := <-res:
		return r.conn, r.err
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

// bridge returns a deadline-capable net.Conn joined to ch through net.Pipe:
// an SSH channel's SetDeadline fails ("tcpChan: deadline not supported"), and
// with it every query of a driver that sets read or write timeouts.
func (t *Tunnel) bridge(ch net.Conn, l *link) (net.Conn, error) {
	if !t.spawn(2) {
		ch.Close()
		return nil, ErrTunnelClosed
	}
	near, far := net.Pipe()
	closeBoth := func() {
		far.Close()
		ch.Close()
	}
	go func() {
		defer t.wg.Done()
		defer closeBoth()
		_, _ = relay.Copy(ch, far)
	}()
	go func() {
		defer t.wg.Done()
		defer closeBoth()
		_, _ = relay.Copy(far, ch)
	}()
	return &tunnelConn{Conn: near, link: l.conn, local: ch.LocalAddr(), remote: ch.RemoteAddr()}, nil
}

// spawn counts n goroutines about to start, unless the tunnel is closed:
// Close waits for all that were counted.
func (t *Tunnel) spawn(n int) bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.closed {
		return false
	}
	t.wg.Add(n)
	return true
}

// tunnelConn reports the channel's addresses instead of net.Pipe's, and a
// dropped SSH link as an *Error instead of a bare EOF.
type tunnelConn struct {
	net.Conn
	link          *linkConn
	local, remote net.Addr
}

func (c *tunnelConn) Read(p []byte) (int, error) {
	n, err := c.Conn.Read(p)
	if err != nil && c.link.failed.Load() {
		err = linkDropped(err)
	}
	return n, err
}

func (c *tunnelConn) Write(p []byte) (int, error) {
	n, err := c.Conn.Write(p)
	if err != nil && c.link.failed.Load() {
		err = linkDropped(err)
	}
	return n, err
}

func linkDropped(err error) *Error {
	return &Error{Hop: HopBastionTCP, What: "the SSH connection to the bastion dropped",
		Fix: "Check your network; the tunnel reconnects on the next attempt.", Err: err}
}

func (c *tunnelConn) LocalAddr() net.Addr  { return c.local }
func (c *tunnelConn) RemoteAddr() net.Addr { return c.remote }
