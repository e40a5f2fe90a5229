package database

import (
	"context"
	"fmt"
	"net"
	"sync"
)

// inProcess is the embedded database's only way in: a listener with no address. Dial makes a
// connected pair of sockets (socketpair(2): kernel-buffered like TCP, deadlines and half-close
// work, but nothing has a name another process could reach) and hands one end to Accept.
// It is what stands in for the VPC's network between the bastion, the rotation functions
// and an RDS instance in a private subnet.
type inProcess struct {
	conns  chan net.Conn
	done   chan struct{}
	once   sync.Once
	mu     sync.Mutex // guards closed against a Dial racing Close
	closed bool
}

func newInProcess() *inProcess {
	return &inProcess{conns: make(chan net.Conn), done: make(chan struct{})}
}

// Accept returns the server end of the next Dial. It fails only once the listener is
// closed, so the server's accept loop never ends on a passing error.
func (l *inProcess) Accept() (net.Conn, error) {
	select {
	case c := <-l.conns:
		return c, nil
	case <-l.done:
		return nil, net.ErrClosed
	}
}

// Dial connects to the database: it has the shape of dbclient.DialFunc (and of a bastion
// route); network and address are the caller's, for its own errors, and not needed here.
func (l *inProcess) Dial(ctx context.Context, _, _ string) (net.Conn, error) {
	client, server, err := socketPair()
	if err != nil {
		return nil, fmt.Errorf("database: connect: %w", err)
	}
	select {
	case l.conns <- server:
		return client, nil
	case <-l.done:
		err = fmt.Errorf("database: connect: %w", net.ErrClosed)
	case <-ctx.Done():
		err = fmt.Errorf("database: connect: %w", ctx.Err())
	}
	client.Close()
	server.Close()
	return nil, err
}

func (l *inProcess) Close() error {
	l.once.Do(func() { close(l.done) })
	return nil
}

func (l *inProcess) Addr() net.Addr { return vpcAddr{vpcDatabaseAddr} }

// The addresses in-process connections report. MySQL matches a login's host against the
// client's address, so a client reaching the database this way appears to come from inside
// the VPC, as a bastion's or a Lambda's connection to RDS does: never from localhost, so an
// account for 'localhost' only is as unreachable through the bastion as it is on RDS.
const (
	vpcDatabaseAddr = "10.0.2.10:3306"
	vpcClientAddr   = "10.0.1.10:0"
)

type vpcAddr struct{ s string }

func (a vpcAddr) Network() string { return "tcp" }
func (a vpcAddr) String() string  { return a.s }
