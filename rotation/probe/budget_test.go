package probe

import (
	"context"
	"testing"
	"time"
)

// A budget's first turn is now; the next is a whole period later, so a caller
// that gives up before it never logs in. Rates below one a second are one.
func TestBudgetTurns(t *testing.T) {
	b := NewBudget(1)
	if !b.wait(t.Context()) {
		t.Fatal("the first turn was not given at once")
	}
	if d := time.Until(b.next); d <= 0 || d > time.Second {
		t.Fatalf("the next turn is %v away, want a second at most and not now", d)
	}
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	if b.wait(ctx) {
		t.Fatal("a caller that gave up was given a turn a second away")
	}
	if got := NewBudget(0).every; got != time.Second {
		t.Errorf("NewBudget(0) spaces logins %v apart, want a second", got)
	}
	if got := NewBudget(400).every; got != 2500*time.Microsecond {
		t.Errorf("NewBudget(400) spaces logins %v apart, want 2.5 ms", got)
	}
}
