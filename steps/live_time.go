package steps

import (
	"context"
	"errors"
	"time"

	"rotation-tutor/rotation"
	"rotation-tutor/rotation/probe"
)

// completeRotations fills in the users of rotations this session saw finish
// without starting them (the schedule's): the user the version names, and
// the one before it.
func (s *Session) completeRotations(ctx context.Context, env *Env) {
	w := &s.live
	w.mu.Lock()
	var todo []string
	for _, r := range w.rotations {
		if r.To == "" {
			todo = append(todo, r.Version)
		}
	}
	w.mu.Unlock()
	for _, v := range todo {
		user := s.usernameOf(ctx, env, v)
		if user == "" {
			continue
		}
		w.mu.Lock()
		for i := range w.rotations {
			if w.rotations[i].Version != v {
				continue
			}
			w.rotations[i].To = user
			if i > 0 {
				w.rotations[i].From = w.rotations[i-1].To
			}
		}
		w.mu.Unlock()
	}
}

// SetClientPolicy changes how the simulated clients cache the secret, now
// and for clients started later.
func (s *Session) SetClientPolicy(p probe.Policy) {
	w := &s.live
	w.mu.Lock()
	w.policy = p
	pr := w.probe
	w.mu.Unlock()
	if pr != nil {
		pr.SetPolicy(p)
	}
}

// Pace is slow motion for this world's rotations; nil when none can be held.
func (s *Session) Pace() *rotation.Pace {
	if env := s.Env(); env != nil {
		return env.Pace
	}
	return nil
}

// ErrNoClock says the world's time is the wall clock's: it cannot be moved.
var ErrNoClock = errors.New("time here is the wall clock's: only the sandbox this program runs has a clock to move")

// ErrNothingScheduled says there is no scheduled rotation to jump to.
var ErrNothingScheduled = errors.New("no rotation is scheduled: rotation is off, or has no schedule")

// JumpToNextRotation moves the world's clock to the secret's next scheduled
// rotation (its NextRotationDate), where Secrets Manager starts it by
// itself, and returns that time.
func (s *Session) JumpToNextRotation(ctx context.Context) (time.Time, error) {
	env, err := s.requireEnv()
	if err != nil {
		return time.Time{}, err
	}
	if env.Clock == nil {
		return time.Time{}, failFix("jump to the next rotation", fixNoClock, ErrNoClock)
	}
	desc, err := describeApp(ctx, env)
	if err != nil {
		return time.Time{}, err
	}
	if desc == nil || desc.NextRotationDate == nil {
		return time.Time{}, failFix("jump to the next rotation", fixNothingScheduled, ErrNothingScheduled)
	}
	next := *desc.NextRotationDate
	env.Clock.JumpTo(next)
	return next, nil
}
