package secretsmanager

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	sm "github.com/aws/aws-sdk-go-v2/service/secretsmanager"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager/types"

	"rotation-tutor/internal/vclock"
)

// On a clock it can sleep on, the scheduler starts a rotation by itself when
// the clock reaches the moment in its window — no RotateSecret, no call to
// RotateDue — and a failed attempt's retry comes when the same clock says.
// The test moves the clock and waits for the service's own reports.
func TestSchedulerRotatesWhenTheClockGetsThere(t *testing.T) {
	clock := vclock.NewStopped(at(t, "2026-03-02T10:00:00Z"))
	results := make(chan RotationResult, 8)
	logs := make(chan string, 8)
	e, fn := newRotationEnv(t, Options{Clock: clock, RetryDelay: time.Minute,
		OnRotation: func(r RotationResult) { results <- r },
		Logf:       func(format string, args ...any) { logs <- fmt.Sprintf(format, args...) }})
	e.create(t, "app", appValue)
	e.rotate(t, sm.RotateSecretInput{RotationLambdaARN: aws.String(testFunctionARN), RotateImmediately: aws.Bool(false),
		RotationRules: &types.RotationRulesType{ScheduleExpression: aws.String("rate(2 days)"), Duration: aws.String("2h")}})
	if r := <-results; r.Scheduled || r.Err != nil {
		t.Fatalf("the configuration's test run: %+v", r)
	}
	fn.reset()
	fn.failAt(StepSet, 1)

	due := e.nextRotation(t, "app")
	open, close := at(t, "2026-03-04T00:00:00Z"), at(t, "2026-03-04T02:00:00Z")
	inWindow(t, &due, open, close)
	clock.JumpTo(due)

	// setSecret fails; the service says the retry waits a minute of its clock.
	if line, want := <-logs, "the next at "+due.Add(time.Minute).Format(time.RFC3339); !strings.Contains(line, want) {
		t.Fatalf("the service said %q, want %q", line, want)
	}
	if err := clock.Jump(time.Minute); err != nil {
		t.Fatal(err)
	}
	r := <-results
	if !r.Scheduled || r.Err != nil || r.Attempts != 2 || !r.WindowOpen.Equal(open) || !r.WindowClose.Equal(close) {
		t.Fatalf("the retry a minute later: %+v", r)
	}
	d := must(e.client.DescribeSecret(ctx, &sm.DescribeSecretInput{SecretId: aws.String("app")}))(t)
	if want := due.Add(time.Minute); !d.LastRotatedDate.Equal(want) {
		t.Fatalf("LastRotatedDate %v, want %v (the service's clock)", d.LastRotatedDate, want)
	}
	inWindow(t, d.NextRotationDate, at(t, "2026-03-06T00:00:00Z"), at(t, "2026-03-06T02:00:00Z"))
	if got := fn.recorded(); len(got) != 6 { // createSecret, setSecret (failed); then all four
		t.Fatalf("steps %v", got)
	}
}

var _ sleeper = (*vclock.Clock)(nil)
