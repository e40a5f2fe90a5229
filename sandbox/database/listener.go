package database

import (
	"net"
	"sync"
)

// trackingListener remembers the connections it hands out, because GMS's
// Close only stops accepting: connections already open would keep their
// goroutines. closeAll closes them and waits until each was closed.
type trackingListener struct {
	net.Listener
	mu     sync.Mutex
	conns  map[*trackedConn]struct{}
	closed bool
	wg     sync.WaitGroup
}

func newTrackingListener(l net.Listener) *trackingListener {
	return &trackingListener{Listener: l, conns: map[*trackedConn]struct{}{}}
}

func (l *trackingListener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err != nil {
		return nil, err
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.closed {
		c.Close()
		return nil, net.ErrClosed
	}
	tc := &trackedConn{Conn: c, l: l}
	l.conns[tc] = struct{}{}
	l.wg.Add(1)
	return tc, nil
}

// closeAll closes the listener and every open connection, then waits until
// the server's goroutines have let go of them (each closes its conn last).
func (l *trackingListener) closeAll() {
	l.mu.Lock()
	l.closed = true
	open := make([]*trackedConn, 0, len(l.conns))
	for c := range l.conns {
		open = append(open, c)
	}
	l.mu.Unlock()
	_ = l.Listener.Close()
	for _, c := range open {
		_ = c.Conn.Close() // unblocks the handler's read; it then calls Close itself
	}
	l.wg.Wait()
}

type trackedConn struct {
	net.Conn
	l    *trackingListener
	once sync.Once
}

func (c *trackedConn) Close() error {
	err := c.Conn.Close()
	c.once.Do(func() {
		c.l.mu.Lock()
		delete(c.l.conns, c)
		c.l.mu.Unlock()
		c.l.wg.Done()
	})
	return err
}
