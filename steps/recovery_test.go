package steps_test

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	sm "github.com/aws/aws-sdk-go-v2/service/secretsmanager"
	"github.com/google/uuid"

	"rotation-tutor/doctor"
	"rotation-tutor/internal/testworld"
	"rotation-tutor/rotation"
	"rotation-tutor/steps"
)

// leaveUnfinished leaves the world as a rotation cut short after createSecret leaves it:
// AWSPENDING on a new version holding the other user and a new password. With set, the
// database already took the new password too (cut short after setSecret).
func leaveUnfinished(t *testing.T, w *testworld.World, set bool) string {
	t.Helper()
	ctx := context.Background()
	cur, _, _ := w.LW.Value(t, steps.DefaultSecretName, rotation.StageCurrent)
	user, err := rotation.AlternateUsername(cur.Username, 32)
	if err != nil {
		t.Fatal(err)
	}
	pend := rotation.NewSecret(cur.Host, cur.Port, cur.DBName, user, "Pending-"+uuid.NewString()[:12], cur.MasterARN)
	value, _ := pend.JSON()
	token := uuid.NewString()
	if _, err := w.LW.Secrets.PutSecretValue(ctx, &sm.PutSecretValueInput{SecretId: aws.String(steps.DefaultSecretName),
		ClientRequestToken: aws.String(token), SecretString: aws.String(value), VersionStages: []string{rotation.StagePending}}); err != nil {
		t.Fatal(err)
	}
	if set {
		if _, err := w.LW.Admin(t).ExecContext(ctx, "ALTER USER '"+user+"'@'%' IDENTIFIED BY '"+pend.Password+"'"); err != nil {
			t.Fatal(err)
		}
	}
	return token
}

func newSession(t *testing.T, w steps.World, state string) *steps.Session {
	t.Helper()
	s, err := steps.NewSession(w, steps.Options{StateDir: state}, false)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	if _, err := s.Start(context.Background(), nil); err != nil {
		t.Fatal(err)
	}
	return s
}

// A rotation cut short is found from the world, stands in the way of a new one with both
// ways out, and either way leaves a world the doctor passes and a rotation that works.
func TestUnfinishedRotationIsFinishedOrCancelled(t *testing.T) {
	for _, finish := range []bool{true, false} {
		for _, set := range []bool{false, true} {
			w := testworld.New(t)
			state := t.TempDir()
			headless(t, w, state)
			token := leaveUnfinished(t, w, set)
			s := newSession(t, w, state)
			ctx := context.Background()

			st, _ := steps.ByID(steps.ConfigureRotation)
			look, err := st.Look(ctx, s)
			if err != nil || look.Unfinished == nil || look.Unfinished.Pending != token || look.Unfinished.Stale || !look.Unfinished.HasValue {
				t.Fatalf("look: %+v, %v; want the unfinished rotation %s", look.Unfinished, err, token)
			}
			_, err = st.Run(ctx, s)
			var u *steps.UnfinishedError
			if !errors.As(err, &u) || u.Rotation.Pending != token {
				t.Fatalf("configure with a rotation unfinished: %v, want an UnfinishedError", err)
			}
			cmds := st.Commands(s, u.Rotation)
			all := ""
			for _, c := range cmds {
				all += c.Text + "\n"
			}
			if !strings.Contains(all, "--remove-from-version-id "+token) || !strings.Contains(all, `"ClientRequestToken":"`+token+`"`) {
				t.Errorf("the commands lack the two ways out:\n%s", all)
			}
			if finish {
				r, err := s.FinishRotation(ctx)
				if err != nil {
					t.Fatalf("finish (set %v): %v", set, err)
				}
				if cur, v, _ := w.LW.Value(t, steps.DefaultSecretName, rotation.StageCurrent); v != token || w.LW.Login(cur) != nil {
					t.Fatalf("after finishing, AWSCURRENT is %s (want %s) or does not log in: %+v", v, token, r)
				}
			} else if _, err := s.CancelRotation(ctx); err != nil {
				t.Fatalf("cancel: %v", err)
			}
			if _, err := s.Rotate(ctx, rotation.AlternatingUsers, nil); err != nil {
				t.Fatalf("rotate after finish=%v set=%v: %v", finish, set, err)
			}
			doctorPasses(t, w, rotation.AlternatingUsers)
		}
	}
}

