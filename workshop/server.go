// Package workshop serves the walkthrough over SSH to a room of attendees:
// each one types `ssh -p 23234 NAME@host`, gets the same screens the local
// walkthrough shows, on a sandbox of their own, and resumes where they were
// when their connection drops. The instructor watches the room on a
// dashboard, sends everyone a message and holds the room at a step.
//
// Attendees have no shell and no port forwarding: their sandboxes listen on
// loopback ports of the server that only the server's own processes reach,
// and each checks signatures with its own key.
package workshop

import (
	"errors"
	"fmt"
	"net"
	"path/filepath"
	"runtime/debug"
	"strings"
	"sync"
	"time"

	tea "charm.land/bubbletea/v2"
	"charm.land/ssh"
	"charm.land/wish/v2"
	"charm.land/wish/v2/bubbletea"

	"rotation-tutor/internal/netguard"
	"rotation-tutor/rotation/probe"
	"rotation-tutor/sandbox/bastion"
	"rotation-tutor/tui"
)

// Options configure New.
type Options struct {
	// StateDir keeps the host key (unless HostKeyFile says otherwise) and
	// every attendee's progress and sandbox data.
	StateDir    string
	HostKeyFile string
	Access      Access
	// MaxSessions bounds the SSH sessions at once (attendees and the
	// instructor); 0 means 60.
	MaxSessions int
	// IdleTimeout ends a session when no key has been pressed for this
	// long; 0 means 30 minutes.
	IdleTimeout time.Duration
	// MaxSessionDuration ends any session this long after it began; 0 means
	// 4 hours.
	MaxSessionDuration time.Duration
	// Grace is how long a disconnected attendee's sandbox keeps running, so
	// that a dropped connection comes back to it at once; 0 stops it at
	// once. Their progress and data stay either way.
	Grace time.Duration
	// Engine is the sandboxes' database ("" or "gms": embedded).
	Engine string
	// RequireTLS makes the sandboxes' databases refuse plain text (--db-require-tls).
	RequireTLS bool
	// ProbeClients and ProbePause set the live screen's simulated clients:
	// how many, and the pause between one client's logins (0: the
	// walkthrough's own defaults).
	ProbeClients int
	ProbePause   time.Duration
	// ProbeBudget, when set, is the logins a second that every attendee's
	// simulated clients share (serve's --probe-logins).
	ProbeBudget *probe.Budget
	// SelfCommand runs this program, for the commands the walkthrough shows.
	SelfCommand string
	// Join is how attendees connect, for the dashboard.
	Join string
	// Logf hears who joined, left and was refused; nil is silent. It never
	// receives a secret.
	Logf func(format string, args ...any)

	// wrapModel, in tests, wraps each walkthrough's model (to make one
	// panic).
	wrapModel func(tea.Model) tea.Model
}

// Defaults for Options, and the connection bounds. Like OpenSSH's
// MaxStartups, connections that have not logged in are counted apart: at
// most a room's worth (MaxSessions, and never fewer than
// minUnauthenticated) wait at once, each at most loginGraceTime (a person
// types the passphrase in that time); one more closes the one that has waited
// longest. A room arrives all at once when the instructor says go: fewer
// places would turn away its last few.
const (
	defaultMaxSessions = 60
	defaultIdleTimeout = 30 * time.Minute
	defaultMaxDuration = 4 * time.Hour
	minUnauthenticated = 32
	loginGraceTime     = time.Minute
	hostKeyFile        = "workshop_host_ed25519_key"
)

func (o *Options) logf(format string, args ...any) {
	if o.Logf != nil {
		o.Logf(format, args...)
	}
}

// Server is a workshop: an SSH server and the room behind it.
type Server struct {
	o      Options
	ssh    *ssh.Server
	tries  *attempts
	people *registry

	mu       sync.Mutex
	guard    *netguard.Listener
	room     tui.Room
	programs map[*tea.Program]struct{} // every walkthrough running, to tell the room's changes
	sessions int
	closed   bool

	kick      chan struct{} // the room changed: the broadcaster tells every program
	stop      chan struct{}
	handlers  sync.WaitGroup      // SSH sessions being served
	bcast     chan struct{}       // closed when the broadcaster has returned
	conns     sync.WaitGroup      // connections accepted, logged in or not
	open      map[string]net.Conn // by connKey
	bySession map[ssh.Session]*served
}

// New checks o and builds the server; Serve starts it.
func New(o Options) (*Server, error) {
	if err := o.Access.validate(); err != nil {
		return nil, err
	}
	if o.StateDir == "" {
		return nil, errors.New("workshop: a state directory is required")
	}
	if o.MaxSessions <= 0 {
		o.MaxSessions = defaultMaxSessions
	}
	if o.IdleTimeout <= 0 {
		o.IdleTimeout = defaultIdleTimeout
	}
	if o.MaxSessionDuration <= 0 {
		o.MaxSessionDuration = defaultMaxDuration
	}
	if o.HostKeyFile == "" {
		o.HostKeyFile = filepath.Join(o.StateDir, hostKeyFile)
	}
	key, err := bastion.LoadOrCreateClientKey(o.HostKeyFile)
	if err != nil {
		return nil, fmt.Errorf("workshop: host key: %w", err)
	}
	s := &Server{o: o, tries: newAttempts(), programs: map[*tea.Program]struct{}{},
		kick: make(chan struct{}, 1), stop: make(chan struct{}), open: map[string]net.Conn{}}
	s.people = newRegistry(&s.o)
	s.ssh, err = wish.NewServer(
		wish.WithHostKeyPEM(key.PrivatePEM),
		wish.WithVersion("RotationTutorWorkshop_1.0"),
		wish.WithPublicKeyAuth(s.publicKey),
		wish.WithKeyboardInteractiveAuth(s.keyboardInteractive),
		wish.WithMiddleware(
			bubbletea.MiddlewareWithProgramHandler(s.program), // runs the program, then the end below
			s.guardSession,
		),
	)
	if err != nil {
		return nil, fmt.Errorf("workshop: %w", err)
	}
	s.ssh.HandshakeTimeout = loginGraceTime
	// Backstops for connections that never open a session; sessions have
	// their own timers, which say why they end.
	s.ssh.IdleTimeout = o.IdleTimeout
	s.ssh.ConnCallback = s.track
	s.ssh.ConnectionCloseCallback = s.untrack
	s.bcast = make(chan struct{})
	go s.broadcast()
	return s, nil
}

