package secretsmanager

import (
	"errors"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	sm "github.com/aws/aws-sdk-go-v2/service/secretsmanager"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager/types"
)

const appValue = `{"engine":"mysql","host":"db","port":3306,"username":"appuser","password":"first"}`

func (e *env) rotate(t *testing.T, in sm.RotateSecretInput) *sm.RotateSecretOutput {
	t.Helper()
	if in.SecretId == nil {
		in.SecretId = aws.String("app")
	}
	return must(e.client.RotateSecret(ctx, &in))(t)
}

func TestRotateSecret(t *testing.T) {
	var mu sync.Mutex
	var results []RotationResult
	e, fn := newRotationEnv(t, Options{OnRotation: func(r RotationResult) {
		mu.Lock()
		defer mu.Unlock()
		results = append(results, r)
	}})
	c := e.create(t, "app", appValue)
	v1 := aws.ToString(c.VersionId)

	r := e.rotate(t, sm.RotateSecretInput{RotationLambdaARN: aws.String(testFunctionARN),
		RotationRules: &types.RotationRulesType{AutomaticallyAfterDays: aws.Int64(2), Duration: aws.String("2h")}})
	tok := aws.ToString(r.VersionId)
	if tok == "" || aws.ToString(r.ARN) != aws.ToString(c.ARN) || aws.ToString(r.Name) != "app" {
		t.Fatalf("RotateSecret answered %+v", r)
	}
	wait(t, e.svc)

	if got := fn.recorded(); !slices.Equal(got, allSteps) {
		t.Fatalf("steps %v, want %v", got, allSteps)
	}
	for _, ev := range fn.events {
		if ev.SecretID != aws.ToString(c.ARN) || ev.ClientRequestToken != tok {
			t.Fatalf("event %+v: want the ARN and token %s", ev, tok)
		}
	}
	// AWS's MySQL template leaves AWSPENDING on the new current version.
	want := map[string][]string{v1: {"AWSPREVIOUS"}, tok: {"AWSCURRENT", "AWSPENDING"}}
	if got := e.stages(t, "app"); !equalStages(got, want) {
		t.Fatalf("stages %v, want %v", got, want)
	}
	d := must(e.client.DescribeSecret(ctx, &sm.DescribeSecretInput{SecretId: aws.String("app")}))(t)
	now := e.clock.Now()
	if !aws.ToBool(d.RotationEnabled) || aws.ToString(d.RotationLambdaARN) != testFunctionARN ||
		aws.ToInt64(d.RotationRules.AutomaticallyAfterDays) != 2 || aws.ToString(d.RotationRules.Duration) != "2h" {
		t.Fatalf("rotation config %+v", d)
	}
	if d.LastRotatedDate == nil || !d.LastRotatedDate.Equal(now) {
		t.Fatalf("LastRotatedDate %v, want %v", d.LastRotatedDate, now)
	}
	// Two days on, in that day's 2-hour window from midnight.
	inWindow(t, d.NextRotationDate, at(t, "2026-03-04T00:00:00Z"), at(t, "2026-03-04T02:00:00Z"))
	g := must(e.client.GetSecretValue(ctx, &sm.GetSecretValueInput{SecretId: aws.String("app")}))(t)
	if !strings.Contains(aws.ToString(g.SecretString), `"username":"appuser"`) || strings.Contains(aws.ToString(g.SecretString), "first") {
		t.Fatalf("rotated value %s", aws.ToString(g.SecretString))
	}
	mu.Lock()
	if len(results) != 1 || results[0].Err != nil || results[0].Attempts != 1 || results[0].Token != tok {
		t.Fatalf("results %+v", results)
	}
	mu.Unlock()

	// A second rotation reuses the stored function and rules, and is
	// allowed because AWSPENDING sits on AWSCURRENT's version.
	r2 := e.rotate(t, sm.RotateSecretInput{})
	wait(t, e.svc)
	want = map[string][]string{tok: {"AWSPREVIOUS"}, aws.ToString(r2.VersionId): {"AWSCURRENT", "AWSPENDING"}}
	if got := e.stages(t, "app"); !equalStages(got, want) {
		t.Fatalf("second rotation stages %v, want %v", got, want)
	}
}

