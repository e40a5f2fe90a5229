package vclock

import (
	"context"
	"errors"
	"testing"
	"time"
)

var t0 = time.Date(2026, 3, 2, 10, 0, 0, 0, time.UTC)

func TestStoppedClockMovesOnlyByJumps(t *testing.T) {
	c := NewStopped(t0)
	if !c.Now().Equal(t0) {
		t.Fatalf("now %v, want %v", c.Now(), t0)
	}
	if err := c.Jump(2 * time.Hour); err != nil {
		t.Fatal(err)
	}
	c.JumpTo(t0.Add(time.Hour)) // in the past: no change
	if want := t0.Add(2 * time.Hour); !c.Now().Equal(want) {
		t.Fatalf("now %v, want %v", c.Now(), want)
	}
	if err := c.Jump(-time.Second); !errors.Is(err, ErrBackwards) {
		t.Fatalf("a jump back: %v", err)
	}
	if wait, _ := c.RealUntil(t0.Add(3 * time.Hour)); wait != -1 {
		t.Fatalf("a stopped clock never gets there by itself: wait %v", wait)
	}
	if wait, _ := c.RealUntil(t0); wait != 0 {
		t.Fatalf("a moment already past: wait %v", wait)
	}
}

// A waiter sleeps until woken by the jump that takes the clock past its
// moment, not before.
func TestUntilWakesOnTheJumpThatGetsThere(t *testing.T) {
	c := NewStopped(t0)
	target := t0.Add(48 * time.Hour)
	done := make(chan error, 1)
	go func() { done <- c.Until(context.Background(), target) }()

	_, changed := c.RealUntil(target)
	if err := c.Jump(24 * time.Hour); err != nil { // not there yet
		t.Fatal(err)
	}
	<-changed
	select {
	case err := <-done:
		t.Fatalf("Until returned half-way: %v", err)
	default:
	}
	c.JumpTo(target)
	if err := <-done; err != nil {
		t.Fatal(err)
	}
}

func TestUntilEndsWithItsContext(t *testing.T) {
	c := NewStopped(t0)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := c.Until(ctx, t0.Add(time.Hour)); !errors.Is(err, context.Canceled) {
		t.Fatalf("Until: %v", err)
	}
}

// On a running clock the wall-clock wait is the virtual distance divided by
// the scale (less, as time passes while it is computed).
func TestRealUntilDividesByTheScale(t *testing.T) {
	c, err := New(3600)
	if err != nil {
		t.Fatal(err)
	}
	wait, _ := c.RealUntil(c.Now().Add(2 * time.Hour))
	if wait <= 0 || wait > 2*time.Second {
		t.Fatalf("two virtual hours at 3600× are at most two real seconds away, got %v", wait)
	}
	before := c.Now()
	if err := c.SetScale(1); err != nil {
		t.Fatal(err)
	}
	if c.Now().Before(before) {
		t.Fatal("changing the rate moved the clock back")
	}
	if c.Scale() != 1 {
		t.Fatalf("scale %v", c.Scale())
	}
}

func TestScaleBounds(t *testing.T) {
	for _, bad := range []float64{0, 0.5, -1, MaxScale + 1} {
		if _, err := New(bad); err == nil {
			t.Errorf("scale %v accepted", bad)
		}
	}
	for _, good := range []float64{1, 60, MaxScale} {
		if err := CheckScale(good); err != nil {
			t.Errorf("scale %v refused: %v", good, err)
		}
	}
}
