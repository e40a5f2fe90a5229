// Package bastion is the sandbox's EC2 bastion: an SSH server on a loopback
// port that lets one user in with a public key and forwards TCP
// (direct-tcpip, what `ssh -L` and dbclient's tunnel ask for) only to an
// exact allow-list of internal addresses, each mapped to where the service
// really listens. It runs no shell and no commands.
package bastion

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"sync"
	"time"

	"golang.org/x/crypto/ssh"

	"rotation-tutor/dbclient"
	"rotation-tutor/internal/loopback"
	"rotation-tutor/internal/netguard"
)

// Options configure Start.
type Options struct {
	// StateDir keeps the host key, so that known_hosts stays valid across
	// restarts. Empty means a new key at every start.
	StateDir string
	// User is the login name, "ec2-user" when empty.
	User string
	// AuthorizedKeys may log in as User.
	AuthorizedKeys []ssh.PublicKey
	// Routes is the forwarding allow-list: an internal "host:port" as the
	// client asks for it, e.g.
	// "secretsmanagertutorial.abc123.us-east-1.rds.sandbox.internal:3306",
	// mapped to how the bastion reaches that service (the database's
	// in-process Dial: it has no address of its own). Matching is exact and
	// literal; nothing else is reachable.
	Routes map[string]dbclient.DialFunc
	// MaxChannels bounds the forwarded connections open at once over all
	// clients; 0 means 256.
	MaxChannels int
	// IdleTimeout closes a client connection that has had no channel open
	// for this long (OpenSSH's UnusedConnectionTimeout); 0 means 10 minutes.
	IdleTimeout time.Duration
	// Logf, when set, receives one line per notable event (login, refused
	// forward). Nil is silent.
	Logf func(format string, args ...any)
	// Port is the loopback port to listen on when it is free; 0, or a port
	// in use, means one the system picks.
	Port int
	// Policy, if set, decides what the bastion's surroundings allow; nil allows all.
	Policy Policy
}

// Defaults for Options, and the connection limits.
//
// Like OpenSSH, the bastion counts connections that have not logged in yet
// apart from sessions (its MaxStartups): at most maxUnauthenticated of them
// wait at once, each for at most loginGraceTime (OpenSSH's LoginGraceTime is
// 120 s; a key login over loopback takes milliseconds, and an agent's prompt
// fits in 20 s). One more closes the one that has waited longest, so silent
// connections push each other out while a real client, which logs in at
// once, gets through. Logged-in sessions have their own limit.
const (
	DefaultUser        = "ec2-user"
	defaultMaxChannels = 256
	defaultIdleTimeout = 10 * time.Minute
	loginGraceTime     = 20 * time.Second
	dialTimeout        = 5 * time.Second
	maxSessions        = 64
	maxUnauthenticated = 32
)

// Bastion is a running SSH bastion.
type Bastion struct {
	ln      *netguard.Listener
	cfg     *ssh.ServerConfig
	hostKey ssh.Signer
	o       Options
	slots   chan struct{} // one token per open channel

	mu       sync.Mutex
	keyMod   time.Time // the host key file's, when it was read
	conns    map[net.Conn]struct{}
	sessions int // connections logged in
	closed   bool
	wg       sync.WaitGroup // the accept loop and every connection's goroutines
}

