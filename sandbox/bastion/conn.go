package bastion

import (
	"context"
	"net"
	"sync"
	"time"

	"golang.org/x/crypto/ssh"
)

// serve runs one client connection until it ends, then waits for its
// channels' goroutines.
func (b *Bastion) serve(c net.Conn) {
	defer b.wg.Done()
	defer b.untrack(c)
	defer c.Close()

	if p := b.o.Policy; p != nil && !p.AdmitsClient(c.RemoteAddr()) {
		b.logf("bastion: dropped %s: the security group does not let it in on port 22", c.RemoteAddr())
		b.silence(c)
		return
	}
	// A client that connects and never logs in must not hold a place for long.
	_ = c.SetDeadline(time.Now().Add(loginGraceTime))
	sc, chans, reqs, err := ssh.NewServerConn(c, b.hostKeyNow())
	if err != nil {
		return
	}
	_ = c.SetDeadline(time.Time{})
	if !b.logIn(c) {
		b.logf("bastion: refused %s from %s: %d sessions already open", sc.User(), sc.RemoteAddr(), maxSessions)
		sc.Close()
		return
	}
	defer b.logOut()
	b.logf("bastion: %s logged in from %s (%s, key %s)", sc.User(), sc.RemoteAddr(), sc.ClientVersion(), sc.Permissions.Extensions["pubkey-fp"])

	// The timer's function only closes the connection: it may still be
	// running when serve returns, so it must not touch anything else.
	idle := newIdleTimer(b.o.IdleTimeout, func() { sc.Close() })
	defer idle.stop()

	var wg sync.WaitGroup
	defer wg.Wait()
	wg.Add(1)
	go func() {
		defer wg.Done()
		globalRequests(reqs)
	}()
	connDone, end := context.WithCancel(context.Background())
	for nc := range chans {
		b.openChannel(connDone, sc, nc, idle, &wg)
	}
	sc.Close() // ends the channels still open, so wg.Wait returns
	end()
	if idle.fired() {
		b.logf("bastion: closed %s: no channel open for %s", sc.RemoteAddr(), b.o.IdleTimeout)
	}
}

// globalRequests answers keepalives (so clients with ServerAliveInterval stay
// connected) and declines the rest: tcpip-forward (ssh -R),
// no-more-sessions@openssh.com, and anything else.
func globalRequests(reqs <-chan *ssh.Request) {
	for r := range reqs {
		if r.WantReply {
			_ = r.Reply(r.Type == "keepalive@openssh.com", nil)
		}
	}
}

// idleTimer fires when no channel has been open for the timeout.
type idleTimer struct {
	mu      sync.Mutex
	open    int
	t       *time.Timer
	d       time.Duration
	stopped bool
	didFire bool
}

func newIdleTimer(d time.Duration, f func()) *idleTimer {
	it := &idleTimer{d: d}
	it.t = time.AfterFunc(d, func() {
		it.mu.Lock()
		it.didFire = true
		it.mu.Unlock()
		f()
	})
	return it
}

func (it *idleTimer) fired() bool {
	it.mu.Lock()
	defer it.mu.Unlock()
	return it.didFire
}

func (it *idleTimer) channelOpened() {
	it.mu.Lock()
	defer it.mu.Unlock()
	it.open++
	it.t.Stop()
}

func (it *idleTimer) channelClosed() {
	it.mu.Lock()
	defer it.mu.Unlock()
	if it.open--; it.open == 0 && !it.stopped {
		it.t.Reset(it.d)
	}
}

func (it *idleTimer) stop() {
	it.mu.Lock()
	defer it.mu.Unlock()
	it.stopped = true
	it.t.Stop()
}
