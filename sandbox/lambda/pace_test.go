package lambda_test

import (
	"context"
	"slices"
	"sync"
	"testing"

	"rotation-tutor/rotation"
	"rotation-tutor/sandbox/lambda"
	"rotation-tutor/sandbox/lambda/lambdatest"
)

// One Pace holds the steps wherever they run — the Lambda service of the
// sandbox, and the local rotator — one step per Next, and nothing of a step
// happens while it is held.
func TestSlowMotionHoldsEachStepWhereItRuns(t *testing.T) {
	var mu sync.Mutex
	var finished []string
	observe := func(ev rotation.StepEvent) {
		if ev.Done {
			mu.Lock()
			finished = append(finished, ev.Step)
			mu.Unlock()
		}
	}
	w := lambdatest.New(t, lambdatest.Options{Observe: observe})
	pace := &rotation.Pace{}
	pace.SetMode(rotation.PaceMode{ByKey: true})
	w.Registry.SetPace(pace)
	arn := w.AppSecret(t, "SecretsManagerTutorialAppuser", "appuser", lambdatest.RandomPassword(t))

	stepThrough := func(name string, rotate func() error) {
		t.Helper()
		mu.Lock()
		finished = nil
		mu.Unlock()
		done := make(chan error, 1)
		go func() { done <- rotate() }()
		for i, step := range rotation.Steps {
			lambdatest.WaitHeld(t, pace, step)
			mu.Lock()
			got := slices.Clone(finished)
			mu.Unlock()
			if !slices.Equal(got, rotation.Steps[:i]) {
				t.Fatalf("%s: with %s held, the steps done are %v", name, step, got)
			}
			pace.Next()
		}
		if err := <-done; err != nil {
			t.Fatalf("%s: %v", name, err)
		}
	}

	stepThrough("the sandbox's Lambda", func() error {
		return w.Rotate(t, arn, lambda.AlternatingARN(lambdatest.Region)).Err
	})
	if cur := w.Check(t, arn, rotation.AlternatingUsers); cur.Username != "appuser_clone" {
		t.Fatalf("after the paced rotation: %s", cur.Username)
	}

	local := w.Function(rotation.AlternatingUsers)
	local.Pace, local.Observe = pace, observe
	stepThrough("the local rotator", func() error { return local.RotateLocally(context.Background(), arn) })
	if cur := w.Check(t, arn, rotation.AlternatingUsers); cur.Username != "appuser" {
		t.Fatalf("after the paced local rotation: %s", cur.Username)
	}
}
