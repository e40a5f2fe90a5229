// Package vclock is the sandbox's time: a clock that can run faster than the
// wall clock and jump ahead, shared by everything whose behaviour depends on
// the date — Secrets Manager's schedules, retries and dates, and the
// simulated clients' cache lifetimes — so that a 2-day schedule can be
// watched firing in seconds, and the learner's aws CLI reads the same dates.
//
// What it does not govern stays on the wall clock: SigV4 signing times (a
// client signs with the time on its wall), timeouts of work that really runs
// (a rotation step takes real milliseconds), and paces that cost CPU.
package vclock

import (
	"context"
	"errors"
	"fmt"
	"math"
	"sync"
	"time"
)

// MaxScale is the fastest a clock may run: a day per second. A virtual
// minute, the finest step of a rotation schedule, then still lasts 0.7 ms.
const MaxScale = 86400

// Clock is a virtual clock. It runs at Scale virtual seconds per real second
// from the moment it was last set; Jump moves it ahead; both wake whoever
// waits on it. A Clock is safe for concurrent use.
type Clock struct {
	mu      sync.Mutex
	realAt  time.Time // a wall-clock reading (monotonic) …
	virtAt  time.Time // … and the virtual time it stood for
	scale   float64
	changed chan struct{} // closed and replaced when the rate or the offset changes
}

// New returns a clock that starts at the wall clock's time and runs scale
// times as fast. A scale of 1 is the wall clock itself.
func New(scale float64) (*Clock, error) {
	if err := CheckScale(scale); err != nil {
		return nil, err
	}
	now := time.Now()
	return &Clock{realAt: now, virtAt: now.UTC().Round(0), scale: scale, changed: make(chan struct{})}, nil
}

// NewStopped returns a clock that stands at start until Jump moves it: time
// a test drives.
func NewStopped(start time.Time) *Clock {
	return &Clock{realAt: time.Now(), virtAt: start, changed: make(chan struct{})}
}

// CheckScale says whether scale is one a clock may run at: from real time up
// to MaxScale.
func CheckScale(scale float64) error {
	if math.IsNaN(scale) || scale < 1 || scale > MaxScale {
		return fmt.Errorf("the time scale must be from 1 (real time) to %d (a day per second), not %v", MaxScale, scale)
	}
	return nil
}

// Now is the virtual time.
func (c *Clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.nowLocked(time.Now())
}

func (c *Clock) nowLocked(real time.Time) time.Time {
	if c.scale == 0 {
		return c.virtAt
	}
	return c.virtAt.Add(time.Duration(float64(real.Sub(c.realAt)) * c.scale))
}

// Scale is how many virtual seconds pass per real second (0: stopped).
func (c *Clock) Scale() float64 {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.scale
}

// SetScale changes the rate from now on; the virtual time does not jump.
func (c *Clock) SetScale(scale float64) error {
	if err := CheckScale(scale); err != nil {
		return err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.rebaseLocked()
	c.scale = scale
	c.wakeLocked()
	return nil
}

// ErrBackwards is JumpTo's answer to a time before now: a clock that others
// have read must never run backwards.
var ErrBackwards = errors.New("vclock: a clock only jumps forward")

// Jump moves the virtual time d ahead.
func (c *Clock) Jump(d time.Duration) error {
	if d < 0 {
		return ErrBackwards
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.rebaseLocked()
	c.virtAt = c.virtAt.Add(d)
	c.wakeLocked()
	return nil
}

// JumpTo moves the virtual time to t; a t already past is no change.
func (c *Clock) JumpTo(t time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.rebaseLocked()
	if t.After(c.virtAt) {
		c.virtAt = t
		c.wakeLocked()
	}
}

func (c *Clock) rebaseLocked() {
	real := time.Now()
	c.virtAt, c.realAt = c.nowLocked(real), real
}

func (c *Clock) wakeLocked() {
	close(c.changed)
	c.changed = make(chan struct{})
}

// RealUntil says how long, on the wall clock, until the virtual time reaches
// t at the present rate (zero if it has; forever, -1, if the clock is
// stopped), and returns a channel closed when the rate or the time changes,
// so a waiter can sleep on its own timer and look again when told.
func (c *Clock) RealUntil(t time.Time) (wait time.Duration, changed <-chan struct{}) {
	c.mu.Lock()
	defer c.mu.Unlock()
	real := time.Now()
	left := t.Sub(c.nowLocked(real))
	switch {
	case left <= 0:
		return 0, c.changed
	case c.scale == 0:
		return -1, c.changed
	}
	return time.Duration(math.Ceil(float64(left) / c.scale)), c.changed
}

// Until waits until the virtual time reaches t, or ctx ends.
func (c *Clock) Until(ctx context.Context, t time.Time) error {
	for {
		wait, changed := c.RealUntil(t)
		if wait == 0 {
			return nil
		}
		if err := Sleep(ctx, wait, changed); err != nil {
			return err
		}
	}
}

// Sleep waits d on the wall clock (d < 0: until woken), or until wake is
// closed, or ctx ends; only the last is an error.
func Sleep(ctx context.Context, d time.Duration, wake <-chan struct{}) error {
	var timeout <-chan time.Time
	if d >= 0 {
		t := time.NewTimer(d)
		defer t.Stop()
		timeout = t.C
	}
	select {
	case <-timeout:
	case <-wake:
	case <-ctx.Done():
		return ctx.Err()
	}
	return nil
}
