package steps

import (
	"context"
	"database/sql"
	"errors"
	"slices"
	"sync"
	"time"

	"rotation-tutor/rotation"
	"rotation-tutor/rotation/probe"
)

// Tutorial flavours a session can follow.
const (
	// FlavourCurrent follows today's tutorial: appuser, a 2-day schedule
	// with a 2-hour window, rotate immediately, the RDS-managed admin secret.
	FlavourCurrent = "current"
	// FlavourClassic follows the older tutorial's choices: a SELECT-only
	// user checked before rotation, a 30-day schedule, two rotations to see
	// the name alternate.
	FlavourClassic = "classic"
)

// Options are a session's settings.
type Options struct {
	// Strategy and Flavour, when set, replace the saved choices; "" keeps
	// what the progress file says (alternating users and the current
	// tutorial when it says nothing).
	Strategy rotation.Strategy
	Flavour  string
	StateDir string // where progress is kept; "" keeps nothing
	// SelfCommand is how a new shell runs this program (its absolute
	// path), for the commands a screen shows; "" shows "rotation-tutor".
	SelfCommand string
	// ProbeClients is how many simulated application clients the live
	// step runs; zero means LiveClients.
	ProbeClients int
	// ProbePause is the time between one client's logins; zero means
	// LivePause.
	ProbePause time.Duration
	// ProbeBudget, when set, is the logins a second the clients share with
	// every other session given it (a workshop server's).
	ProbeBudget *probe.Budget
	// RotationTimeout bounds the wait for a rotation through a Lambda;
	// zero means 3 minutes.
	RotationTimeout time.Duration
}

// Choices are what the learner chose: the strategy and the tutorial.
type Choices struct {
	Strategy rotation.Strategy
	Flavour  string
}

// Session is one run of the tutorial. It is made of parts that each guard
// their own state: the bookmark (progress), the way to the database
// (adminConn), and the live view (liveWatch); the world's environment is
// set once. Its methods are safe to call from several goroutines: the
// walkthrough looks at the world while it rotates.
type Session struct {
	world World
	opts  Options

	progress *progressStore
	conn     adminConn
	live     liveWatch
	notes    statusNotes

	startMu  sync.Mutex
	env      *Env
	views    map[string]*Env // the world as each tutorial sees it, by flavour
	starting chan struct{}   // closed when the Start in flight ends; nil when none is
	startErr error

	pwMu     sync.Mutex
	password string // the app user's password made in this run; never written anywhere
}

// NewSession makes a session on w. It reads the progress in o.StateDir,
// unless reset, in which case the old progress is removed first. A strategy
// or flavour given in o replaces the saved one.
func NewSession(w World, o Options, reset bool) (*Session, error) {
	if o.ProbeClients <= 0 {
		o.ProbeClients = LiveClients
	}
	if o.ProbePause <= 0 {
		o.ProbePause = LivePause
	}
	if o.RotationTimeout <= 0 {
		o.RotationTimeout = 3 * time.Minute
	}
	ps, err := openProgress(o.StateDir, reset)
	if err != nil {
		return nil, err
	}
	s := &Session{world: w, opts: o, progress: ps}
	s.live.init()
	s.notes.entered(s.Progress().Current) // a resumed session counts from now
	if o.Strategy != "" || o.Flavour != "" {
		c := s.Choices()
		if o.Strategy != "" {
			c.Strategy = o.Strategy
		}
		if o.Flavour != "" {
			c.Flavour = o.Flavour
		}
		s.SetChoices(c)
	}
	return s, nil
}

// Options returns the session's settings.
func (s *Session) Options() Options { return s.opts }

// Choices returns the strategy and tutorial chosen.
func (s *Session) Choices() Choices {
	p := s.progress.get()
	return Choices{Strategy: p.Strategy, Flavour: p.Flavour}
}

// SetChoices changes the strategy and the tutorial (the welcome screen).
func (s *Session) SetChoices(c Choices) {
	if c.Strategy != rotation.SingleUser {
		c.Strategy = rotation.AlternatingUsers
	}
	if c.Flavour != FlavourClassic {
		c.Flavour = FlavourCurrent
	}
	s.progress.update(func(p *Progress) { p.Strategy, p.Flavour = c.Strategy, c.Flavour })
}

// Progress returns a copy of the bookmark.
func (s *Session) Progress() Progress { return s.progress.get() }

// SetCurrent remembers the step the learner is on.
func (s *Session) SetCurrent(id ID) {
	s.progress.update(func(p *Progress) { p.Current = id })
	s.notes.entered(id)
}