func TestRotatePendingHasNoValue(t *testing.T) {
	e, fn := newRotationEnv(t, Options{RotationAttempts: 1})
	fn.failAt(StepCreate, -1) // leave the version as RotateSecret made it
	e.create(t, "app", appValue)
	r := e.rotate(t, sm.RotateSecretInput{RotationLambdaARN: aws.String(testFunctionARN)})
	wait(t, e.svc)

	// Reading the pending version is "not found" until PutSecretValue with
	// the token and AWSPENDING fills it; that put is not ResourceExists.
	_, err := e.client.GetSecretValue(ctx, &sm.GetSecretValueInput{SecretId: aws.String("app"), VersionId: r.VersionId, VersionStage: aws.String("AWSPENDING")})
	nf := wantErr[*types.ResourceNotFoundException](t, err)
	if nf.ErrorMessage() != "Secrets Manager can't find the specified secret value for VersionId: "+aws.ToString(r.VersionId) {
		t.Fatalf("message %q", nf.ErrorMessage())
	}
	_, err = e.client.GetSecretValue(ctx, &sm.GetSecretValueInput{SecretId: aws.String("app"), VersionStage: aws.String("AWSPENDING")})
	wantErr[*types.ResourceNotFoundException](t, err)
	l := must(e.client.ListSecretVersionIds(ctx, &sm.ListSecretVersionIdsInput{SecretId: aws.String("app")}))(t)
	if len(l.Versions) != 2 {
		t.Fatalf("the empty pending version is not listed: %+v", l.Versions)
	}
	p := must(e.client.PutSecretValue(ctx, &sm.PutSecretValueInput{SecretId: aws.String("app"), ClientRequestToken: r.VersionId,
		SecretString: aws.String(`{"password":"new"}`), VersionStages: []string{"AWSPENDING"}}))(t)
	if aws.ToString(p.VersionId) != aws.ToString(r.VersionId) || !slices.Equal(p.VersionStages, []string{"AWSPENDING"}) {
		t.Fatalf("put into the pending version: %+v", p)
	}
	g := must(e.client.GetSecretValue(ctx, &sm.GetSecretValueInput{SecretId: aws.String("app"), VersionStage: aws.String("AWSPENDING")}))(t)
	if aws.ToString(g.SecretString) != `{"password":"new"}` {
		t.Fatalf("pending value %q", aws.ToString(g.SecretString))
	}
	// AWSCURRENT still answers with the old value.
	g = must(e.client.GetSecretValue(ctx, &sm.GetSecretValueInput{SecretId: aws.String("app")}))(t)
	if aws.ToString(g.SecretString) != appValue {
		t.Fatalf("current value %q", aws.ToString(g.SecretString))
	}
}

func TestRotateRetriesWithSameToken(t *testing.T) {
	var results []RotationResult
	var mu sync.Mutex
	e, fn := newRotationEnv(t, Options{RotationAttempts: 3, OnRotation: func(r RotationResult) {
		mu.Lock()
		results = append(results, r)
		mu.Unlock()
	}})
	fn.failAt(StepSet, 2) // fails twice, then works
	e.create(t, "app", appValue)
	r := e.rotate(t, sm.RotateSecretInput{RotationLambdaARN: aws.String(testFunctionARN)})
	wait(t, e.svc)
	want := []string{StepCreate, StepSet, StepCreate, StepSet, StepCreate, StepSet, StepTest, StepFinish}
	if got := fn.recorded(); !slices.Equal(got, want) {
		t.Fatalf("steps %v, want %v", got, want)
	}
	for _, ev := range fn.events {
		if ev.ClientRequestToken != aws.ToString(r.VersionId) {
			t.Fatalf("retry used token %s, want %s", ev.ClientRequestToken, aws.ToString(r.VersionId))
		}
	}
	mu.Lock()
	defer mu.Unlock()
	if len(results) != 1 || results[0].Err != nil || results[0].Attempts != 3 {
		t.Fatalf("results %+v", results)
	}
}

