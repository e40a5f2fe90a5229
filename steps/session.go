package steps

import (
	"context"
	"database/sql"
	"errors"
	"sync"
	"time"

	"rotation-tutor/dbclient"
	"rotation-tutor/rotation"
	"rotation-tutor/rotation/probe"
)

// Strategies and tutorial flavours a session can follow.
const (
	StrategyAlternating = "alternating"
	StrategySingle      = "single"

	// FlavourCurrent follows today's tutorial: appuser, a 2-day schedule
	// with a 2-hour window, rotate immediately, the RDS-managed admin secret.
	FlavourCurrent = "current"
	// FlavourClassic follows the older tutorial's choices: a SELECT-only
	// user checked before rotation, a 30-day schedule, two rotations to see
	// the name alternate.
	FlavourClassic = "classic"
)

// Names the tutorial uses.
const (
	DefaultSecretName = "SecretsManagerTutorialAppuser"
	AppUser           = "appuser"
	DefaultDBName     = "tutorial"
	RecoveryDays      = 7
)

// Options are a session's choices.
type Options struct {
	Strategy string // StrategyAlternating (default) or StrategySingle
	Flavour  string // FlavourCurrent (default) or FlavourClassic
	StateDir string // where progress is kept; "" keeps nothing
	// Checker runs the troubleshooting checks; nil means BasicChecks.
	Checker Checker
	// ProbeClients is how many simulated application clients the live
	// step runs; zero means 8.
	ProbeClients int
	// RotationTimeout bounds the wait for a rotation through a Lambda;
	// zero means 3 minutes.
	RotationTimeout time.Duration
}

func (o Options) withDefaults() Options {
	if o.Strategy != StrategySingle {
		o.Strategy = StrategyAlternating
	}
	if o.Flavour != FlavourClassic {
		o.Flavour = FlavourCurrent
	}
	if o.ProbeClients <= 0 {
		o.ProbeClients = 8
	}
	if o.RotationTimeout <= 0 {
		o.RotationTimeout = 3 * time.Minute
	}
	if o.Checker == nil {
		o.Checker = BasicChecks
	}
	return o
}

// Session is one run of the tutorial: the world, what the steps opened (the
// tunnel, the admin connection), what they made (the password, held in
// memory only), and the progress that survives a quit. Its methods are safe
// to call from several goroutines: the walkthrough polls while it rotates.
type Session struct {
	world World
	opts  Options

	mu        sync.Mutex
	connMu    sync.Mutex // one reconnect at a time: two would open two tunnels
	env       *Env
	progress  Progress
	tunnel    *dbclient.Tunnel
	admin     *sql.DB
	adminUser string
	password  string // appuser's first password; never written anywhere
	probe     *probe.Probe
	probeStop context.CancelFunc
	live      liveState
	starting  chan struct{} // closed when the Start in flight ends; nil when none is
	startErr  error
}

// NewSession makes a session on w. It reads the progress in o.StateDir,
// unless reset, in which case the old progress is removed first. Progress
// made with other choices is kept but the new choices win.
func NewSession(w World, o Options, reset bool) (*Session, error) {
	o = o.withDefaults()
	s := &Session{world: w, opts: o, progress: newProgress(o)}
	s.live.usernames = map[string]string{}
	if reset {
		if err := ResetProgress(o.StateDir); err != nil {
			return nil, err
		}
		return s, nil
	}
	p, ok, err := LoadProgress(o.StateDir)
	if err != nil {
		return nil, err
	}
	if ok {
		s.progress = p
		s.opts.Strategy, s.opts.Flavour = p.Strategy, p.Flavour
		s.opts = s.opts.withDefaults()
	}
	return s, nil
}

// Options returns the session's choices.
func (s *Session) Options() Options {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.opts
}

// SetChoices changes the strategy and flavour (the welcome screen).
func (s *Session) SetChoices(strategy, flavour string) {
	s.mu.Lock()
	s.opts.Strategy, s.opts.Flavour = strategy, flavour
	s.opts = s.opts.withDefaults()
	s.progress.Strategy, s.progress.Flavour = s.opts.Strategy, s.opts.Flavour
	p := s.progress
	s.mu.Unlock()
	_ = SaveProgress(s.opts.StateDir, p) // progress is a convenience: a write error must not stop the tutorial
}

// Env returns the world's environment, or nil before Start.
func (s *Session) Env() *Env {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.env
}

