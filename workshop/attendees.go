package workshop

import (
	"errors"
	"fmt"
	"path/filepath"
	"sort"
	"sync"
	"time"

	tea "charm.land/bubbletea/v2"

	"rotation-tutor/steps"
	"rotation-tutor/tui"
	"rotation-tutor/world"
)

// attendee is one person's place in the workshop: their directory (progress
// and sandbox data, kept across connections and restarts) and, while they
// are connected or within the grace period after, their running session.
type attendee struct {
	who who
	dir string

	// Guarded by registry.mu.
	session  *steps.Session // nil while stopped
	program  *tea.Program   // the program on it now, nil when disconnected
	conns    int            // SSH sessions attached: 0 or 1
	leftAt   time.Time
	reap     *time.Timer // stops the session when the grace period ends
	reapGen  int         // tells the current reap from a cancelled one
	everRan  bool
	last     steps.Status  // where they were when their session last stopped
	stopping chan struct{} // closed when a stop in flight has finished; nil when none is
}

// registry holds every attendee. One sandbox per attendee: two attendees
// never share a session, a world or a directory.
type registry struct {
	o  *Options
	mu sync.Mutex
	by map[string]*attendee
	wg sync.WaitGroup // stops in flight
}

func newRegistry(o *Options) *registry { return &registry{o: o, by: map[string]*attendee{}} }

// errTaken refuses a second connection under a name in use.
var errTaken = errors.New("the name is in use by a connection still open")

// acquire attaches an SSH session to w's attendee, starting their session if
// it is stopped (its sandbox starts when the walkthrough does). A second
// connection of someone proven by a key takes over the first (a dropped
// connection may not have been noticed yet); one known only by name is
// refused while the first lasts.
func (r *registry) acquire(w who) (*attendee, error) {
	for {
		r.mu.Lock()
		a := r.by[w.id]
		if a == nil {
			a = &attendee{who: w, dir: filepath.Join(r.o.StateDir, "attendees", w.id)}
			if w.instructor {
				a.dir = filepath.Join(r.o.StateDir, "instructor")
			}
			r.by[w.id] = a
		}
		if wait := a.stopping; wait != nil { // the grace period just ended: let the stop finish
			r.mu.Unlock()
			<-wait
			continue
		}
		if a.conns > 0 {
			if !w.byKey {
				r.mu.Unlock()
				return nil, errTaken
			}
			if a.program != nil {
				// Its handler's release comes later and finds the session no longer its own.
				a.program.Kill()
				a.program = nil
			}
			a.conns--
		}
		if a.reap != nil {
			a.reap.Stop()
			a.reap = nil
			a.reapGen++
		}
		a.who.name = w.name
		if a.session == nil {
			s, err := steps.NewSession(world.Sandbox(world.SandboxOptions{StateDir: filepath.Join(a.dir, "sandbox"), Engine: r.o.Engine, RequireTLS: r.o.RequireTLS}),
				steps.Options{StateDir: a.dir, SelfCommand: r.o.SelfCommand, ProbeClients: r.o.ProbeClients, ProbePause: r.o.ProbePause,
					ProbeBudget: r.o.ProbeBudget}, false)
			if err != nil {
				r.mu.Unlock()
				return nil, fmt.Errorf("open %s's progress: %w", w.name, err)
			}
			a.session = s
		}
		a.conns++
		a.everRan = true
		r.mu.Unlock()
		return a, nil
	}
}

// attach records the program now running on a's session.
func (r *registry) attach(a *attendee, p *tea.Program) {
	r.mu.Lock()
	a.program = p
	r.mu.Unlock()
}

// release detaches program p's SSH session from a. The last one to leave
// stops the simulated clients at once (they cost CPU) and the rest of the
// session after the grace period, unless they come back.
func (r *registry) release(a *attendee, p *tea.Program) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if a.program != p { // taken over: the new connection owns it now
		return
	}
	a.program = nil
	a.conns--
	if a.conns > 0 || a.session == nil {
		return
	}
	a.leftAt = time.Now()
	a.session.StopProbe()
	if r.o.Grace <= 0 {
		r.stopLocked(a)
		return
	}
	a.reapGen++
	gen := a.reapGen
	a.reap = time.AfterFunc(r.o.Grace, func() {
		r.mu.Lock()
		defer r.mu.Unlock()
		if a.reapGen == gen && a.conns == 0 {
			a.reap = nil
			r.stopLocked(a)
		}
	})
}

// stopLocked closes a's session (progress saved, sandbox stopped) on a
// goroutine the registry waits for; acquire waits for it too.
func (r *registry) stopLocked(a *attendee) {
	s := a.session
	a.session = nil
	a.last = s.Status()
	done := make(chan struct{})
	a.stopping = done
	r.wg.Add(1)
	go func() {
		defer r.wg.Done()
		defer func() {
			if p := recover(); p != nil {
				r.o.logf("%s: stopping the sandbox failed: %v", a.who.name, p)
			}
			r.mu.Lock()
			a.stopping = nil
			r.mu.Unlock()
			close(done)
		}()
		if err := s.Close(); err != nil {
			r.o.logf("%s: stopping the sandbox: %v", a.who.name, err)
		}
		r.o.logf("%s: sandbox stopped", a.who.name)
	}()
}

// close stops every session now and waits.
func (r *registry) close() {
	r.mu.Lock()
	for _, a := range r.by {
		if a.reap != nil {
			a.reap.Stop()
			a.reap = nil
			a.reapGen++
		}
		if a.session != nil {
			r.stopLocked(a)
		}
	}
	r.mu.Unlock()
	r.wg.Wait()
}

// list is the room for the dashboard: attendees only, by name.
func (r *registry) list() []tui.Attendee {
	r.mu.Lock()
	type entry struct {
		a tui.Attendee
		s *steps.Session
	}
	var es []entry
	for _, a := range r.by {
		if a.who.instructor || !a.everRan {
			continue
		}
		es = append(es, entry{a: tui.Attendee{Name: a.who.name, Connected: a.conns > 0, LeftAt: a.leftAt, Status: a.last}, s: a.session})
	}
	r.mu.Unlock()
	out := make([]tui.Attendee, 0, len(es))
	for _, e := range es {
		if e.s != nil {
			e.a.Status = e.s.Status()
		}
		out = append(out, e.a)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}