// HostKey is the server's public host key, for the fingerprint to announce.
func (s *Server) HostKey() ssh.PublicKey { return s.ssh.HostSigners[0].PublicKey() }

// Serve serves on l until Close; it returns nil after Close.
func (s *Server) Serve(l net.Listener) error {
	waiting := max(s.o.MaxSessions, minUnauthenticated)
	g := netguard.Limit(l, netguard.Options{
		MaxConns: s.o.MaxSessions + waiting, MaxWaiting: waiting,
		Logf: func(format string, args ...any) { s.o.logf(format, args...) },
	})
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		g.Close()
		return nil
	}
	s.guard = g
	s.mu.Unlock()
	err := s.ssh.Serve(g)
	if errors.Is(err, ssh.ErrServerClosed) || errors.Is(err, net.ErrClosed) {
		return nil
	}
	return err
}

// stopGrace is how long Close lets the sessions end on their own, each with
// its last line, before it cuts the connections.
const stopGrace = 5 * time.Second

// Close ends every session (each attendee is told how to resume) and every
// connection, stops every attendee's sandbox (their progress stays), and
// waits until nothing of the server runs.
func (s *Server) Close() error {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return nil
	}
	s.closed = true
	guard := s.guard
	var running []*tea.Program
	for _, st := range s.bySession {
		st.set(func(st *served) {
			st.reason = "the workshop has stopped"
			if st.program != nil {
				running = append(running, st.program)
			}
		})
	}
	s.mu.Unlock()
	for _, p := range running {
		p.Quit() // not under the lock: a program still starting reads the room
	}
	if guard != nil {
		guard.Close() // no one new
	}
	ended := make(chan struct{})
	go func() {
		s.handlers.Wait()
		close(ended)
	}()
	select {
	case <-ended:
	case <-time.After(stopGrace):
	}
	s.mu.Lock()
	for _, c := range s.open {
		c.Close()
	}
	s.mu.Unlock()
	err := s.ssh.Close()
	close(s.stop)
	<-s.bcast
	s.conns.Wait()
	<-ended
	s.people.close()
	if errors.Is(err, net.ErrClosed) {
		err = nil
	}
	return err
}

// track counts an accepted connection; untrack, called when its handling
// ends, lets Close know.
func (s *Server) track(ctx ssh.Context, c net.Conn) net.Conn {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return nil
	}
	s.open[connKey(c)] = c
	s.conns.Add(1)
	ctx.SetValue(guardConnKey{}, c)
	return c
}

func (s *Server) untrack(c net.Conn) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if k := connKey(c); s.open[k] != nil {
		delete(s.open, k)
		s.conns.Done()
	}
}

// connKey names a TCP connection by its two ends: the SSH server hands
// untrack a wrapper of what track saw, with the same addresses.
func connKey(c net.Conn) string { return c.RemoteAddr().String() + "|" + c.LocalAddr().String() }

// Attendees, Room and SetRoom are what the dashboard reads and steers.
func (s *Server) Attendees() []tui.Attendee { return s.people.list() }

func (s *Server) Room() tui.Room {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.room
}

func (s *Server) SetRoom(r tui.Room) {
	s.mu.Lock()
	s.room = r
	s.mu.Unlock()
	s.o.logf("the room: hold at %d, message %q", r.HoldAt, r.Message)
	select {
	case s.kick <- struct{}{}:
	default: // a broadcast is already due; it sends the latest room
	}
}

// broadcast tells every walkthrough the room's latest state, one program
// after another, so none sees an older state after a newer one.
func (s *Server) broadcast() {
	defer close(s.bcast)
	defer s.recoverInto("telling the room") // the room's word stops; the sessions go on
	for {
		select {
		case <-s.stop:
			return
		case <-s.kick:
		}
		s.mu.Lock()
		msg := tui.RoomMsg{Room: s.room}
		ps := make([]*tea.Program, 0, len(s.programs))
		for p := range s.programs {
			ps = append(ps, p)
		}
		s.mu.Unlock()
		for _, p := range ps {
			p.Send(msg) // returns at once once p has ended
		}
	}
}

// recoverInto keeps a panic in one of the server's own goroutines from ending
// the process: it goes to the log, with what was being done.
func (s *Server) recoverInto(what string) {
	if r := recover(); r != nil {
		s.o.logf("%s: internal error: %v\n%s", what, r, debug.Stack())
	}
}

// joinAs is how someone connects under name, for the messages that say so.
func (s *Server) joinAs(name string) string {
	if s.o.Join == "" {
		return "ssh -p PORT " + name + "@HOST"
	}
	return strings.Replace(s.o.Join, "NAME", name, 1)
}