// Start starts the world, once, and returns its environment. Callers that
// arrive while a start is in flight wait for it; after a failure the next
// call tries again.
func (s *Session) Start(ctx context.Context, progress func(stage string)) (*Env, error) {
	s.mu.Lock()
	if s.env != nil {
		env := s.env
		s.mu.Unlock()
		return env, nil
	}
	if wait := s.starting; wait != nil {
		s.mu.Unlock()
		select {
		case <-wait:
		case <-ctx.Done():
			return nil, ctx.Err()
		}
		s.mu.Lock()
		env, err := s.env, s.startErr
		s.mu.Unlock()
		if env == nil && err == nil {
			err = errors.New("the environment did not start")
		}
		return env, err
	}
	w := s.world
	if w == nil {
		s.mu.Unlock()
		return nil, errors.New("no world to start")
	}
	done := make(chan struct{})
	s.starting = done
	s.mu.Unlock()

	if progress == nil {
		progress = func(string) {}
	}
	env, err := w.Start(ctx, progress)
	if err == nil {
		if env.SecretName == "" {
			env.SecretName = DefaultSecretName
		}
		if env.DBName == "" {
			env.DBName = DefaultDBName
		}
		if env.DBPort == 0 {
			env.DBPort = rotation.DefaultPort
		}
	}
	s.mu.Lock()
	s.starting, s.startErr = nil, err
	if err == nil {
		s.env = env
		s.progress.Kind = env.Kind
	}
	s.mu.Unlock()
	close(done)
	return env, err
}

// Progress returns a copy of the progress.
func (s *Session) Progress() Progress {
	s.mu.Lock()
	defer s.mu.Unlock()
	p := s.progress
	p.Done = make(map[ID]StepRecord, len(s.progress.Done))
	for k, v := range s.progress.Done {
		p.Done[k] = v
	}
	return p
}

// Record returns the recorded result of a finished step.
func (s *Session) Record(id ID) (Result, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	r, ok := s.progress.Done[id]
	return r.Result, ok
}

// SetCurrent remembers the step the learner is on.
func (s *Session) SetCurrent(id ID) {
	s.mu.Lock()
	s.progress.Current = id
	p := s.progress
	s.mu.Unlock()
	_ = SaveProgress(s.opts.StateDir, p)
}

func (s *Session) recordDone(id ID, r Result) {
	s.mu.Lock()
	s.progress.Done[id] = StepRecord{Result: r}
	p := s.progress
	s.mu.Unlock()
	_ = SaveProgress(s.opts.StateDir, p)
}

func (s *Session) setExtra(k, v string) {
	s.mu.Lock()
	s.progress.Extra[k] = v
	s.mu.Unlock()
}

func (s *Session) extra(k string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.progress.Extra[k]
}

// SecretID is the app secret's ARN once stored, else its name.
func (s *Session) SecretID() string {
	if arn := s.extra("secret_arn"); arn != "" {
		return arn
	}
	if env := s.Env(); env != nil && env.SecretName != "" {
		return env.SecretName
	}
	return DefaultSecretName
}

// conn returns the tunnel and the admin connection, if open.
func (s *Session) conn() (*dbclient.Tunnel, *sql.DB) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.tunnel, s.admin
}

// ensureConnected opens the tunnel and the admin connection if this process has not: a
// learner who quit on a later step and came back resumes there, and the steps that need
// the database reconnect (as the connect step does) instead of sending them back.
func (s *Session) ensureConnected(ctx context.Context) (*dbclient.Tunnel, *sql.DB, error) {
	s.connMu.Lock()
	defer s.connMu.Unlock()
	if t, db := s.conn(); t != nil && db != nil {
		return t, db, nil
	}
	if _, err := connect(ctx, s); err != nil {
		return nil, nil, err
	}
	t, db := s.conn()
	return t, db, nil
}

// EnsureConnected opens the tunnel and the admin connection unless they are open: what a
// walkthrough resumed past the connect step does once its world is up. It never replaces a
// working tunnel, which the live view's clients may be using.
func (s *Session) EnsureConnected(ctx context.Context) error {
	_, _, err := s.ensureConnected(ctx)
	return err
}

// Connected says whether the tunnel and the admin connection are open.
func (s *Session) Connected() bool {
	t, db := s.conn()
	return t != nil && db != nil
}

func (s *Session) setConn(t *dbclient.Tunnel, db *sql.DB, adminUser string) {
	s.mu.Lock()
	oldT, oldDB := s.tunnel, s.admin
	s.tunnel, s.admin, s.adminUser = t, db, adminUser
	s.mu.Unlock()
	if oldDB != nil && oldDB != db {
		oldDB.Close()
	}
	if oldT != nil && oldT != t {
		oldT.Close()
	}
}

func (s *Session) appPassword() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.password
}

func (s *Session) setAppPassword(p string) {
	s.mu.Lock()
	s.password = p
	s.mu.Unlock()
}

// Close stops the probe, closes the admin connection and the tunnel, and
// closes the world. It is safe to call more than once.
func (s *Session) Close() error {
	s.StopProbe()
	s.setConn(nil, nil, "")
	s.mu.Lock()
	w := s.world
	s.world = nil
	s.mu.Unlock()
	if w != nil {
		return w.Close()
	}
	return nil
}

// MarkDone records a step as finished with r, for steps the screen finishes
// itself (the live step ends when the learner moves on).
func (s *Session) MarkDone(id ID, r Result) { s.recordDone(id, r) }

// RotationResult is the result a rotation leaves on the live step.
func RotationResult(r Rotation) Result { return rotationResult(r) }
