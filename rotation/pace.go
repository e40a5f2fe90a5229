package rotation

import (
	"context"
	"sync"
	"time"

	"rotation-tutor/internal/vclock"
)

// Pace is slow motion for rotations: whatever runs a rotation's steps — the
// sandbox's Lambda service, the local rotator — calls Wait before each step,
// and the Pace holds it there for a while, or until Next lets it go, so that
// a person can watch one step at a time. Off (the zero value), Wait returns
// at once. A Pace is safe for concurrent use.
//
// The hold is on the wall clock: it is for eyes, not for the world's time,
// and a step held is not running (a Lambda's timeout starts when the step
// does).
type Pace struct {
	mu       sync.Mutex
	mode     PaceMode
	releases int           // Next calls not yet taken by a held step
	held     *Held         // the step being held, if any
	changed  chan struct{} // closed and replaced when the mode changes or Next is called
}

// PaceMode is how a Pace holds steps: Hold before each one, or, ByKey,
// until Next. The zero value is off.
type PaceMode struct {
	Hold  time.Duration
	ByKey bool
}

// Off says the mode holds nothing.
func (m PaceMode) Off() bool { return m.Hold <= 0 && !m.ByKey }

// Held is the step a Pace holds: what will run next, and until when (zero
// when it waits for Next).
type Held struct {
	Step, SecretID, Token string
	Since, Until          time.Time
}

// Mode is the pace now.
func (p *Pace) Mode() PaceMode {
	if p == nil {
		return PaceMode{}
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.mode
}

// SetMode changes the pace; a step already held goes on under the new mode
// (at once, if it is off), its hold counted from when it began.
func (p *Pace) SetMode(m PaceMode) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.mode = m
	p.wakeLocked()
}

// Next lets the held step go now, and says whether one was held.
func (p *Pace) Next() bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.held == nil {
		return false
	}
	p.releases++
	p.wakeLocked()
	return true
}

// Changes returns a channel closed at the next change: a step held, let go,
// or the mode changed.
func (p *Pace) Changes() <-chan struct{} {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.changed == nil {
		p.changed = make(chan struct{})
	}
	return p.changed
}

// Holding returns the step held now, if any.
func (p *Pace) Holding() (Held, bool) {
	if p == nil {
		return Held{}, false
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.held == nil {
		return Held{}, false
	}
	return *p.held, true
}

func (p *Pace) wakeLocked() {
	if p.changed != nil {
		close(p.changed)
	}
	p.changed = make(chan struct{})
}

// Wait holds the step ev is about to run, as the mode says; it returns an
// error only when ctx ends first. A nil Pace never holds.
func (p *Pace) Wait(ctx context.Context, ev Event) error {
	if p == nil {
		return nil
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	since := time.Now()
	defer func() {
		if p.held != nil {
			p.held = nil
			p.wakeLocked()
		}
	}()
	for {
		if p.mode.Off() {
			return nil
		}
		if p.releases > 0 {
			p.releases--
			return nil
		}
		h := &Held{Step: ev.Step, SecretID: ev.SecretID, Token: ev.ClientRequestToken, Since: since}
		wait := time.Duration(-1)
		if !p.mode.ByKey {
			h.Until = since.Add(p.mode.Hold)
			if wait = time.Until(h.Until); wait <= 0 {
				return nil
			}
		}
		if p.held == nil || *p.held != *h {
			p.held = h
			p.wakeLocked() // tell watchers a step is held
		}
		changed := p.changed
		p.mu.Unlock()
		err := vclock.Sleep(ctx, wait, changed)
		p.mu.Lock()
		if err != nil {
			return err
		}
	}
}
