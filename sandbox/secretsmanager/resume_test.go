package secretsmanager

import (
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	sm "github.com/aws/aws-sdk-go-v2/service/secretsmanager"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager/types"
)

// A failed rotation is retried as Lambda retries an asynchronous invocation: twice, a minute
// and then two minutes (of the service's clock) after the failure, with the same token.
// Meanwhile nothing runs, RotateSecret says the rotation will be reattempted, and the state
// shows the attempts; once all three failed, the failure stays visible.
func TestFailedRotationIsRetriedWithBackoff(t *testing.T) {
	var mu sync.Mutex
	var results []RotationResult
	e, fn := newRotationEnv(t, Options{RetryDelay: time.Minute, OnRotation: func(r RotationResult) {
		mu.Lock()
		results = append(results, r)
		mu.Unlock()
	}})
	fn.failAt(StepSet, -1)
	e.create(t, "app", appValue)
	r := e.rotate(t, sm.RotateSecretInput{RotationLambdaARN: aws.String(testFunctionARN)})
	token := aws.ToString(r.VersionId)
	start := e.clock.Now()

	for attempt, delay := range []time.Duration{time.Minute, 2 * time.Minute} {
		wait(t, e.svc)
		st := onlyRotation(t, e.svc)
		if st.Running || st.Failed || st.Attempts != attempt+1 || !st.NextAttempt.Equal(e.clock.Now().Add(delay)) ||
			st.Token != token || !strings.Contains(st.LastError, "setSecret") {
			t.Fatalf("after attempt %d: %+v, want the next in %v", attempt+1, st, delay)
		}
		_, err := e.client.RotateSecret(ctx, &sm.RotateSecretInput{SecretId: aws.String("app")})
		if wantErr[*types.InvalidRequestException](t, err).ErrorMessage() != msgRotationIncomplete {
			t.Fatalf("RotateSecret while a retry waits: %v", err)
		}
		e.clock.Advance(delay - time.Second)
		if n := e.svc.RotateDue(ctx); n != 0 {
			t.Fatalf("attempt %d started a second early", attempt+2)
		}
		e.clock.Advance(time.Second)
		if n := e.svc.RotateDue(ctx); n != 1 {
			t.Fatalf("RotateDue started %d at the retry's time, want 1", n)
		}
	}
	wait(t, e.svc)
	st := onlyRotation(t, e.svc)
	if !st.Failed || st.Attempts != 3 || st.Running {
		t.Fatalf("after three failed attempts: %+v", st)
	}
	if e.clock.Now().Sub(start) != 3*time.Minute {
		t.Fatalf("the attempts took %v of the service's clock, want 3 minutes", e.clock.Now().Sub(start))
	}
	mu.Lock()
	defer mu.Unlock()
	if len(results) != 1 || results[0].Attempts != 3 || results[0].Err == nil {
		t.Fatalf("results %+v, want one failure after 3 attempts", results)
	}
	for _, ev := range fn.events {
		if ev.ClientRequestToken != token {
			t.Fatalf("an attempt used token %s, want %s", ev.ClientRequestToken, token)
		}
	}
	if got := fn.recorded(); !slices.Equal(got, []string{StepCreate, StepSet, StepCreate, StepSet, StepCreate, StepSet}) {
		t.Fatalf("steps %v", got)
	}
}

// A retry that works ends the rotation well, and leaves nothing unfinished.
func TestRetryAfterBackoffSucceeds(t *testing.T) {
	e, fn := newRotationEnv(t, Options{RetryDelay: time.Minute})
	fn.failAt(StepTest, 1)
	e.create(t, "app", appValue)
	r := e.rotate(t, sm.RotateSecretInput{RotationLambdaARN: aws.String(testFunctionARN)})
	wait(t, e.svc)
	e.clock.Advance(time.Minute)
	if n := e.svc.RotateDue(ctx); n != 1 {
		t.Fatalf("RotateDue started %d", n)
	}
	wait(t, e.svc)
	if got := e.svc.Rotations(); len(got) != 0 {
		t.Fatalf("unfinished rotations after a successful retry: %+v", got)
	}
	if !slices.Contains(e.stages(t, "app")[aws.ToString(r.VersionId)], "AWSCURRENT") {
		t.Fatalf("AWSCURRENT did not move to the rotation's version: %v", e.stages(t, "app"))
	}
}

// A rotation cut short by a stop (or a crash) is resumed by the next start, with its token,
// and finishes.
func TestRotationCutShortIsResumed(t *testing.T) {
	path := filepath.Join(t.TempDir(), "state")
	key := make([]byte, 32)
	opts, fn := withFunction(Options{StatePath: path, StateKey: key})
	e := newEnv(t, opts)
	fn.setClient(e.client)
	entered, release := fn.hold()
	e.create(t, "app", appValue)
	r := e.rotate(t, sm.RotateSecretInput{RotationLambdaARN: aws.String(testFunctionARN)})
	<-entered
	if err := e.svc.Close(); err != nil { // cancels the rotation half-way
		t.Fatal(err)
	}
	release()

	fn.reset()
	opts.Clock = e.clock
	e2 := newEnv(t, opts)
	fn.setClient(e2.client)
	st := onlyRotation(t, e2.svc)
	if st.Running || st.Failed || st.Attempts != 0 || st.Token != aws.ToString(r.VersionId) {
		t.Fatalf("after the restart: %+v, want the rotation waiting to go on", st)
	}
	if n := e2.svc.RotateDue(ctx); n != 1 {
		t.Fatalf("RotateDue resumed %d rotations, want 1", n)
	}
	wait(t, e2.svc)
	if got := fn.recorded(); !slices.Equal(got, allSteps) {
		t.Fatalf("steps after the restart %v, want all four", got)
	}
	if !slices.Contains(e2.stages(t, "app")[aws.ToString(r.VersionId)], "AWSCURRENT") {
		t.Fatalf("AWSCURRENT did not move to the rotation's version: %v", e2.stages(t, "app"))
	}
}

func onlyRotation(t *testing.T, svc *Service) RotationStatus {
	t.Helper()
	rs := svc.Rotations()
	if len(rs) != 1 {
		t.Fatalf("%d unfinished rotations, want 1: %+v", len(rs), rs)
	}
	return rs[0]
}
