package bastion

import (
	"context"
	"errors"
	"fmt"
	"net"
	"strconv"
	"sync"

	"golang.org/x/crypto/ssh"

	"rotation-tutor/dbclient"
	"rotation-tutor/internal/relay"
)

// directTCPIP is the payload of a "direct-tcpip" channel open (RFC 4254 7.2).
type directTCPIP struct {
	DestHost string
	DestPort uint32
	OrigHost string
	OrigPort uint32
}

// openChannel accepts a direct-tcpip channel to an allowed destination and
// starts copying; it refuses everything else with a one-line reason that
// OpenSSH shows as "open failed: …".
//
// connDone is cancelled when the client's connection has ended: a channel
// still copying then closes its service side too, so that a service that
// ignores a half-close cannot keep the goroutines (and Close) waiting.
func (b *Bastion) openChannel(connDone context.Context, sc *ssh.ServerConn, nc ssh.NewChannel, idle *idleTimer, wg *sync.WaitGroup) {
	switch nc.ChannelType() {
	case "direct-tcpip":
	case "session":
		_ = nc.Reject(ssh.Prohibited, "this bastion only forwards TCP to the database (ssh -N -L); it runs no shell or commands")
		return
	default:
		_ = nc.Reject(ssh.UnknownChannelType, "only direct-tcpip (ssh -L) is supported")
		return
	}
	var d directTCPIP
	if err := ssh.Unmarshal(nc.ExtraData(), &d); err != nil {
		_ = nc.Reject(ssh.ConnectionFailed, "malformed direct-tcpip request")
		return
	}
	// The allow-list is checked on the destination the client asked for,
	// literally; the origin is the client's claim and only logged.
	dest := net.JoinHostPort(d.DestHost, strconv.Itoa(int(d.DestPort)))
	if p := b.o.Policy; p != nil && !p.ForwardingAllowed() {
		b.logf("bastion: refused forward to %s for %s: AllowTcpForwarding no", dest, sc.RemoteAddr())
		_ = nc.Reject(ssh.Prohibited, "open failed")
		return
	}
	real, ok := b.route(dest)
	if !ok {
		b.logf("bastion: refused forward to %s for %s (origin %s:%d)", dest, sc.RemoteAddr(), d.OrigHost, d.OrigPort)
		_ = nc.Reject(ssh.Prohibited, "destination not allowed: "+dest)
		return
	}
	select {
	case b.slots <- struct{}{}:
	default:
		_ = nc.Reject(ssh.ResourceShortage, fmt.Sprintf("too many open channels (limit %d)", b.o.MaxChannels))
		return
	}
	dialCtx, cancel := context.WithTimeout(connDone, dialTimeout)
	var up net.Conn
	var err error
	if p := b.o.Policy; p != nil && !p.Reaches(dest) {
		<-dialCtx.Done() // the database's security group drops the bastion's connection
		err = &net.OpError{Op: "dial", Net: "tcp", Err: errTimeout{}}
	} else {
		up, err = real(dialCtx, "tcp", dest)
	}
	cancel()
	if err != nil {
		<-b.slots
		// Say what failed in the client's own terms.
		_ = nc.Reject(ssh.ConnectionFailed, "connect to "+dest+" failed: "+reason(err))
		return
	}
	ch, reqs, err := nc.Accept()
	if err != nil {
		<-b.slots
		up.Close()
		return
	}
	idle.channelOpened()
	wg.Add(3)
	go func() {
		defer wg.Done()
		ssh.DiscardRequests(reqs)
	}()
	var once sync.Once
	var stop func() bool
	done := func() {
		once.Do(func() {
			stop()
			ch.Close()
			up.Close()
			<-b.slots
			idle.channelClosed()
		})
	}
	stop = context.AfterFunc(connDone, done)
	go func() { // client -> service
		defer wg.Done()
		_, _ = relay.Copy(up, ch)
		if hc, ok := up.(interface{ CloseWrite() error }); ok {
			_ = hc.CloseWrite() // pass the client's EOF on; the reply may still come
		}
	}()
	go func() { // service -> client; the service closing ends the channel
		defer wg.Done()
		defer done()
		_, _ = relay.Copy(ch, up)
	}()
}

type errTimeout struct{}

func (errTimeout) Error() string   { return "i/o timeout" }
func (errTimeout) Timeout() bool   { return true }
func (errTimeout) Temporary() bool { return true }

// reason is a dial error's last part, e.g. "connection refused".
func reason(err error) string {
	var op *net.OpError
	if errors.As(err, &op) && op.Err != nil {
		return op.Err.Error()
	}
	return err.Error()
}

// route is how an allowed destination is reached.
func (b *Bastion) route(dest string) (dbclient.DialFunc, bool) {
	real, ok := b.o.Routes[dest]
	return real, ok
}