// Start listens on 127.0.0.1 (Options.Port if free, else a port the system
// picks) and serves until Close.
func Start(ctx context.Context, o Options) (*Bastion, error) {
	if o.User == "" {
		o.User = DefaultUser
	}
	if o.MaxChannels <= 0 {
		o.MaxChannels = defaultMaxChannels
	}
	if o.IdleTimeout <= 0 {
		o.IdleTimeout = defaultIdleTimeout
	}
	if len(o.AuthorizedKeys) == 0 {
		return nil, errors.New("bastion: no authorized keys: nobody could log in")
	}
	for from, to := range o.Routes {
		if _, _, err := net.SplitHostPort(from); err != nil {
			return nil, fmt.Errorf("bastion: route %q: want host:port: %w", from, err)
		}
		if to == nil {
			return nil, fmt.Errorf("bastion: route %q leads nowhere", from)
		}
	}
	key, err := loadOrCreateHostKey(o.StateDir)
	if err != nil {
		return nil, err
	}
	inner, err := loopback.Listen(ctx, o.Port)
	if err != nil {
		return nil, fmt.Errorf("bastion: listen on loopback: %w", err)
	}
	b := &Bastion{
		hostKey: key, o: o,
		slots: make(chan struct{}, o.MaxChannels),
		conns: map[net.Conn]struct{}{},
	}
	b.ln = netguard.Limit(inner, netguard.Options{
		MaxConns: maxSessions + maxUnauthenticated, MaxWaiting: maxUnauthenticated,
		Logf: func(format string, args ...any) { b.logf("bastion: "+format, args...) },
	})
	b.cfg = &ssh.ServerConfig{
		ServerVersion:     "SSH-2.0-RotationTutorBastion_1.0",
		PublicKeyCallback: b.checkKey,
		// No password or keyboard-interactive callback: those methods are
		// never offered, as on an EC2 instance.
	}
	b.cfg.AddHostKey(key)
	if o.StateDir != "" {
		if fi, err := os.Stat(filepath.Join(o.StateDir, HostKeyFile)); err == nil {
			b.keyMod = fi.ModTime()
		}
	}
	b.wg.Add(1)
	go b.acceptLoop()
	return b, nil
}

// Addr is the bastion's loopback address, 127.0.0.1:port.
func (b *Bastion) Addr() string { return b.ln.Addr().String() }

// HostKey is the public host key clients should expect.
func (b *Bastion) HostKey() ssh.PublicKey {
	b.hostKeyNow()
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.hostKey.PublicKey()
}

// User is the login name.
func (b *Bastion) User() string { return b.o.User }

// DropAll cuts every client connection at once, as a network failure would.
// New connections are still accepted.
func (b *Bastion) DropAll() {
	b.mu.Lock()
	defer b.mu.Unlock()
	for c := range b.conns {
		c.Close()
	}
}

// Close stops listening, closes every connection and waits until all of the
// bastion's goroutines have returned. It is safe to call more than once.
func (b *Bastion) Close() error {
	b.mu.Lock()
	if b.closed {
		b.mu.Unlock()
		return nil
	}
	b.closed = true
	err := b.ln.Close()
	for c := range b.conns {
		c.Close()
	}
	b.mu.Unlock()
	b.wg.Wait()
	return err
}

func (b *Bastion) logf(format string, args ...any) {
	if b.o.Logf != nil {
		b.o.Logf(format, args...)
	}
}

// acceptLoop ends only when Close closes the listener: the listener itself
// waits out a shortage of descriptors.
func (b *Bastion) acceptLoop() {
	defer b.wg.Done()
	for {
		c, err := b.ln.Accept()
		if err != nil {
			return // closed
		}
		if !b.track(c) {
			c.Close()
			continue
		}
		b.wg.Add(1)
		go b.serve(c)
	}
}

// track registers c, refusing it once the bastion is closed.
func (b *Bastion) track(c net.Conn) bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.closed {
		return false
	}
	b.conns[c] = struct{}{}
	return true
}

func (b *Bastion) untrack(c net.Conn) {
	b.mu.Lock()
	delete(b.conns, c)
	b.mu.Unlock()
}

// logIn counts c as a session once it has authenticated: from then on it is
// not a waiting connection that a newcomer may push out. It refuses a session
// beyond maxSessions.
func (b *Bastion) logIn(c net.Conn) bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.sessions >= maxSessions {
		return false
	}
	b.sessions++
	b.ln.Busy(c)
	return true
}

func (b *Bastion) logOut() {
	b.mu.Lock()
	b.sessions--
	b.mu.Unlock()
}
