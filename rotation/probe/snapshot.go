package probe

import (
	"time"
)

// EventKind says what a client just did.
type EventKind int

const (
	LoggedIn    EventKind = iota // a login succeeded
	LoginFailed                  // a login failed; the client will read the secret again
	FetchFailed                  // reading the secret failed
)

func (k EventKind) String() string {
	switch k {
	case LoggedIn:
		return "login"
	case LoginFailed:
		return "login failed"
	case FetchFailed:
		return "secret read failed"
	}
	return "unknown"
}

// Event is one thing a client did, for a live view.
type Event struct {
	Client  int
	Time    time.Time
	Kind    EventKind
	User    string // the user it logged in as (or tried to)
	Version string // the secret version it used
	Err     error
	// Unavailable is, on the first success after failures, how long this
	// client had been unable to log in.
	Unavailable time.Duration
}

// ClientStats is one client's state and counters.
type ClientStats struct {
	ID        int
	User      string // user in the cached secret
	Version   string // cached secret version
	FetchedAt time.Time
	Logins    int
	Failed    int
	FetchErrs int
	// Unavailable is the time from a first failure until the next success,
	// summed, including an outage still going on.
	Unavailable time.Duration
	Down        bool   // its last attempt failed
	LastErr     string // the last failure, if it is down
	// Behind counts the rotations that finished since this client read its
	// secret. 0: fresh. 1: stale, still logs in with alternating users
	// (its user is AWSPREVIOUS). 2 or more: its user's password has changed.
	Behind int
	// The last failed login, if any: the version the client held and its
	// user, how many rotations behind it was then, and when.
	FailedWith   string
	FailedUser   string
	FailedBehind int
	FailedAt     time.Time
}

// Stale says the client's secret is older than the last rotation.
func (s ClientStats) Stale() bool { return s.Behind > 0 }

// Snapshot is the probe's state at one moment.
type Snapshot struct {
	Time        time.Time
	Clients     []ClientStats
	Logins      int
	Failed      int
	FetchErrs   int
	Unavailable time.Duration
	Down        int // clients whose last attempt failed
	Stale       int // clients holding a secret older than the last rotation
	Rotations   int // rotations marked with MarkRotated (the last few are kept for Behind)
}

// Snapshot returns the counters now. It is cheap enough to call every frame.
func (p *Probe) Snapshot() Snapshot {
	now := p.cfg.now()
	p.mu.Lock()
	marks := append([]rotationMark(nil), p.rotations...)
	p.mu.Unlock()

	s := Snapshot{Time: now, Clients: make([]ClientStats, 0, len(p.clients)), Rotations: len(marks)}
	for _, c := range p.clients {
		version, user, fetchedAt := c.cache.Held()
		c.mu.Lock()
		cs := ClientStats{ID: c.id, User: user, Version: version, FetchedAt: fetchedAt,
			Logins: c.logins, Failed: c.failed, FetchErrs: c.fetchErrs, Unavailable: c.unavail,
			Down: !c.downSince.IsZero(), LastErr: c.lastErr,
			FailedWith: c.failedWith, FailedUser: c.failedUser, FailedBehind: c.failedBehind, FailedAt: c.failedAt}
		if cs.Down {
			cs.Unavailable += now.Sub(c.downSince)
		}
		c.mu.Unlock()
		cs.Behind = behind(marks, version, fetchedAt)
		s.Clients = append(s.Clients, cs)
		s.Logins += cs.Logins
		s.Failed += cs.Failed
		s.FetchErrs += cs.FetchErrs
		s.Unavailable += cs.Unavailable
		if cs.Down {
			s.Down++
		}
		if cs.Stale() {
			s.Stale++
		}
	}
	return s
}

// behind counts the rotations that a secret read at fetchedAt predates now.
func (p *Probe) behind(version string, fetchedAt time.Time) int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return behind(p.rotations, version, fetchedAt)
}

// behind counts the rotations, newest first, that the client's secret
// predates: it read its secret before the rotation finished and holds another
// version than the one that rotation made current. Counting stops at the
// rotation that made the client's own version.
func behind(marks []rotationMark, version string, fetchedAt time.Time) int {
	if version == "" {
		return 0 // no secret yet: nothing to be stale
	}
	n := 0
	for i := len(marks) - 1; i >= 0; i-- {
		m := marks[i]
		if m.version == version || !fetchedAt.Before(m.at) {
			break
		}
		n++
	}
	return n
}
