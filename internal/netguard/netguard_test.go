package netguard

import (
	"errors"
	"io"
	"net"
	"syscall"
	"testing"
)

// flakyListener fails its first Accepts with an error, as a listener does when the process
// is out of descriptors, then hands out the real listener's connections.
type flakyListener struct {
	net.Listener
	fails []error
}

func (l *flakyListener) Accept() (net.Conn, error) {
	if len(l.fails) > 0 {
		err := l.fails[0]
		l.fails = l.fails[1:]
		return nil, &net.OpError{Op: "accept", Net: "tcp", Err: err}
	}
	return l.Listener.Accept()
}

func listen(t *testing.T) net.Listener {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Close() })
	return l
}

func dial(t *testing.T, addr string) net.Conn {
	t.Helper()
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

// closedByServer reports whether the server has closed c: a read then ends with EOF or a
// reset, where an open connection would wait for data (the server never sends any, so a
// read here only returns once the server closes).
func closedByServer(c net.Conn) bool {
	_, err := c.Read(make([]byte, 1))
	return err != nil
}

func TestAcceptWaitsOutTemporaryErrors(t *testing.T) {
	inner := listen(t)
	var logged []string
	l := Limit(&flakyListener{Listener: inner, fails: []error{syscall.EMFILE, syscall.ENFILE, syscall.EMFILE}},
		Options{MaxConns: 4, Logf: func(f string, a ...any) { logged = append(logged, f) }})
	dial(t, inner.Addr().String())
	c, err := l.Accept()
	if err != nil {
		t.Fatalf("Accept after temporary errors: %v", err)
	}
	c.Close()
	if len(logged) != 3 {
		t.Errorf("logged %d accept errors, want 3", len(logged))
	}
}

func TestAcceptEndsOnAPermanentErrorAndOnClose(t *testing.T) {
	inner := listen(t)
	l := Limit(&flakyListener{Listener: inner, fails: []error{syscall.EINVAL}}, Options{MaxConns: 1})
	if _, err := l.Accept(); !errors.Is(err, syscall.EINVAL) {
		t.Fatalf("permanent error: %v", err)
	}
	// The failed Accept gave its place back: the next one still gets one.
	dial(t, inner.Addr().String())
	c, err := l.Accept()
	if err != nil {
		t.Fatal(err)
	}
	c.Close()
	l.Close()
	if _, err := l.Accept(); !errors.Is(err, net.ErrClosed) {
		t.Fatalf("after Close: %v", err)
	}
}

// A full listener makes room by closing the connection that has waited longest; one that
// is busy is left alone.
func TestFullListenerClosesTheLongestWaiting(t *testing.T) {
	inner := listen(t)
	l := Limit(inner, Options{MaxConns: 3})
	var clients, servers []net.Conn
	for range 3 {
		clients = append(clients, dial(t, inner.Addr().String()))
		c, err := l.Accept()
		if err != nil {
			t.Fatal(err)
		}
		servers = append(servers, c)
	}
	l.Busy(servers[0]) // the oldest is doing something
	clients = append(clients, dial(t, inner.Addr().String()))
	fourth, err := l.Accept()
	if err != nil {
		t.Fatal(err)
	}
	defer fourth.Close()
	if !closedByServer(clients[1]) {
		t.Error("the longest-waiting connection is still open")
	}
	// The busy one and the newer ones still talk.
	for _, i := range []int{0, 2} {
		if _, err := servers[i].Write([]byte("x")); err != nil {
			t.Errorf("server side %d: %v", i, err)
		}
		if _, err := io.ReadFull(clients[i], make([]byte, 1)); err != nil {
			t.Errorf("connection %d was closed: %v", i, err)
		}
	}
	if got := l.WaitingConns(); got != 2 {
		t.Errorf("%d waiting, want 2 (the third and the fourth)", got)
	}
}

// MaxWaiting bounds the waiting connections below MaxConns, as OpenSSH's MaxStartups does.
func TestMaxWaitingClosesTheLongestWaiting(t *testing.T) {
	inner := listen(t)
	l := Limit(inner, Options{MaxConns: 10, MaxWaiting: 2})
	var clients []net.Conn
	for range 3 {
		clients = append(clients, dial(t, inner.Addr().String()))
		c, err := l.Accept()
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
	}
	if !closedByServer(clients[0]) {
		t.Error("the first of three waiting connections is still open with MaxWaiting 2")
	}
	if got := l.WaitingConns(); got != 2 {
		t.Errorf("%d waiting, want 2", got)
	}
}