// A value stored after a rotation used to leave AWSPENDING behind on the older version:
// nothing failed, the doctor says so without blaming the function, and a headless run
// takes the label off and passes.
func TestStaleLabelIsNotBlamedAndIsCleared(t *testing.T) {
	w := testworld.New(t)
	state := t.TempDir()
	headless(t, w, state)
	ctx := context.Background()
	cur, _, _ := w.LW.Value(t, steps.DefaultSecretName, rotation.StageCurrent)
	value, _ := cur.JSON()
	if _, err := w.LW.Secrets.PutSecretValue(ctx, &sm.PutSecretValueInput{SecretId: aws.String(steps.DefaultSecretName), SecretString: aws.String(value)}); err != nil {
		t.Fatal(err)
	}
	s := newSession(t, w, state)
	rep := doctor.Run(ctx, steps.DoctorTarget(s.Env(), rotation.AlternatingUsers), nil)
	var b bytes.Buffer
	rep.Text(&b, false)
	if rep.OK || !strings.Contains(b.String(), "Nothing failed") || strings.Contains(b.String(), "aws logs tail") {
		t.Fatalf("the doctor on a label left behind:\n%s", b.String())
	}
	s.Close()
	lines := headless(t, w, state)
	found := false
	for _, l := range lines {
		if l["step"] == "recover" && strings.Contains(l["detail"].(string), "cancelled") {
			found = true
		}
	}
	if !found {
		t.Errorf("the headless run did not say it cleared the label: %v", lines)
	}
	doctorPasses(t, w, rotation.AlternatingUsers)
}

// Re-running the store-secret step after rotations changes nothing that works: no new
// version, no label left behind.
func TestStoreSecretAgainLeavesAWorkingSecret(t *testing.T) {
	w := testworld.New(t)
	state := t.TempDir()
	headless(t, w, state)
	before := w.LW.Stages(t, steps.DefaultSecretName)
	s := newSession(t, w, state)
	st, _ := steps.ByID(steps.StoreSecret)
	r, err := st.Run(context.Background(), s)
	if err != nil || !r.Holds || !strings.Contains(r.Fact("Note"), "left as it is") {
		t.Fatalf("store-secret again: %+v, %v", r, err)
	}
	if after := w.LW.Stages(t, steps.DefaultSecretName); len(after) != len(before) {
		t.Fatalf("versions before %v, after %v", before, after)
	}
}

// Restoring after the clean-up brings back a working state: the secret, and the users its
// current and previous versions name, logging in.
func TestRestoreBringsBackAWorkingState(t *testing.T) {
	w := testworld.New(t)
	state := t.TempDir()
	headless(t, w, state)
	s := newSession(t, w, state)
	ctx := context.Background()
	clean, _ := steps.ByID(steps.CleanUp)
	if _, err := clean.Run(ctx, s); err != nil {
		t.Fatal(err)
	}
	r, err := s.RestoreSecret(ctx)
	if err != nil || !r.Holds {
		t.Fatalf("restore: %+v, %v", r, err)
	}
	test, _ := steps.ByID(steps.TestRotated)
	if look, err := test.Look(ctx, s); err != nil || !look.Holds || !strings.Contains(look.Summary, "both log in") {
		t.Fatalf("after restoring: %+v, %v", look, err)
	}
	if look, _ := clean.Look(ctx, s); look.Holds {
		t.Fatalf("the clean-up still says done after the restore: %+v", look)
	}
	doctorPasses(t, w, rotation.AlternatingUsers)
}
