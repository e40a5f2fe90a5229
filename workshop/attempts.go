package workshop

import (
	"sync"
	"time"
)

// attempts limits failed logins, so a workshop's passphrase cannot be
// guessed, without letting one attendee's typos lock out a room that shares
// one address behind a NAT. Each name and each source address has a bucket
// of tries that refills slowly; a try is refused while either is empty. A
// name's bucket is small, an address's holds a room's worth of typos: a
// guesser is bounded by both, an attendee only by their own name's.
type attempts struct {
	mu     sync.Mutex
	byName map[string]*bucket
	byAddr map[string]*bucket
	now    func() time.Time
}

type bucket struct {
	tries float64
	at    time.Time
}

type allowance struct {
	burst  float64
	refill time.Duration // one try back every refill
}

var (
	perName = allowance{burst: 5, refill: 30 * time.Second}
	perAddr = allowance{burst: 100, refill: time.Second}
)

// maxTracked bounds the buckets kept; past it, full ones (which say nothing)
// are forgotten.
const maxTracked = 10000

func newAttempts() *attempts {
	return &attempts{byName: map[string]*bucket{}, byAddr: map[string]*bucket{}, now: time.Now}
}

// allow says whether name may try from addr now, and if not, how long until
// it may.
func (a *attempts) allow(name, addr string) (bool, time.Duration) {
	a.mu.Lock()
	defer a.mu.Unlock()
	now := a.now()
	wait := max(a.level(a.byName, name, perName, now), a.level(a.byAddr, addr, perAddr, now))
	return wait == 0, wait
}

// failed takes a try from name's and addr's buckets.
func (a *attempts) failed(name, addr string) {
	a.mu.Lock()
	defer a.mu.Unlock()
	now := a.now()
	a.take(a.byName, name, perName, now)
	a.take(a.byAddr, addr, perAddr, now)
}

// level refills key's bucket to now and returns the wait for one try (0: it
// has one).
func (a *attempts) level(m map[string]*bucket, key string, al allowance, now time.Time) time.Duration {
	b, ok := m[key]
	if !ok {
		return 0
	}
	b.tries = min(al.burst, b.tries+float64(now.Sub(b.at))/float64(al.refill))
	b.at = now
	if b.tries >= 1 {
		return 0
	}
	return time.Duration((1 - b.tries) * float64(al.refill))
}

func (a *attempts) take(m map[string]*bucket, key string, al allowance, now time.Time) {
	a.level(m, key, al, now)
	b, ok := m[key]
	if !ok {
		if len(m) >= maxTracked {
			a.forgetFull(m, al, now)
		}
		b = &bucket{tries: al.burst, at: now}
		m[key] = b
	}
	b.tries = max(b.tries-1, 0)
}

func (a *attempts) forgetFull(m map[string]*bucket, al allowance, now time.Time) {
	for k, b := range m {
		if b.tries+float64(now.Sub(b.at))/float64(al.refill) >= al.burst {
			delete(m, k)
		}
	}
}
