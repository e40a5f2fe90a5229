package probe

import (
	"context"
	"sync"
	"time"
)

// ask is a request to a client: log in once now (after refreshing its cache
// if refresh is set), then signal done.
type ask struct {
	refresh bool
	done    chan<- struct{}
}

// client is one simulated application instance.
type client struct {
	id    int
	p     *Probe
	cache *Cache
	asks  chan ask

	mu        sync.Mutex // guards the counters below; Snapshot reads them
	logins    int
	failed    int
	fetchErrs int
	unavail   time.Duration
	downSince time.Time // first failure of the current outage, zero when up
	lastErr   string
	// The last failed login: the version the client held and its user, how
	// many rotations that version was behind then, and when.
	failedWith   string
	failedUser   string
	failedBehind int
	failedAt     time.Time
}

func (c *client) run(ctx context.Context) {
	var tick <-chan time.Time
	var timer *time.Timer
	if c.p.cfg.Pause > 0 {
		timer = time.NewTimer(c.p.cfg.Pause)
		defer timer.Stop()
		tick = timer.C
	}
	for {
		select {
		case <-ctx.Done():
			return
		case a := <-c.asks:
			if a.refresh {
				c.cache.Invalidate()
			}
			c.attempt(ctx)
			a.done <- struct{}{} // buffered for every client: never blocks
		case <-tick:
			if b := c.p.cfg.Budget; b != nil && !b.wait(ctx) {
				return
			}
			c.attempt(ctx)
			timer.Reset(c.p.cfg.Pause)
		}
	}
}

// attempt logs in once with the cached secret, on a fresh connection.
func (c *client) attempt(ctx context.Context) {
	sec, version, err := c.cache.Get(ctx)
	if err != nil {
		if ctx.Err() != nil {
			return // stopping: not a failure of the secret
		}
		c.record(func() { c.fetchErrs++; c.lastErr = err.Error() })
		c.emit(Event{Kind: FetchFailed, Err: err})
		return
	}
	err = c.p.cfg.login(ctx, c.p.cfg.Dial, sec.Target(c.p.cfg.CA))
	if ctx.Err() != nil {
		return // stopping: a cancelled login says nothing about the secret
	}
	now := c.p.cfg.now()
	if err != nil {
		// Like an application using a caching client: after a failed
		// login, read the secret again before the next try. Only an
		// authentication failure needs it, but telling it apart from a
		// network one is not worth the probe's while: a read costs little.
		_, _, fetchedAt := c.cache.Held()
		behindBy := c.p.behind(version, fetchedAt)
		c.cache.Invalidate()
		c.record(func() {
			c.failed++
			if c.downSince.IsZero() {
				c.downSince = now
			}
			c.lastErr = err.Error()
			c.failedWith, c.failedUser, c.failedBehind, c.failedAt = version, sec.Username, behindBy, now
		})
		c.emit(Event{Kind: LoginFailed, User: sec.Username, Version: version, Err: err})
		return
	}
	var outage time.Duration
	c.record(func() {
		c.logins++
		if !c.downSince.IsZero() {
			outage = now.Sub(c.downSince)
			c.unavail += outage
			c.downSince = time.Time{}
		}
		c.lastErr = ""
	})
	c.emit(Event{Kind: LoggedIn, User: sec.Username, Version: version, Unavailable: outage})
}

func (c *client) record(f func()) {
	c.mu.Lock()
	defer c.mu.Unlock()
	f()
}

func (c *client) emit(ev Event) {
	if c.p.cfg.OnEvent == nil {
		return
	}
	ev.Client, ev.Time = c.id, c.p.cfg.now()
	c.p.cfg.OnEvent(ev)
}
