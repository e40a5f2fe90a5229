package rotation_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"rotation-tutor/rotation"
	"rotation-tutor/sandbox/lambda/lambdatest"
)

var waitHeld = lambdatest.WaitHeld

func TestPaceOffHoldsNothing(t *testing.T) {
	var nilPace *rotation.Pace
	if err := nilPace.Wait(context.Background(), rotation.Event{Step: rotation.StepCreate}); err != nil {
		t.Fatal(err)
	}
	p := &rotation.Pace{}
	if err := p.Wait(context.Background(), rotation.Event{Step: rotation.StepCreate}); err != nil {
		t.Fatal(err)
	}
	if p.Next() {
		t.Fatal("Next let something go with nothing held")
	}
}

// Step by step: each step waits for Next, and the rotation.Pace says which it holds.
func TestPaceByKeyHoldsUntilNext(t *testing.T) {
	p := &rotation.Pace{}
	p.SetMode(rotation.PaceMode{ByKey: true})
	done := make(chan error, 1)
	go func() {
		done <- p.Wait(context.Background(), rotation.Event{Step: rotation.StepSet, ClientRequestToken: "v2"})
	}()
	h := waitHeld(t, p, rotation.StepSet)
	if h.Token != "v2" || !h.Until.IsZero() {
		t.Fatalf("held %+v", h)
	}
	if !p.Next() {
		t.Fatal("Next found nothing held")
	}
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if _, ok := p.Holding(); ok {
		t.Fatal("still holding after the step went")
	}
}

// A timed hold says until when; turning slow motion off lets it go at once.
func TestPaceHoldEndsWhenTurnedOff(t *testing.T) {
	p := &rotation.Pace{}
	p.SetMode(rotation.PaceMode{Hold: time.Hour})
	done := make(chan error, 1)
	go func() { done <- p.Wait(context.Background(), rotation.Event{Step: rotation.StepTest}) }()
	h := waitHeld(t, p, rotation.StepTest)
	if got := h.Until.Sub(h.Since); got != time.Hour {
		t.Fatalf("held for %v, want an hour", got)
	}
	p.SetMode(rotation.PaceMode{})
	if err := <-done; err != nil {
		t.Fatal(err)
	}
}

func TestPaceHoldEndsWithItsContext(t *testing.T) {
	p := &rotation.Pace{}
	p.SetMode(rotation.PaceMode{ByKey: true})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- p.Wait(ctx, rotation.Event{Step: rotation.StepFinish}) }()
	waitHeld(t, p, rotation.StepFinish)
	cancel()
	if err := <-done; !errors.Is(err, context.Canceled) {
		t.Fatalf("Wait: %v", err)
	}
}
