package steps_test

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	sm "github.com/aws/aws-sdk-go-v2/service/secretsmanager"

	"rotation-tutor/doctor"
	"rotation-tutor/internal/testworld"
	"rotation-tutor/rotation"
	"rotation-tutor/rotation/probe"
	"rotation-tutor/steps"
)

func headless(t *testing.T, w steps.World, state string) []map[string]any {
	t.Helper()
	var out bytes.Buffer
	if err := steps.RunHeadless(context.Background(), w, steps.HeadlessOptions{JSON: true, Out: &out, Session: steps.Options{StateDir: state}}); err != nil {
		t.Fatalf("RunHeadless: %v\n%s", err, out.String())
	}
	var lines []map[string]any
	for _, l := range strings.Split(strings.TrimSpace(out.String()), "\n") {
		var m map[string]any
		if err := json.Unmarshal([]byte(l), &m); err != nil {
			t.Fatalf("not JSON: %q", l)
		}
		if m["ok"] != true {
			t.Fatalf("step failed: %v", m)
		}
		lines = append(lines, m)
	}
	return lines
}

// doctorPasses runs the doctor on the world as the steps see it.
func doctorPasses(t *testing.T, w steps.World, strategy rotation.Strategy) {
	t.Helper()
	s, err := steps.NewSession(w, steps.Options{}, true)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	env, err := s.Start(context.Background(), nil)
	if err != nil {
		t.Fatal(err)
	}
	rep := doctor.Run(context.Background(), steps.DoctorTarget(env, strategy), nil)
	if !rep.OK {
		var b bytes.Buffer
		rep.Text(&b, false)
		t.Fatalf("the doctor failed:\n%s", b.String())
	}
}

func TestHeadlessOnTheSandbox(t *testing.T) {
	w := testworld.New(t)
	state := t.TempDir()
	lines := headless(t, w, state)
	if len(lines) != 11 {
		t.Fatalf("%d lines, want 9 steps and 2 rotations", len(lines))
	}
	// The configure step made appuser_clone current; the two rotations go
	// back and forth.
	if d := lines[9]["detail"].(string); !strings.HasPrefix(d, "appuser_clone → appuser ") {
		t.Errorf("first extra rotation: %q", d)
	}
	if d := lines[10]["detail"].(string); !strings.HasPrefix(d, "appuser → appuser_clone ") {
		t.Errorf("second extra rotation: %q", d)
	}
	b, err := os.ReadFile(filepath.Join(state, "progress.json"))
	if err != nil {
		t.Fatal(err)
	}
	secrets := []string{w.AdminPassword}
	for _, stage := range []string{"AWSCURRENT", "AWSPREVIOUS"} {
		v, err := w.LW.Secrets.GetSecretValue(context.Background(), &sm.GetSecretValueInput{
			SecretId: aws.String(steps.DefaultSecretName), VersionStage: aws.String(stage)})
		if err != nil {
			t.Fatal(err)
		}
		var val struct{ Password string }
		json.Unmarshal([]byte(aws.ToString(v.SecretString)), &val)
		secrets = append(secrets, val.Password)
	}
	for _, s := range secrets {
		if s == "" || strings.Contains(string(b), s) {
			t.Fatalf("the progress file holds a secret (or one was empty):\n%s", b)
		}
	}
}

// run --yes three times on one state: each run passes, the doctor passes after each, and
// clients that log in throughout never fail (a re-run must not reset a password they use).
func TestHeadlessThreeTimesOnOneState(t *testing.T) {
	w := testworld.New(t)
	state := t.TempDir()
	headless(t, w, state)
	p, err := probe.Start(context.Background(), probe.Config{Clients: 4, Secrets: w.LW.Secrets, SecretID: steps.DefaultSecretName,
		Dial: w.LW.Dial})
	if err != nil {
		t.Fatal(err)
	}
	defer p.Stop()
	for run := 2; run <= 3; run++ {
		// The clients log in with what they hold, then the run happens, then they log in
		// again: every login before a refresh must still work.
		if err := p.LoginAll(context.Background()); err != nil {
			t.Fatal(err)
		}
		lines := headless(t, w, state)
		for _, l := range lines {
			if l["step"] == "create-user" && !strings.Contains(l["detail"].(string), "exists") {
				t.Errorf("run %d: create-user %v", run, l)
			}
		}
		if err := p.RefreshAll(context.Background()); err != nil {
			t.Fatal(err)
		}
		doctorPasses(t, w, rotation.AlternatingUsers)
	}
	if snap := p.Snapshot(); snap.Failed != 0 {
		t.Fatalf("%d failed logins across re-runs, want 0: %+v", snap.Failed, snap)
	}
}

// A learner who quit after the tutorial and comes back resumes on a later step in a new
// process, with no tunnel open yet: the steps that need the database reconnect by
// themselves instead of failing.
func TestResumedSessionReconnects(t *testing.T) {
	w := testworld.New(t)
	state := t.TempDir()
	ctx := context.Background()
	headless(t, w, state)

	s, err := steps.NewSession(w, steps.Options{StateDir: state}, false)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if _, err := s.Start(ctx, nil); err != nil {
		t.Fatal(err)
	}
	if s.Connected() {
		t.Fatal("a new session is connected before anything asked for the database")
	}
	if err := s.StartProbe(ctx); err != nil {
		t.Fatalf("StartProbe after resume: %v", err)
	}
	defer s.StopProbe()
	if !s.Connected() {
		t.Fatal("StartProbe did not reconnect")
	}
	if _, err := s.Rotate(ctx, rotation.AlternatingUsers, nil); err != nil {
		t.Fatalf("rotate after resume: %v", err)
	}
}
