// Package netguard keeps the sandbox's servers answering under load. Its Listener survives a
// shortage of file descriptors (the accept loop backs off and retries, as net/http's does,
// instead of ending), bounds the connections a server holds, and when that bound is reached
// makes room for a new client by closing the connection that has waited longest without
// doing anything: an idle HTTP keep-alive, or an SSH client that has not logged in. A flood
// of silent connections then costs the flooder its oldest ones, not everyone else their turn.
package netguard

import (
	"container/list"
	"errors"
	"net"
	"sync"
	"syscall"
	"time"
)

// Options configure Limit.
type Options struct {
	// MaxConns bounds the connections open at once. When all are taken, Accept closes the
	// longest-waiting one to make room; if none is waiting (every one is busy), Accept waits
	// for one to close, leaving new clients in the kernel's backlog, where they cost no
	// descriptor.
	MaxConns int
	// MaxWaiting, if positive, bounds the waiting connections on their own (OpenSSH's
	// MaxStartups): one more waiting connection closes the longest-waiting one.
	MaxWaiting int
	// Logf, when set, hears about accept errors and connections closed to make room.
	Logf func(format string, args ...any)
}

// Backoff between accept attempts after a temporary error: net/http's numbers.
const (
	firstRetry = 5 * time.Millisecond
	maxRetry   = time.Second
)

// Listener is a net.Listener with the limits of Options. Every connection it returns starts
// out waiting; the server calls Busy when it is doing something and Waiting when it waits
// again. Closing a connection releases its place.
type Listener struct {
	inner net.Listener
	o     Options
	slots chan struct{} // one token per open connection
	done  chan struct{} // closed by Close
	once  sync.Once

	mu      sync.Mutex
	waiting *list.List // of *conn, longest-waiting first
}

// Limit wraps l.
func Limit(l net.Listener, o Options) *Listener {
	if o.MaxConns <= 0 {
		o.MaxConns = 1
	}
	return &Listener{inner: l, o: o, slots: make(chan struct{}, o.MaxConns), done: make(chan struct{}), waiting: list.New()}
}

// Accept waits for a place and a connection. A temporary error (out of descriptors, out of
// buffers) is retried with backoff until Close; only Close ends it, with net.ErrClosed.
func (l *Listener) Accept() (net.Conn, error) {
	if err := l.takeSlot(); err != nil {
		return nil, err
	}
	var delay time.Duration
	for {
		c, err := l.inner.Accept()
		if err == nil {
			tc := &conn{Conn: c, l: l}
			l.wait(tc)
			return tc, nil
		}
		if !temporary(err) {
			<-l.slots
			select {
			case <-l.done:
				return nil, net.ErrClosed
			default:
				return nil, err
			}
		}
		delay = min(max(2*delay, firstRetry), maxRetry)
		l.logf("accept on %s: %v; retrying in %v", l.inner.Addr(), err, delay)
		t := time.NewTimer(delay)
		select {
		case <-t.C:
		case <-l.done:
			t.Stop()
			<-l.slots
			return nil, net.ErrClosed
		}
	}
}

// takeSlot reserves a place for the next connection, closing the longest-waiting
// connection when every place is taken.
func (l *Listener) takeSlot() error {
	select {
	case l.slots <- struct{}{}:
		return nil
	default:
	}
	if c := l.oldestWaiting(); c != nil {
		l.logf("closed %s, which had been waiting longest, to make room for a new connection", c.RemoteAddr())
		c.Close() // frees its place at once
	}
	select {
	case l.slots <- struct{}{}:
		return nil
	case <-l.done:
		return net.ErrClosed
	}
}

// Close stops accepting; open connections stay open.
func (l *Listener) Close() error {
	l.once.Do(func() { close(l.done) })
	return l.inner.Close()
}

// Addr is the listener's address.
func (l *Listener) Addr() net.Addr { return l.inner.Addr() }

// Busy marks c as doing something: it is not closed to make room.
func (l *Listener) Busy(c net.Conn) {
	if tc, ok := c.(*conn); ok && tc.l == l {
		l.mu.Lock()
		tc.leaveLocked()
		l.mu.Unlock()
	}
}

// Waiting marks c as waiting again (an HTTP keep-alive between requests).
func (l *Listener) Waiting(c net.Conn) {
	if tc, ok := c.(*conn); ok && tc.l == l {
		l.wait(tc)
	}
}

// WaitingConns is how many connections wait now.
func (l *Listener) WaitingConns() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.waiting.Len()
}

func (l *Listener) wait(c *conn) {
	l.mu.Lock()
	if c.closed || c.elem != nil {
		l.mu.Unlock()
		return
	}
	c.elem = l.waiting.PushBack(c)
	var evict *conn
	if l.o.MaxWaiting > 0 && l.waiting.Len() > l.o.MaxWaiting {
		evict = l.waiting.Front().Value.(*conn)
		evict.leaveLocked()
	}
	l.mu.Unlock()
	if evict != nil {
		l.logf("closed %s: more than %d connections waiting, it had waited longest", evict.RemoteAddr(), l.o.MaxWaiting)
		evict.Close()
	}
}

func (l *Listener) oldestWaiting() *conn {
	l.mu.Lock()
	defer l.mu.Unlock()
	f := l.waiting.Front()
	if f == nil {
		return nil
	}
	c := f.Value.(*conn)
	c.leaveLocked()
	return c
}

func (l *Listener) logf(format string, args ...any) {
	if l.o.Logf != nil {
		l.o.Logf(format, args...)
	}
}

// conn is an accepted connection holding a place.
type conn struct {
	net.Conn
	l      *Listener
	elem   *list.Element // in l.waiting while waiting; guarded by l.mu
	closed bool          // guarded by l.mu
	once   sync.Once
}

func (c *conn) leaveLocked() {
	if c.elem != nil {
		c.l.waiting.Remove(c.elem)
		c.elem = nil
	}
}

// Close closes the connection and gives its place back.
func (c *conn) Close() error {
	err := c.Conn.Close()
	c.once.Do(func() {
		c.l.mu.Lock()
		c.closed = true
		c.leaveLocked()
		c.l.mu.Unlock()
		<-c.l.slots
	})
	return err
}

// temporary reports the accept errors that pass: the process or the system is short of
// descriptors or memory for a moment, or a client gave up before it was accepted.
func temporary(err error) bool {
	for _, e := range []error{syscall.EMFILE, syscall.ENFILE, syscall.ENOBUFS, syscall.ENOMEM, syscall.ECONNABORTED, syscall.EINTR} {
		if errors.Is(err, e) {
			return true
		}
	}
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout()
}
