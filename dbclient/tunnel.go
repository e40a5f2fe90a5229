package dbclient

import (
	"context"
	"errors"
	"net"
	"sync"
	"time"

	"golang.org/x/crypto/ssh"
)

// ErrTunnelClosed is returned by a Tunnel after Close.
var ErrTunnelClosed = errors.New("dbclient: tunnel closed")

// Tunnel is an SSH connection to a bastion that opens TCP connections on the
// far side. It reconnects by itself after the link drops; connections open
// at the time die with it (database/sql then dials new ones).
type Tunnel struct {
	cfg  SSHConfig
	auth *keyAuth
	hk   *hostKeys

	life context.Context // cancelled by Close
	end  context.CancelFunc
	wg   sync.WaitGroup // every goroutine the tunnel starts

	mu         sync.Mutex
	client     *link
	connecting chan struct{} // closed when the running connect attempt ends
	closed     bool
	forwards   map[net.Listener]struct{}
	fp, ver    string
	reconnects int
}

// OpenTunnel connects and logs in to the bastion. ctx bounds this first
// connection only; the tunnel lives until Close.
func OpenTunnel(ctx context.Context, c SSHConfig) (*Tunnel, error) {
	auth, err := loadAuth(c)
	if err != nil {
		return nil, err
	}
	life, end := context.WithCancel(context.Background())
	t := &Tunnel{
		cfg: c, auth: auth,
		hk:   &hostKeys{file: c.knownHostsFile(), onNew: c.OnUnknownHost},
		life: life, end: end,
		forwards: map[net.Listener]struct{}{},
	}
	if _, err := t.get(ctx); err != nil {
		t.Close()
		return nil, err
	}
	t.mu.Lock()
	t.reconnects = 0
	t.mu.Unlock()
	return t, nil
}

// HostKeyFingerprint is the bastion's host key fingerprint (SHA256:…).
func (t *Tunnel) HostKeyFingerprint() string {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.fp
}

// ServerVersion is the bastion's SSH version string, e.g. SSH-2.0-OpenSSH_9.2p1.
func (t *Tunnel) ServerVersion() string {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.ver
}

// Reconnects counts the connections made after the first one.
func (t *Tunnel) Reconnects() int {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.reconnects
}

// get returns the live SSH client, connecting first if there is none. One
// caller connects; the others wait for it (or for their own ctx).
func (t *Tunnel) get(ctx context.Context) (*link, error) {
	for {
		t.mu.Lock()
		switch {
		case t.closed:
			t.mu.Unlock()
			return nil, ErrTunnelClosed
		case t.client != nil:
			c := t.client
			t.mu.Unlock()
			return c, nil
		case t.connecting != nil:
			wait := t.connecting
			t.mu.Unlock()
			select {
			case <-wait:
				continue
			case <-ctx.Done():
				return nil, ctx.Err()
			}
		}
		done := make(chan struct{})
		t.connecting = done
		t.mu.Unlock()

		cctx, cancel := context.WithCancel(ctx)
		stop := context.AfterFunc(t.life, cancel)
		c, err := t.dialTrusting(cctx)
		stop()
		cancel()

		t.mu.Lock()
		t.connecting = nil
		close(done)
		if err == nil && t.closed {
			c.Close()
			err = ErrTunnelClosed
		}
		if err != nil {
			t.mu.Unlock()
			return nil, err
		}
		t.client = c
		t.reconnects++
		if k := t.hk.presented(); k != nil {
			t.fp = ssh.FingerprintSHA256(k)
		}
		t.ver = string(c.ServerVersion())
		t.wg.Add(1)
		go t.watch(c)
		t.mu.Unlock()
		return c, nil
	}
}

// dialTrusting connects; a bastion known_hosts lacks is put to OnUnknownHost
// between two attempts, with no connection open and no deadline running, and
// once trusted (and recorded) it is dialled again.
func (t *Tunnel) dialTrusting(ctx context.Context) (*link, error) {
	c, err := dialSSH(ctx, t.cfg, t.auth, t.hk)
	if err == nil {
		return c, nil
	}
	host, key, ok := t.hk.unknown()
	if !ok {
		return nil, err
	}
	trusted, terr := t.hk.trust(host, key)
	switch {
	case terr != nil:
		return nil, terr
	case !trusted || ctx.Err() != nil:
		return nil, err
	}
	return dialSSH(ctx, t.cfg, t.auth, t.hk)
}

// watch keeps c alive with keepalives and forgets it when it dies, so that
// the next dial reconnects.
func (t *Tunnel) watch(c *link) {
	defer t.wg.Done()
	dead := make(chan struct{})
	var kw sync.WaitGroup
	if every := t.keepAlive(); every > 0 {
		kw.Add(1)
		go func() {
			defer kw.Done()
			keepAlive(c.Client, every, dead)
		}()
	}
	_ = c.Wait() // returns when the connection ends, for any reason
	close(dead)
	kw.Wait()
	t.mu.Lock()
	if t.client == c {
		t.client = nil
	}
	t.mu.Unlock()
}

func (t *Tunnel) keepAlive() time.Duration {
	switch {
	case t.cfg.KeepAlive < 0:
		return 0
	case t.cfg.KeepAlive == 0:
		return defaultKeepAlive
	}
	return t.cfg.KeepAlive
}

// keepAlive sends keepalive@openssh.com every interval and closes c when one
// goes unanswered for an interval: a link that died silently (NAT timeout,
// suspended laptop) is otherwise noticed only after minutes of TCP retries.
// OpenSSH answers "failure"; any answer means alive.
func keepAlive(c *ssh.Client, every time.Duration, dead <-chan struct{}) {
	tick := time.NewTicker(every)
	defer tick.Stop()
	for {
		select {
		case <-dead:
			return
		case <-tick.C:
		}
		timer := time.AfterFunc(every, func() { c.Close() }) // unblocks SendRequest
		_, _, err := c.SendRequest("keepalive@openssh.com", true, nil)
		timer.Stop()
		if err != nil {
			c.Close()
			return
		}
	}
}

// drop forgets c if it is still the current client (its link failed), so
// that the next get reconnects.
func (t *Tunnel) drop(c *link) {
	t.mu.Lock()
	if t.client == c {
		t.client = nil
	}
	t.mu.Unlock()
	c.Close()
}

// Close closes the SSH connection, every forward listener and every
// tunnelled connection, and waits for the tunnel's goroutines.
func (t *Tunnel) Close() error {
	t.mu.Lock()
	if t.closed {
		t.mu.Unlock()
		return nil
	}
	t.closed = true
	c := t.client
	t.client = nil
	fwd := t.forwards
	t.forwards = nil
	t.mu.Unlock()

	t.end()
	for l := range fwd {
		l.Close()
	}
	if c != nil {
		c.Close()
	}
	t.wg.Wait()
	t.auth.close()
	return nil
}
