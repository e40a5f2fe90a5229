package rotation_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"

	"rotation-tutor/rotation"
	"rotation-tutor/sandbox/lambda"
	"rotation-tutor/sandbox/lambda/lambdatest"
)

type faultCase struct {
	step  string
	fault fault
	// dropDial: which of the step's dials fails for dbDropped (see
	// injector.dropDial); 0 when the fault does not apply.
	dropDial map[rotation.Strategy]int
}

// Every fault at every step where it can happen. createSecret and
// finishSecret do not touch the database.
var faultCases = []faultCase{
	{step: rotation.StepCreate, fault: endpointError},
	{step: rotation.StepCreate, fault: crash},
	// setSecret dials: 1 pending check, 2 current login (alternating) or
	// own login (single user), 3 admin login (alternating).
	{step: rotation.StepSet, fault: dbDropped, dropDial: map[rotation.Strategy]int{rotation.AlternatingUsers: 3, rotation.SingleUser: 2}},
	{step: rotation.StepSet, fault: endpointError},
	{step: rotation.StepSet, fault: crash},
	{step: rotation.StepTest, fault: dbDropped, dropDial: map[rotation.Strategy]int{rotation.AlternatingUsers: 1, rotation.SingleUser: 1}},
	{step: rotation.StepTest, fault: endpointError},
	{step: rotation.StepTest, fault: crash},
	{step: rotation.StepFinish, fault: endpointError},
	{step: rotation.StepFinish, fault: crash},
}

// Through the service: the fault fails the first attempt, the service
// retries the whole rotation with the same token, and it completes. A second
// rotation then works too, and the invariants hold after each.
func TestFaultsThenServiceRetry(t *testing.T) {
	for _, s := range []rotation.Strategy{rotation.AlternatingUsers, rotation.SingleUser} {
		for _, fc := range faultCases {
			if fc.step == rotation.StepSet && fc.fault == endpointError && s == rotation.SingleUser {
				continue // the single-user setSecret reads no admin secret
			}
			t.Run(fmt.Sprintf("%s/%s/%s", s, fc.step, fc.fault), func(t *testing.T) {
				w := newWorld(t)
				arn := w.AppSecret(t, appSecret, "appuser", lambdatest.RandomPassword(t))
				in := &injector{adminARN: w.AdminARN, dropDial: fc.dropDial[s]}
				fnARN := lambda.FunctionARN(lambdatest.Region, "faulty-"+string(s))
				w.Registry.Register(fnARN, in.wrap(w.Function(s)))

				in.arm(fc.step, fc.fault)
				r := w.Rotate(t, arn, fnARN)
				if !in.didFire() {
					t.Fatal("the fault never fired")
				}
				if r.Err != nil || r.Attempts != 2 {
					t.Fatalf("rotation: attempts %d, err %v; want success on the retry", r.Attempts, r.Err)
				}
				first := w.Check(t, arn, s)
				if r := w.Rotate(t, arn, fnARN); r.Err != nil {
					t.Fatalf("next rotation: %v", r.Err)
				}
				if second := w.Check(t, arn, s); s == rotation.AlternatingUsers && second.Username == first.Username {
					t.Fatalf("user did not alternate: %s twice", first.Username)
				}
			})
		}
	}
}

// The local rotator: the fault (a crash cancels the rotation's context, as a
// dying process would) stops the rotation; ResumeLocally finishes it.
func TestFaultsThenLocalResume(t *testing.T) {
	for _, s := range []rotation.Strategy{rotation.AlternatingUsers, rotation.SingleUser} {
		for _, fc := range faultCases {
			if fc.step == rotation.StepSet && fc.fault == endpointError && s == rotation.SingleUser {
				continue
			}
			t.Run(fmt.Sprintf("%s/%s/%s", s, fc.step, fc.fault), func(t *testing.T) {
				w := newWorld(t)
				arn := w.AppSecret(t, appSecret, "appuser", lambdatest.RandomPassword(t))
				ctx, cancel := context.WithCancel(context.Background())
				defer cancel()
				in := &injector{adminARN: w.AdminARN, dropDial: fc.dropDial[s], onCrash: cancel}
				fn := in.wrap(w.Function(s))

				in.arm(fc.step, fc.fault)
				token, err := fn.RotateLocallyVersion(ctx, arn)
				if !in.didFire() {
					t.Fatal("the fault never fired")
				}
				if err == nil {
					t.Fatal("the rotation survived the fault")
				}
				for _, stage := range []string{rotation.StageCurrent, rotation.StagePending, rotation.StagePrevious} {
					if v, _, ok := w.Value(t, arn, stage); ok && strings.Contains(err.Error(), v.Password) {
						t.Fatalf("the error shows the %s password: %v", stage, err)
					}
				}
				if !strings.Contains(err.Error(), fc.step+": ") {
					t.Fatalf("the error does not name the step: %v", err)
				}
				v, err := fn.ResumeLocally(context.Background(), arn)
				switch {
				case errors.Is(err, rotation.ErrNothingToResume) && fc.step == rotation.StepFinish:
					// AWSCURRENT moved before the crash: AWSPENDING is on the
					// current version, an allowed end state. Done.
				case errors.Is(err, rotation.ErrNothingToResume) && fc.step == rotation.StepCreate && fc.fault == endpointError:
					// Nothing was stored: start again.
					if token, err = fn.RotateLocallyVersion(context.Background(), arn); err != nil {
						t.Fatalf("rotate again: %v", err)
					}
				case err != nil:
					t.Fatalf("resume: %v", err)
				case v != token:
					t.Fatalf("resumed version %s, want %s", v, token)
				}
				first := w.Check(t, arn, s)
				if _, cur, _ := w.Value(t, arn, rotation.StageCurrent); cur != token {
					t.Fatalf("AWSCURRENT is %s, want the rotation's %s", cur, token)
				}
				if err := fn.RotateLocally(context.Background(), arn); err != nil {
					t.Fatalf("next rotation: %v", err)
				}
				if second := w.Check(t, arn, s); s == rotation.AlternatingUsers && second.Username == first.Username {
					t.Fatalf("user did not alternate: %s twice", first.Username)
				}
			})
		}
	}
}
