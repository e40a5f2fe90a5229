package workshop

import (
	"errors"
	"fmt"
	"io"
	"net"
	"runtime/debug"
	"strings"
	"sync"
	"time"

	tea "charm.land/bubbletea/v2"
	"charm.land/ssh"
	"charm.land/wish/v2/bubbletea"
	"github.com/charmbracelet/colorprofile"
	gossh "golang.org/x/crypto/ssh"

	"rotation-tutor/tui"
)

// lookEvery is how often an attendee's live screen looks at the world on its
// own. It looks at once after the attendee's keys and whenever slow motion
// holds or lets go a step, so between those only the clients' counters and
// the clock move: once a second shows them, and each look costs a frame
// drawn and sent, for every attendee at once.
const lookEvery = time.Second

// keepAliveEvery is how often a session's client is asked whether it is
// still there; two periods without an answer close the connection, so a
// dropped attendee's name is free again within a minute.
const keepAliveEvery = 20 * time.Second

type guardConnKey struct{}

// served is one SSH session's part of the server: the program on it, and
// what to print when it ends.
type served struct {
	mu      sync.Mutex
	program *tea.Program  // nil until it is built
	end     func() string // after the program: the line to print
	refuse  string        // why the session was turned away before it began
	reason  string        // why the server ended it, if it did
	idle    *time.Timer
	limit   *time.Timer
	idleFor time.Duration // the idle timeout, which each key restarts
}

func (st *served) set(f func(st *served)) {
	st.mu.Lock()
	defer st.mu.Unlock()
	f(st)
}

// guardSession is the outer part of every session: it keeps a panic inside
// the session, bounds the sessions at once, turns away what cannot be served,
// and prints the last line when the program is over.
func (s *Server) guardSession(next ssh.Handler) ssh.Handler {
	return func(sess ssh.Session) {
		s.mu.Lock()
		if s.closed {
			s.mu.Unlock()
			return
		}
		s.handlers.Add(1)
		full := s.sessions >= s.o.MaxSessions
		if !full {
			s.sessions++
		}
		st := &served{}
		s.remember(sess, st)
		s.mu.Unlock()
		defer s.handlers.Done()
		defer func() {
			s.mu.Lock()
			delete(s.bySession, sess)
			if !full {
				s.sessions--
			}
			s.mu.Unlock()
		}()
		defer func() {
			if r := recover(); r != nil {
				s.o.logf("%s: internal error, session ended: %v\n%s", sess.User(), r, debug.Stack())
				_, _ = io.WriteString(sess, "rotation-tutor: this session stopped on an internal error; your progress is kept. ssh again to resume.\n")
				_ = sess.Exit(1)
			}
		}()
		s.mu.Lock()
		guard := s.guard
		s.mu.Unlock()
		if c, ok := sess.Context().Value(guardConnKey{}).(net.Conn); ok && guard != nil {
			guard.Busy(c) // logged in: not a waiting connection a newcomer may push out
		}
		switch _, _, hasPTY := sess.Pty(); {
		case full:
			st.refuse = fmt.Sprintf("the workshop is full (%d sessions); try again in a moment, or ask the instructor", s.o.MaxSessions)
		case len(sess.Command()) > 0:
			st.refuse = "this server runs no commands: connect with " + s.joinAs("NAME") + " and nothing after it"
		case !hasPTY:
			st.refuse = "the walkthrough needs a terminal: connect with ssh -t"
		}
		if st.refuse == "" {
			done := make(chan struct{})
			alive := s.keepAlive(sess, done)
			next(sess) // the program runs, and ends, in here
			close(done)
			<-alive
			st.stopTimers()
		}
		st.mu.Lock()
		line, code := st.refuse, 1
		if st.end != nil {
			line, code = st.end(), 0
			if st.reason != "" {
				line = "rotation-tutor: " + st.reason + ".\n" + line
			}
		}
		st.mu.Unlock()
		if line != "" {
			_, _ = io.WriteString(sess, line+"\n")
		}
		_ = sess.Exit(code)
	}
}

// keepAlive asks the client now and then whether it is there, and closes the
// connection when it does not answer. It stops when done is closed.
func (s *Server) keepAlive(sess ssh.Session, done <-chan struct{}) <-chan struct{} {
	stopped := make(chan struct{})
	conn, ok := sess.Context().Value(ssh.ContextKeyConn).(*gossh.ServerConn)
	if !ok {
		close(stopped)
		return stopped
	}
	go func() {
		defer close(stopped)
		defer s.recoverInto(sess.User() + ": keepalive")
		t := time.NewTicker(keepAliveEvery)
		defer t.Stop()
		for {
			select {
			case <-done:
				return
			case <-t.C:
			}
			gone := time.AfterFunc(2*keepAliveEvery, func() { conn.Close() })
			_, _, err := conn.SendRequest("keepalive@openssh.com", true, nil)
			gone.Stop()
			if err != nil {
				return
			}
		}
	}()
	return stopped
}

// remember records st as sess's; the program handler finds it there. Call
// with s.mu held.
func (s *Server) remember(sess ssh.Session, st *served) {
	if s.bySession == nil {
		s.bySession = map[ssh.Session]*served{}
	}
	s.bySession[sess] = st
}