func TestFailedRotationBlocksNext(t *testing.T) {
	var results []RotationResult
	var mu sync.Mutex
	e, fn := newRotationEnv(t, Options{RotationAttempts: 2, OnRotation: func(r RotationResult) {
		mu.Lock()
		results = append(results, r)
		mu.Unlock()
	}})
	fn.failAt(StepTest, -1)
	c := e.create(t, "app", appValue)
	r := e.rotate(t, sm.RotateSecretInput{RotationLambdaARN: aws.String(testFunctionARN)})
	wait(t, e.svc)
	mu.Lock()
	if len(results) != 1 || results[0].Attempts != 2 || results[0].Err == nil || !strings.Contains(results[0].Err.Error(), "testSecret") {
		t.Fatalf("results %+v", results)
	}
	mu.Unlock()
	// AWSPENDING stays on the new version, AWSCURRENT did not move.
	want := map[string][]string{aws.ToString(c.VersionId): {"AWSCURRENT"}, aws.ToString(r.VersionId): {"AWSPENDING"}}
	if got := e.stages(t, "app"); !equalStages(got, want) {
		t.Fatalf("stages %v, want %v", got, want)
	}
	_, err := e.client.RotateSecret(ctx, &sm.RotateSecretInput{SecretId: aws.String("app")})
	if wantErr[*types.InvalidRequestException](t, err).ErrorMessage() != msgRotationIncomplete {
		t.Fatalf("second rotation: %v", err)
	}
	d := must(e.client.DescribeSecret(ctx, &sm.DescribeSecretInput{SecretId: aws.String("app")}))(t)
	if d.LastRotatedDate != nil {
		t.Fatalf("LastRotatedDate set by a failed rotation")
	}
	// The documented way out: take AWSPENDING off, then rotate again.
	c2 := must(e.client.CancelRotateSecret(ctx, &sm.CancelRotateSecretInput{SecretId: aws.String("app")}))(t)
	if aws.ToString(c2.VersionId) != aws.ToString(r.VersionId) {
		t.Fatalf("CancelRotateSecret VersionId %v, want the pending %v", aws.ToString(c2.VersionId), aws.ToString(r.VersionId))
	}
	d = must(e.client.DescribeSecret(ctx, &sm.DescribeSecretInput{SecretId: aws.String("app")}))(t)
	if aws.ToBool(d.RotationEnabled) || aws.ToString(d.RotationLambdaARN) != testFunctionARN || d.NextRotationDate != nil {
		t.Fatalf("after cancel: %+v", d)
	}
	must(e.client.UpdateSecretVersionStage(ctx, &sm.UpdateSecretVersionStageInput{SecretId: aws.String("app"),
		VersionStage: aws.String("AWSPENDING"), RemoveFromVersionId: r.VersionId}))(t)
	fn.failAt("", 0)
	e.rotate(t, sm.RotateSecretInput{})
	wait(t, e.svc)
	if d := must(e.client.DescribeSecret(ctx, &sm.DescribeSecretInput{SecretId: aws.String("app")}))(t); d.LastRotatedDate == nil || !aws.ToBool(d.RotationEnabled) {
		t.Fatalf("rotation after clean-up: %+v", d)
	}
}

func TestRotationInFlightBlocksAnother(t *testing.T) {
	e, fn := newRotationEnv(t, Options{})
	_, release := fn.hold()
	e.create(t, "app", appValue)
	r := e.rotate(t, sm.RotateSecretInput{RotationLambdaARN: aws.String(testFunctionARN)})
	_, err := e.client.RotateSecret(ctx, &sm.RotateSecretInput{SecretId: aws.String("app")})
	if wantErr[*types.InvalidRequestException](t, err).ErrorMessage() != msgRotationIncomplete {
		t.Fatalf("rotation during rotation: %v", err)
	}
	// The same request again (the SDK retrying) gets the same answer.
	again := must(e.client.RotateSecret(ctx, &sm.RotateSecretInput{SecretId: aws.String("app"), ClientRequestToken: r.VersionId}))(t)
	if aws.ToString(again.VersionId) != aws.ToString(r.VersionId) {
		t.Fatalf("retried RotateSecret: %v", aws.ToString(again.VersionId))
	}
	release()
	wait(t, e.svc)
}

