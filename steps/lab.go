package steps

import (
	"context"
	"fmt"
	"time"

	"rotation-tutor/rotation"
)

// Lab breaks the world the way real set-ups break, for the troubleshooting screen's "break
// something"; the sandbox has one, a real account none (Env.Lab nil).
type Lab interface {
	// BreakRandom breaks the world one way, chosen at random, and returns that way; the app
	// secret is the tutorial's.
	BreakRandom(ctx context.Context, secretName string) (LabScenario, error)
	// Fix repairs what the named scenario broke.
	Fix(ctx context.Context, name, secretName string) error
}

// LabScenario is one way of breaking the world, and where the doctor must find it.
type LabScenario struct {
	Name, What, Heading, Hop, Check string
}

// ConfirmFixed shows a fault is gone the way the learner would: it rotates the app secret
// again and logs in with the new current version.
func (s *Session) ConfirmFixed(ctx context.Context) (Result, error) {
	start := time.Now()
	r, err := s.Rotate(ctx, s.Choices().Strategy, nil)
	if err != nil {
		return Result{}, err
	}
	l, err := s.loginWith(ctx, rotation.StageCurrent)
	if err != nil {
		return Result{}, err
	}
	if l.Err != nil {
		return Result{}, fail("log in with the rotated secret", l.Err)
	}
	return Result{Holds: true, At: start, Took: time.Since(start),
		Summary: fmt.Sprintf("rotated (%s → %s), and %s logs in with the new AWSCURRENT", r.From, r.To, l.CurrentUser)}, nil
}
