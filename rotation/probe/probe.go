package probe

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"time"

	"rotation-tutor/dbclient"
	"rotation-tutor/rotation"
)

// Config describes a probe run.
type Config struct {
	Clients  int
	Secrets  SecretGetter
	SecretID string
	Dial     dbclient.DialFunc
	// CA verifies the database's TLS certificate; nil leaves it unverified.
	CA *dbclient.CABundle
	// Policy is how the clients cache the secret (SetPolicy changes it).
	// The zero value keeps it until a login fails (or RefreshAll asks).
	Policy Policy
	// Clock is the world's time, which cache lifetimes and outages are
	// measured on (nil: the wall clock). Pause is real time either way: it
	// spends CPU.
	Clock interface{ Now() time.Time }
	// Pause is the time between a client's logins. Zero: clients log in only
	// when LoginAll or RefreshAll asks, which makes a run deterministic.
	Pause time.Duration
	// Budget, when set, is shared with other probes: a paced login waits for
	// its turn in it (logins asked for by LoginAll and RefreshAll do not).
	Budget *Budget
	// OnEvent, if set, is called from the clients' goroutines after every
	// login attempt and refresh. It must not block.
	OnEvent func(Event)

	// For tests: how a client logs in and what time it is. Nil means
	// dbclient.LoginPing and time.Now.
	login func(ctx context.Context, dial dbclient.DialFunc, t dbclient.Target) error
	now   func() time.Time
}

// Probe runs the clients. Start it with Start; Stop (or cancelling the
// context given to Start) ends every goroutine it started.
type Probe struct {
	cfg     Config
	clients []*client
	cancel  context.CancelFunc
	stopped chan struct{} // closed when every client goroutine has returned
	once    sync.Once

	policy atomic.Pointer[Policy]

	mu        sync.Mutex
	rotations []rotationMark // newest last; bounded
}

type rotationMark struct {
	version string
	at      time.Time
}

// maxMarks bounds the rotation history; only the last few matter for
// staleness.
const maxMarks = 8

// ErrStopped is returned by LoginAll and RefreshAll once the probe stopped.
var ErrStopped = errors.New("probe stopped")

// Start starts cfg.Clients clients. They run until ctx is done or Stop.
func Start(ctx context.Context, cfg Config) (*Probe, error) {
	switch {
	case cfg.Clients <= 0:
		return nil, errors.New("probe: Clients must be at least 1")
	case cfg.Secrets == nil || cfg.SecretID == "" || cfg.Dial == nil:
		return nil, errors.New("probe: Secrets, SecretID and Dial are required")
	}
	if cfg.login == nil {
		cfg.login = dbclient.LoginPing
	}
	if cfg.now == nil {
		cfg.now = time.Now
		if cfg.Clock != nil {
			cfg.now = cfg.Clock.Now
		}
	}
	ctx, cancel := context.WithCancel(ctx)
	p := &Probe{cfg: cfg, cancel: cancel, stopped: make(chan struct{})}
	p.SetPolicy(cfg.Policy)
	var wg sync.WaitGroup
	for i := range cfg.Clients {
		c := &client{id: i, p: p, cache: newCache(cfg.Secrets, cfg.SecretID, p.Policy, cfg.now), asks: make(chan ask)}
		p.clients = append(p.clients, c)
		wg.Add(1)
		go func() {
			defer wg.Done()
			c.run(ctx)
		}()
	}
	go func() { // owned by the probe: ends when the clients have
		wg.Wait()
		close(p.stopped)
	}()
	return p, nil
}

// SetPolicy changes how every client caches the secret, from its next login.
func (p *Probe) SetPolicy(pol Policy) { p.policy.Store(&pol) }

// Policy is how the clients cache the secret now.
func (p *Probe) Policy() Policy { return *p.policy.Load() }

// Stop ends the clients and waits for them. It is safe to call twice.
func (p *Probe) Stop() {
	p.once.Do(p.cancel)
	<-p.stopped
}

// Done is closed once every client has stopped.
func (p *Probe) Done() <-chan struct{} { return p.stopped }

// MarkRotated tells the probe a rotation finished and made version
// AWSCURRENT, so it can tell which clients hold an older secret. Call it
// when ServiceRotation returns, or let ObserveStep call it.
func (p *Probe) MarkRotated(version string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.rotations = append(p.rotations, rotationMark{version: version, at: p.cfg.now()})
	if len(p.rotations) > maxMarks {
		p.rotations = p.rotations[len(p.rotations)-maxMarks:]
	}
}

// ObserveStep marks a rotation when a rotation function's finishSecret
// succeeds: chain it into rotation.Function.Observe for a live view.
func (p *Probe) ObserveStep(ev rotation.StepEvent) {
	if ev.Done && ev.Err == nil && ev.Step == rotation.StepFinish {
		p.MarkRotated(ev.Token)
	}
}

// LoginAll has every client log in once with the secret it holds now (or
// reads it, if it holds none or its copy was invalidated), and returns when
// all have.
func (p *Probe) LoginAll(ctx context.Context) error { return p.askAll(ctx, false) }

// RefreshAll has every client read the secret again and then log in once,
// and returns when all have: the barrier that guarantees "every client
// refreshed between two rotations".
func (p *Probe) RefreshAll(ctx context.Context) error { return p.askAll(ctx, true) }

func (p *Probe) askAll(ctx context.Context, refresh bool) error {
	done := make(chan struct{}, len(p.clients))
	for _, c := range p.clients {
		select {
		case c.asks <- ask{refresh: refresh, done: done}:
		case <-ctx.Done():
			return ctx.Err()
		case <-p.stopped:
			return ErrStopped
		}
	}
	for range p.clients {
		select {
		case <-done:
		case <-ctx.Done():
			return ctx.Err()
		case <-p.stopped:
			return ErrStopped
		}
	}
	return nil
}
