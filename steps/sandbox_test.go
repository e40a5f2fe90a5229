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

	"rotation-tutor/internal/testworld"
	"rotation-tutor/steps"
)

func TestHeadlessOnTheSandbox(t *testing.T) {
	w := testworld.New(t)
	state := t.TempDir()
	var out bytes.Buffer
	if err := steps.RunHeadless(context.Background(), w, steps.HeadlessOptions{JSON: true, Out: &out, StateDir: state}); err != nil {
		t.Fatalf("RunHeadless: %v\n%s", err, out.String())
	}
	t.Log("\n" + out.String())
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
	if len(lines) != 11 {
		t.Fatalf("%d lines, want 9 steps and 2 rotations:\n%s", len(lines), out.String())
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

// A learner who quit after the tutorial and comes back resumes on a later step in a new
// process, with no tunnel open yet: the steps that need the database reconnect by
// themselves instead of failing (the live view's clients used to die with "context
// canceled").
func TestResumedSessionReconnects(t *testing.T) {
	w := testworld.New(t)
	state := t.TempDir()
	ctx := context.Background()
	var out bytes.Buffer
	if err := steps.RunHeadless(ctx, w, steps.HeadlessOptions{Out: &out, StateDir: state}); err != nil {
		t.Fatalf("first run: %v\n%s", err, out.String())
	}

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
	if _, err := s.Rotate(ctx, steps.StrategyAlternating, nil, nil); err != nil {
		t.Fatalf("rotate after resume: %v", err)
	}
}