func TestRotateImmediatelyFalse(t *testing.T) {
	e, fn := newRotationEnv(t, Options{})
	c := e.create(t, "app", appValue)
	r := e.rotate(t, sm.RotateSecretInput{RotationLambdaARN: aws.String(testFunctionARN), RotateImmediately: aws.Bool(false),
		RotationRules: &types.RotationRulesType{ScheduleExpression: aws.String("rate(10 days)")}})
	wait(t, e.svc)
	if got := fn.recorded(); !slices.Equal(got, []string{StepTest}) {
		t.Fatalf("steps %v, want only testSecret", got)
	}
	if fn.events[0].ClientRequestToken != aws.ToString(r.VersionId) {
		t.Fatal("testSecret did not get the token")
	}
	// The test version is gone again; AWSCURRENT untouched.
	want := map[string][]string{aws.ToString(c.VersionId): {"AWSCURRENT"}}
	if got := e.stages(t, "app"); !equalStages(got, want) {
		t.Fatalf("stages %v, want %v", got, want)
	}
	d := must(e.client.DescribeSecret(ctx, &sm.DescribeSecretInput{SecretId: aws.String("app")}))(t)
	if !aws.ToBool(d.RotationEnabled) || d.LastRotatedDate != nil {
		t.Fatalf("describe %+v", d)
	}
	inWindow(t, d.NextRotationDate, at(t, "2026-03-12T00:00:00Z"), at(t, "2026-03-13T00:00:00Z"))
}

func TestRotateErrors(t *testing.T) {
	e, _ := newRotationEnv(t, Options{})
	e.create(t, "app", appValue)
	cases := []struct {
		name string
		in   sm.RotateSecretInput
		code string
		msg  string
	}{
		{"no function", sm.RotateSecretInput{}, "InvalidRequestException", msgNoLambda},
		{"unknown function", sm.RotateSecretInput{RotationLambdaARN: aws.String("arn:aws:lambda:us-east-1:000000000000:function:nope")},
			"AccessDeniedException", msgCannotInvoke},
		{"both rules", sm.RotateSecretInput{RotationLambdaARN: aws.String(testFunctionARN),
			RotationRules: &types.RotationRulesType{AutomaticallyAfterDays: aws.Int64(1), ScheduleExpression: aws.String("rate(1 day)")}},
			"InvalidParameterException", "both"},
		{"days out of range", sm.RotateSecretInput{RotationLambdaARN: aws.String(testFunctionARN),
			RotationRules: &types.RotationRulesType{AutomaticallyAfterDays: aws.Int64(1001)}}, "InvalidParameterException", "1000"},
		{"bad cron", sm.RotateSecretInput{RotationLambdaARN: aws.String(testFunctionARN),
			RotationRules: &types.RotationRulesType{ScheduleExpression: aws.String("cron(0 0 * * * *)")}}, "InvalidParameterException", "?"},
		{"bad duration", sm.RotateSecretInput{RotationLambdaARN: aws.String(testFunctionARN),
			RotationRules: &types.RotationRulesType{AutomaticallyAfterDays: aws.Int64(1), Duration: aws.String("90m")}}, "InvalidParameterException", "Duration"},
		{"missing secret", sm.RotateSecretInput{SecretId: aws.String("missing"), RotationLambdaARN: aws.String(testFunctionARN)},
			"ResourceNotFoundException", msgSecretNotFound},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if tc.in.SecretId == nil {
				tc.in.SecretId = aws.String("app")
			}
			_, err := e.client.RotateSecret(ctx, &tc.in)
			wantCode(t, err, tc.code)
			if !strings.Contains(err.Error(), tc.msg) {
				t.Fatalf("%v does not say %q", err, tc.msg)
			}
		})
	}
	// None of the refused calls configured anything.
	d := must(e.client.DescribeSecret(ctx, &sm.DescribeSecretInput{SecretId: aws.String("app")}))(t)
	if d.RotationEnabled != nil || d.RotationLambdaARN != nil || len(d.VersionIdsToStages) != 1 {
		t.Fatalf("refused rotations left a trace: %+v", d)
	}
	must(e.client.DeleteSecret(ctx, &sm.DeleteSecretInput{SecretId: aws.String("app")}))(t)
	_, err := e.client.RotateSecret(ctx, &sm.RotateSecretInput{SecretId: aws.String("app"), RotationLambdaARN: aws.String(testFunctionARN)})
	wantErr[*types.InvalidRequestException](t, err)
}