// MarkDone records in the bookmark that step id was done: run, or found
// holding in the world when the learner moved on.
func (s *Session) MarkDone(id ID) { s.markRan(id) }

func (s *Session) markRan(id ID) {
	s.progress.update(func(p *Progress) {
		if !slices.Contains(p.Done, id) {
			p.Done = append(p.Done, id)
			slices.SortFunc(p.Done, func(a, b ID) int { return Index(a) - Index(b) })
		}
	})
}

// Env returns the world's environment as the chosen tutorial sees it (its database, its
// secrets), or nil before Start.
func (s *Session) Env() *Env {
	flavour := s.Choices().Flavour
	s.startMu.Lock()
	defer s.startMu.Unlock()
	if s.env == nil {
		return nil
	}
	return s.views[flavour]
}

// Start starts the world, once, and returns its environment. Callers that
// arrive while a start is in flight wait for it; after a failure the next
// call tries again.
func (s *Session) Start(ctx context.Context, progress func(stage string)) (*Env, error) {
	s.startMu.Lock()
	if s.env != nil {
		s.startMu.Unlock()
		return s.Env(), nil
	}
	if wait := s.starting; wait != nil {
		s.startMu.Unlock()
		select {
		case <-wait:
		case <-ctx.Done():
			return nil, ctx.Err()
		}
		s.startMu.Lock()
		started, err := s.env != nil, s.startErr
		s.startMu.Unlock()
		if !started && err == nil {
			err = errors.New("the environment did not start")
		}
		if err != nil {
			return nil, err
		}
		return s.Env(), nil
	}
	w := s.world
	if w == nil {
		s.startMu.Unlock()
		return nil, errors.New("no world to start")
	}
	done := make(chan struct{})
	s.starting = done
	s.startMu.Unlock()

	if progress == nil {
		progress = func(string) {}
	}
	env, err := w.Start(ctx, progress)
	if err == nil {
		env.defaults()
	}
	s.startMu.Lock()
	s.starting, s.startErr = nil, err
	if err == nil {
		s.useEnvLocked(env)
	}
	s.startMu.Unlock()
	close(done)
	if err != nil {
		return nil, err
	}
	s.progress.update(func(p *Progress) { p.Kind = env.Kind })
	return s.Env(), nil
}

// useEnvLocked makes env the world's environment, and each tutorial's view of it. Call it
// with startMu held.
func (s *Session) useEnvLocked(env *Env) {
	s.env = env
	if env.Clock != nil {
		s.live.setClock(env.Clock.Now) // rotations are dated on the world's clock
	}
	s.views = map[string]*Env{FlavourCurrent: view(env, TutorialFor(FlavourCurrent)), FlavourClassic: view(env, TutorialFor(FlavourClassic))}
}

// requireEnv returns the environment, or a Failure saying it has not started.
func (s *Session) requireEnv() (*Env, error) {
	env := s.Env()
	if env == nil {
		return nil, failFix("use the environment", fixStartFirst, errors.New("the environment has not started"))
	}
	return env, nil
}

// requireAdmin returns the environment and the admin session, connecting
// first if this process has not: a learner who quit on a later step and came
// back resumes there.
func (s *Session) requireAdmin(ctx context.Context) (*Env, *sql.DB, error) {
	env, err := s.requireEnv()
	if err != nil {
		return nil, nil, err
	}
	db, err := s.conn.ensure(ctx, env)
	if err != nil {
		return nil, nil, err
	}
	return env, db, nil
}

// EnsureConnected opens the tunnel and the admin session unless they are
// open: what a walkthrough resumed past the connect step does once its
// world is up. It never replaces a working tunnel.
func (s *Session) EnsureConnected(ctx context.Context) error {
	_, _, err := s.requireAdmin(ctx)
	return err
}

// Connected says whether the tunnel and the admin session of the chosen tutorial's
// database are open.
func (s *Session) Connected() bool {
	env := s.Env()
	if env == nil {
		return false
	}
	t, _, _, ok := s.conn.openFor(env)
	return t != nil && ok
}

func (s *Session) appPassword() string {
	s.pwMu.Lock()
	defer s.pwMu.Unlock()
	return s.password
}

func (s *Session) setAppPassword(p string) {
	s.pwMu.Lock()
	s.password = p
	s.pwMu.Unlock()
}

// Close stops the simulated clients, closes the admin session and the
// tunnel, saves the bookmark and closes the world. It is safe to call more
// than once.
func (s *Session) Close() error {
	s.StopProbe()
	s.conn.close()
	s.progress.close()
	s.startMu.Lock()
	w := s.world
	s.world = nil
	s.startMu.Unlock()
	if w != nil {
		return w.Close()
	}
	return nil
}
