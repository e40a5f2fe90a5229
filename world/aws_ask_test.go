package world_test

import (
	"context"
	"path/filepath"
	"strings"
	"testing"

	"rotation-tutor/steps"
	"rotation-tutor/world"
)

// scriptedAsker answers questions from a script and records them.
type scriptedAsker struct {
	answers []string
	asked   []steps.Question
}

func (a *scriptedAsker) ask(_ context.Context, q steps.Question) (string, error) {
	a.asked = append(a.asked, q)
	if len(a.answers) == 0 {
		return "", steps.ErrNotAnswered
	}
	next := a.answers[0]
	a.answers = a.answers[1:]
	return next, nil
}

// Real AWS mode with no bastion given: Start asks for it and for the key,
// asks again with the reason when an answer would not work, starts with the
// answers against the sandbox, and remembers them for the next run.
func TestAWSModeAsksForWhatItCannotDiscover(t *testing.T) {
	isolate(t)
	ctx := context.Background()
	sbEnv := startSandbox(t)
	bastion := sbEnv.SSH.User + "@" + sbEnv.SSH.Addr
	remember := filepath.Join(t.TempDir(), "aws.json")
	a := &scriptedAsker{answers: []string{"not a bastion", "  " + bastion + " ", "/no/such/key.pem", sbEnv.SSH.KeyFile}}
	real := world.AWS(world.AWSOptions{
		Region: sbEnv.Region, EndpointURL: sbEnv.SecretsEndpoint, DBInstance: sbEnv.DBInstance, KnownHostsFile: sbEnv.SSH.KnownHostsFile,
		RememberPath: remember,
	})
	real.(interface{ SetAsker(steps.Asker) }).SetAsker(a.ask)
	env, err := real.Start(ctx, nil)
	if err != nil {
		t.Fatalf("Start with the answers: %v", err)
	}
	if env.SSH.Addr != sbEnv.SSH.Addr || env.SSH.User != sbEnv.SSH.User || env.SSH.KeyFile != sbEnv.SSH.KeyFile {
		t.Errorf("SSH settings %+v, want the answers", env.SSH)
	}
	if len(a.asked) != 4 {
		t.Fatalf("asked %d questions, want 4: %+v", len(a.asked), a.asked)
	}
	if q := a.asked[1]; q.Name != "bastion" || !strings.Contains(q.Problem, "no user name") || q.Refused != "not a bastion" {
		t.Errorf("second question %+v, want the bastion again with why the first answer failed", q)
	}
	if q := a.asked[3]; q.Name != "SSH key file" || !strings.Contains(q.Problem, "/no/such/key.pem") ||
		!strings.Contains(q.Explain, "ssh-agent is not running") {
		t.Errorf("fourth question %+v, want the key again with why, and that no agent runs", q)
	}
	got, ok, err := world.RememberedFor(remember, "", sbEnv.Region, sbEnv.SecretsEndpoint)
	if err != nil || !ok || got.Bastion != bastion || got.KeyFile != sbEnv.SSH.KeyFile {
		t.Errorf("remembered %+v, %v; want the bastion and key answered", got, err)
	}
}

// Declining to answer stops the start with how to give the setting as a
// flag, and nothing is remembered.
func TestAWSModeDeclinedQuestionSaysWhatToDo(t *testing.T) {
	isolate(t)
	remember := filepath.Join(t.TempDir(), "aws.json")
	real := world.AWS(world.AWSOptions{Region: testRegion, RememberPath: remember})
	real.(interface{ SetAsker(steps.Asker) }).SetAsker((&scriptedAsker{}).ask)
	_, err := real.Start(context.Background(), nil)
	if err == nil || !strings.Contains(err.Error(), "no bastion given") || !strings.Contains(err.Error(), "flag") {
		t.Fatalf("declined: %v, want advice to give a flag", err)
	}
	if got, ok, _ := world.RememberedFor(remember, "", testRegion, ""); ok {
		t.Errorf("remembered %+v after a failed start", got)
	}
}

// The next start in the same environment uses what was remembered and says which values;
// a start against another endpoint gets none of them.
func TestRememberedSettingsAreUsedAndNamed(t *testing.T) {
	isolate(t)
	sbEnv := startSandbox(t)
	remember := filepath.Join(t.TempDir(), "aws.json")
	first := world.AWS(world.AWSOptions{Region: sbEnv.Region, EndpointURL: sbEnv.SecretsEndpoint, DBInstance: sbEnv.DBInstance, KnownHostsFile: sbEnv.SSH.KnownHostsFile,
		Bastion: sbEnv.SSH.User + "@" + sbEnv.SSH.Addr, KeyFile: sbEnv.SSH.KeyFile, RememberPath: remember})
	if _, err := first.Start(context.Background(), nil); err != nil {
		t.Fatal(err)
	}
	var stages []string
	again := world.AWS(world.AWSOptions{Region: sbEnv.Region, EndpointURL: sbEnv.SecretsEndpoint, DBInstance: sbEnv.DBInstance, RememberPath: remember})
	env, err := again.Start(context.Background(), func(s string) { stages = append(stages, s) })
	if err != nil {
		t.Fatalf("second start: %v", err)
	}
	if env.SSH.Addr != sbEnv.SSH.Addr || !strings.Contains(strings.Join(env.Remembered, ";"), "bastion "+sbEnv.SSH.User+"@"+sbEnv.SSH.Addr) ||
		!strings.Contains(strings.Join(stages, "\n"), "remembered for this profile, region and endpoint") {
		t.Fatalf("remembered %v, stages %v, SSH %+v", env.Remembered, stages, env.SSH)
	}
	other := world.AWS(world.AWSOptions{Region: sbEnv.Region, EndpointURL: sbEnv.SecretsEndpoint + "/other", DBInstance: sbEnv.DBInstance, RememberPath: remember})
	if _, err := other.Start(context.Background(), nil); err == nil || !strings.Contains(err.Error(), "no bastion") {
		t.Fatalf("another endpoint: %v, want the bastion missing", err)
	}
}