func TestScheduledRotation(t *testing.T) {
	e, fn := newRotationEnv(t, Options{})
	e.create(t, "app", appValue)
	e.rotate(t, sm.RotateSecretInput{RotationLambdaARN: aws.String(testFunctionARN), RotateImmediately: aws.Bool(false),
		RotationRules: &types.RotationRulesType{AutomaticallyAfterDays: aws.Int64(2)}})
	wait(t, e.svc)
	fn.reset()

	// Configured on 2 March: due on 4 March, at a moment of that day.
	due := e.nextRotation(t, "app")
	inWindow(t, &due, at(t, "2026-03-04T00:00:00Z"), at(t, "2026-03-05T00:00:00Z"))
	if n := e.svc.RotateDue(ctx); n != 0 {
		t.Fatalf("RotateDue started %d before the date", n)
	}
	e.clock.Advance(due.Sub(e.clock.Now()) - time.Minute)
	if n := e.svc.RotateDue(ctx); n != 0 {
		t.Fatalf("RotateDue started %d a minute early", n)
	}
	e.clock.Advance(time.Minute)
	if n := e.svc.RotateDue(ctx); n != 1 {
		t.Fatalf("RotateDue started %d, want 1", n)
	}
	wait(t, e.svc)
	if got := fn.recorded(); !slices.Equal(got, allSteps) {
		t.Fatalf("scheduled steps %v", got)
	}
	d := must(e.client.DescribeSecret(ctx, &sm.DescribeSecretInput{SecretId: aws.String("app")}))(t)
	if !d.LastRotatedDate.Equal(e.clock.Now()) {
		t.Fatalf("LastRotatedDate %v, want %v", d.LastRotatedDate, e.clock.Now())
	}
	inWindow(t, d.NextRotationDate, at(t, "2026-03-06T00:00:00Z"), at(t, "2026-03-07T00:00:00Z"))
	if n := e.svc.RotateDue(ctx); n != 0 {
		t.Fatalf("RotateDue started %d right after rotating", n)
	}
	// A manual change of AWSCURRENT counts as a rotation for the schedule.
	e.clock.Advance(24 * time.Hour)
	must(e.client.PutSecretValue(ctx, &sm.PutSecretValueInput{SecretId: aws.String("app"), SecretString: aws.String(appValue)}))(t)
	next := e.nextRotation(t, "app")
	inWindow(t, &next, at(t, "2026-03-07T00:00:00Z"), at(t, "2026-03-08T00:00:00Z"))
}

// nextRotation is the secret's NextRotationDate.
func (e *env) nextRotation(t *testing.T, id string) time.Time {
	t.Helper()
	d := must(e.client.DescribeSecret(ctx, &sm.DescribeSecretInput{SecretId: aws.String(id)}))(t)
	if d.NextRotationDate == nil {
		t.Fatalf("%s has no NextRotationDate", id)
	}
	return *d.NextRotationDate
}

// inWindow fails unless got is in [open, close).
func inWindow(t *testing.T, got *time.Time, open, close time.Time) {
	t.Helper()
	if got == nil || got.Before(open) || !got.Before(close) {
		t.Fatalf("%v is not in the window %v – %v", got, open, close)
	}
}

