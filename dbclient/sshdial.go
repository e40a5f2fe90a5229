package dbclient

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"sync/atomic"
	"time"

	"golang.org/x/crypto/ssh"
)

// dialSSH connects and logs in to the bastion under one deadline covering
// TCP, the SSH handshake and authentication. ssh.Dial's Timeout covers only
// the TCP connect: a server that accepts and never speaks would hang it.
func dialSSH(ctx context.Context, c SSHConfig, auth *keyAuth, hk *hostKeys) (*link, error) {
	timeout := c.Timeout
	if timeout <= 0 {
		timeout = defaultSSHTimeout
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	addr := c.addr()

	var d net.Dialer
	conn, err := d.DialContext(ctx, "tcp", addr)
	if err != nil {
		if ce := classifyNet(err, HopBastionDNS, HopBastionTCP, "the bastion "+addr); ce != nil {
			return nil, ce
		}
		return nil, &Error{Hop: HopBastionTCP, What: "cannot connect to the bastion " + addr, Err: err}
	}
	if dl, ok := ctx.Deadline(); ok {
		_ = conn.SetDeadline(dl)
	}
	// Cancelling ctx (or the tunnel closing) interrupts the handshake.
	stop := context.AfterFunc(ctx, func() { _ = conn.SetDeadline(time.Unix(1, 0)) })
	// Once the host key is accepted, the key exchange is over and only the
	// login is left: a refusal after that is the bastion refusing the key.
	var keyAccepted atomic.Bool
	cfg := &ssh.ClientConfig{
		User: c.User,
		Auth: []ssh.AuthMethod{auth.method},
		HostKeyCallback: func(host string, remote net.Addr, key ssh.PublicKey) error {
			err := hk.callback(host, remote, key)
			keyAccepted.Store(err == nil)
			return err
		},
		HostKeyAlgorithms: hk.algorithms(addr, conn.RemoteAddr()),
	}
	lc := &linkConn{Conn: conn}
	sc, chans, reqs, err := ssh.NewClientConn(lc, addr, cfg)
	stopped := stop()
	if err != nil {
		conn.Close()
		return nil, handshakeError(ctx, c, hk, keyAccepted.Load(), err)
	}
	if !stopped { // the deadline was already forced; the conn is unusable
		sc.Close()
		return nil, handshakeError(ctx, c, hk, keyAccepted.Load(), ctx.Err())
	}
	_ = conn.SetDeadline(time.Time{})
	return &link{Client: ssh.NewClient(sc, chans, reqs), conn: lc}, nil
}

// link is one SSH connection to the bastion.
type link struct {
	*ssh.Client
	conn *linkConn
}

// linkConn records that the TCP connection under SSH failed. x/crypto/ssh
// reports a dead link to an open channel as a plain EOF; it reads (and
// fails) here first, so a tunnelled connection can tell "the bastion link
// dropped" from "the database closed the connection".
type linkConn struct {
	net.Conn
	failed atomic.Bool
}

func (c *linkConn) Read(p []byte) (int, error) {
	n, err := c.Conn.Read(p)
	if err != nil {
		c.failed.Store(true)
	}
	return n, err
}

func (c *linkConn) Write(p []byte) (int, error) {
	n, err := c.Conn.Write(p)
	if err != nil {
		c.failed.Store(true)
	}
	return n, err
}

// handshakeError explains a failed SSH handshake by how far it got: the host
// key refused, the algorithms not agreed, the login refused (the key was
// accepted and the link did not drop), or the exchange cut short.
func handshakeError(ctx context.Context, c SSHConfig, hk *hostKeys, keyAccepted bool, err error) error {
	if ce := hk.refusal(); ce != nil && !keyAccepted {
		return ce
	}
	var ne net.Error
	dropped := errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) || errors.As(err, &ne)
	if keyAccepted && ctx.Err() == nil && !dropped {
		return &Error{Hop: HopBastionAuth, What: fmt.Sprintf("the bastion refused %s for user %q", describeKey(c), c.User),
			Fix: fixBastionAuth, Err: err}
	}
	if ctx.Err() != nil || (errors.As(err, &ne) && ne.Timeout()) {
		return &Error{Hop: HopBastionHandshake, What: "the bastion accepted the connection but did not complete SSH in time",
			Fix: "Something at that address is not answering SSH (a proxy, a firewall, or the wrong port).", Err: err}
	}
	if ce := classifySSH(err); ce != nil {
		return ce
	}
	return &Error{Hop: HopBastionHandshake, What: "the SSH exchange with the bastion failed",
		Fix: "Check that the address is the bastion's SSH port (22), not the database's or a web port.", Err: err}
}
