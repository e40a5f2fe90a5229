package probe

import (
	"context"
	"sync"
	"time"
)

// Budget is a rate of paced logins shared by every probe given it. A
// workshop server gives one to all its live screens: however many there are,
// their simulated clients together log in at most this often, so that fifty
// screens leave the CPU to the screens themselves. Each login is as real as
// ever (a new connection through the tunnel, with the secret the client
// caches); only how often a client logs in changes with the size of the room.
type Budget struct {
	every time.Duration

	mu   sync.Mutex
	next time.Time // the earliest start of the next login
}

// NewBudget shares perSecond logins a second.
func NewBudget(perSecond int) *Budget {
	return &Budget{every: time.Second / time.Duration(max(perSecond, 1))}
}

// wait returns once the caller's turn has come, in the order callers asked,
// or false when ctx ends first. Turns not taken are not saved up: a quiet
// moment is not followed by a burst.
func (b *Budget) wait(ctx context.Context) bool {
	b.mu.Lock()
	now := time.Now()
	at := b.next
	if at.Before(now) {
		at = now
	}
	b.next = at.Add(b.every)
	b.mu.Unlock()
	if !at.After(now) {
		return ctx.Err() == nil
	}
	t := time.NewTimer(at.Sub(now))
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-ctx.Done():
		return false
	}
}