func TestScheduledRetryOfFailedRotation(t *testing.T) {
	e, fn := newRotationEnv(t, Options{RotationAttempts: 1})
	e.create(t, "app", appValue)
	fn.failAt(StepSet, 2)
	r := e.rotate(t, sm.RotateSecretInput{RotationLambdaARN: aws.String(testFunctionARN),
		RotationRules: &types.RotationRulesType{ScheduleExpression: aws.String("rate(4 hours)")}})
	wait(t, e.svc) // first failure
	// The schedule reattempts it in its next window: 12:00 to 13:00.
	due := e.nextRotation(t, "app")
	inWindow(t, &due, at(t, "2026-03-02T12:00:00Z"), at(t, "2026-03-02T13:00:00Z"))
	e.clock.Advance(due.Sub(e.clock.Now()))
	if n := e.svc.RotateDue(ctx); n != 1 {
		t.Fatalf("RotateDue started %d, want the reattempt", n)
	}
	wait(t, e.svc) // second failure
	e.clock.Advance(30 * time.Minute)
	if n := e.svc.RotateDue(ctx); n != 0 {
		t.Fatalf("a failed rotation is retried within the hold-off")
	}
	// An hour's hold-off outlasts the window: the next one, 16:00 to 17:00.
	due = e.nextRotation(t, "app")
	inWindow(t, &due, at(t, "2026-03-02T16:00:00Z"), at(t, "2026-03-02T17:00:00Z"))
	e.clock.Advance(due.Sub(e.clock.Now()))
	if n := e.svc.RotateDue(ctx); n != 1 {
		t.Fatalf("RotateDue started %d, want the reattempt", n)
	}
	wait(t, e.svc)
	fn.mu.Lock()
	last := fn.events[len(fn.events)-1]
	fn.mu.Unlock()
	if last.ClientRequestToken != aws.ToString(r.VersionId) || last.Step != StepFinish {
		t.Fatalf("the reattempt did not reuse token %s: %+v", aws.ToString(r.VersionId), last)
	}
	if cur := e.svc.countStage("app", "AWSCURRENT"); cur != 1 {
		t.Fatalf("%d versions carry AWSCURRENT", cur)
	}
}

func TestCancelStopsRetries(t *testing.T) {
	e, fn := newRotationEnv(t, Options{RotationAttempts: 5})
	entered, release := fn.hold()
	defer release()
	e.create(t, "app", appValue)
	e.rotate(t, sm.RotateSecretInput{RotationLambdaARN: aws.String(testFunctionARN)})
	<-entered
	must(e.client.CancelRotateSecret(ctx, &sm.CancelRotateSecretInput{SecretId: aws.String("app")}))(t)
	wait(t, e.svc)
	if got := fn.recorded(); !slices.Equal(got, []string{StepCreate, StepSet}) {
		t.Fatalf("steps after cancel %v", got)
	}
}

func TestConcurrentRequests(t *testing.T) {
	e, _ := newRotationEnv(t, Options{})
	e.create(t, "app", appValue)
	var wg sync.WaitGroup
	errs := make(chan error, 64)
	for i := range 8 {
		wg.Go(func() {
			for j := range 20 {
				var err error
				switch (i + j) % 4 {
				case 0:
					_, err = e.client.GetSecretValue(ctx, &sm.GetSecretValueInput{SecretId: aws.String("app")})
				case 1:
					_, err = e.client.PutSecretValue(ctx, &sm.PutSecretValueInput{SecretId: aws.String("app"), SecretString: aws.String(appValue)})
				case 2:
					_, err = e.client.ListSecrets(ctx, &sm.ListSecretsInput{})
				case 3:
					_, err = e.client.RotateSecret(ctx, &sm.RotateSecretInput{SecretId: aws.String("app"), RotationLambdaARN: aws.String(testFunctionARN)})
					if _, ok := errors.AsType[*types.InvalidRequestException](err); ok {
						err = nil // another goroutine's rotation is in flight
					}
				}
				if err != nil {
					errs <- err
					return
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	wait(t, e.svc)
	if cur := e.svc.countStage("app", "AWSCURRENT"); cur != 1 {
		t.Fatalf("%d versions carry AWSCURRENT", cur)
	}
}

// countStage counts the versions carrying stage (test helper).
func (s *Service) countStage(name, stage string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := 0
	for _, v := range s.secrets[regionName(s.opts.Region, name)].Versions {
		if v.hasStage(stage) {
			n++
		}
	}
	return n
}