// program builds the program for an SSH session: the instructor's dashboard,
// or an attendee's walkthrough on their own session. nil turns the session
// away (the reason is in its served).
func (s *Server) program(sess ssh.Session) *tea.Program {
	s.mu.Lock()
	st := s.bySession[sess]
	s.mu.Unlock()
	w, err := s.identify(sess)
	if err != nil {
		st.set(func(st *served) { st.refuse = err.Error() })
		return nil
	}
	opts := s.programOptions(sess, st)
	addr := hostOf(sess.RemoteAddr())
	if w.instructor && !w.present {
		p := tea.NewProgram(s.contain(tui.NewDashboard(sess.Context(), s, tui.DashboardOptions{Join: s.o.Join, AltScreen: true}), st, w.name), opts...)
		s.o.logf("the instructor opened the dashboard from %s", addr)
		st.set(func(st *served) { st.end = func() string { return "" } })
		s.startTimers(st, p)
		return p
	}
	a, err := s.people.acquire(w)
	if err != nil {
		msg := "could not open your place: " + err.Error()
		if errors.Is(err, errTaken) {
			msg = fmt.Sprintf("%s is connected already. If that was you and your connection dropped, it is noticed within a minute; or log in with another name.", w.name)
		}
		s.o.logf("refused %s from %s: %v", w.name, addr, err)
		st.set(func(st *served) { st.refuse = msg })
		return nil
	}
	wt := tui.NewWalkthrough(sess.Context(), a.session, tui.Options{Mode: "workshop sandbox", AltScreen: true, Present: w.present, Room: s.Room(), Served: true,
		LookEvery: lookEvery})
	var m tea.Model = wt.Model()
	if s.o.wrapModel != nil {
		m = s.o.wrapModel(m)
	}
	p := tea.NewProgram(s.contain(m, st, w.name), opts...)
	s.people.attach(a, p)
	s.mu.Lock()
	s.programs[p] = struct{}{}
	s.mu.Unlock()
	s.o.logf("%s joined from %s", w.name, addr)
	began := time.Now()
	st.set(func(st *served) {
		st.end = func() string {
			s.mu.Lock()
			delete(s.programs, p)
			s.mu.Unlock()
			line, crash := wt.Ended()
			if crash != nil {
				s.o.logf("%s: %v", w.name, crash)
			}
			s.people.release(a, p)
			s.o.logf("%s left after %s", w.name, time.Since(began).Round(time.Second))
			return strings.Replace(line, "Run it again to resume.", "ssh again to resume.", 1)
		}
	})
	s.startTimers(st, p)
	return p
}

// programOptions are wish's (the session's input and output, its PTY's
// size, ctrl+z kept from suspending the server) with the session's colours
// and an input that counts key presses for the idle timeout.
func (s *Server) programOptions(sess ssh.Session, st *served) []tea.ProgramOption {
	pty, _, _ := sess.Pty()
	return append(bubbletea.MakeOptions(sess),
		tea.WithInput(keyClock{r: sess, st: st}),
		tea.WithColorProfile(profileFor(pty.Term, sess.Environ())))
}

// startTimers ends the program after the idle timeout without a key, and
// after the longest session allowed, saying why.
func (s *Server) startTimers(st *served, p *tea.Program) {
	idle, limit := s.o.IdleTimeout, s.o.MaxSessionDuration
	st.set(func(st *served) {
		st.program = p
		st.idleFor = idle
		st.idle = time.AfterFunc(idle, func() {
			st.set(func(st *served) { st.reason = "no key was pressed for " + idle.String() + ", so the session ended" })
			p.Quit()
		})
		st.limit = time.AfterFunc(limit, func() {
			st.set(func(st *served) { st.reason = "a session lasts at most " + limit.String() })
			p.Quit()
		})
	})
}

func (st *served) stopTimers() {
	st.set(func(st *served) {
		for _, t := range []*time.Timer{st.idle, st.limit} {
			if t != nil {
				t.Stop()
			}
		}
	})
}

// keyClock is a session's input; every read restarts the idle timeout.
type keyClock struct {
	r  io.Reader
	st *served
}

func (k keyClock) Read(b []byte) (int, error) {
	n, err := k.r.Read(b)
	if n > 0 {
		k.st.set(func(st *served) {
			if st.idle != nil {
				st.idle.Reset(st.idleFor)
			}
		})
	}
	return n, err
}

// profileFor decides a session's colours from what its client sent. SSH
// carries TERM with the terminal request, but COLORTERM and NO_COLOR only
// when the client is told to send them (ssh -o SetEnv=…, or SendEnv): so
// NO_COLOR, any non-empty value, means no colour; otherwise colorprofile
// reads COLORTERM=truecolor (or 24bit) as true colour and TERM by its name —
// *-256color is 256 colours, *-direct and the terminals known for it are
// true colour, dumb is none, the rest 16 colours.
func profileFor(term string, environ []string) colorprofile.Profile {
	env := append([]string{"TERM=" + term}, environ...)
	for _, kv := range env {
		if v, ok := strings.CutPrefix(kv, "NO_COLOR="); ok && v != "" {
			return colorprofile.Ascii
		}
	}
	return colorprofile.Env(env)
}
