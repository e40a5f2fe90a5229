package world_test

import (
	"context"
	"path/filepath"
	"testing"

	"rotation-tutor/sandbox"
	"rotation-tutor/steps"
	"rotation-tutor/world"
)

const testRegion = "eu-west-1"

// isolate points the AWS SDK and the config dir at nothing of the user's.
func isolate(t *testing.T) {
	t.Helper()
	dir := t.TempDir()
	for k, v := range map[string]string{
		"AWS_ACCESS_KEY_ID": "AKIDSANDBOX", "AWS_SECRET_ACCESS_KEY": "sandbox-secret", "AWS_SESSION_TOKEN": "",
		"AWS_REGION": "", "AWS_DEFAULT_REGION": "", "AWS_PROFILE": "", "AWS_DEFAULT_PROFILE": "",
		"AWS_CONFIG_FILE":             filepath.Join(dir, "config"),
		"AWS_SHARED_CREDENTIALS_FILE": filepath.Join(dir, "credentials"),
		"AWS_EC2_METADATA_DISABLED":   "true",
		"XDG_CONFIG_HOME":             filepath.Join(dir, "xdg"),
		"HOME":                        filepath.Join(dir, "home"),
		"SSH_AUTH_SOCK":               "",
	} {
		t.Setenv(k, v)
	}
}

// startSandbox starts the sandbox world, which stands for the account in real-mode tests,
// until the test ends. Real-AWS mode then signs with the sandbox's own key, from the
// environment, as a learner pointing --aws at the sandbox would give it.
func startSandbox(t *testing.T) *steps.Env {
	t.Helper()
	dir := t.TempDir()
	w := world.Sandbox(world.SandboxOptions{StateDir: dir})
	t.Cleanup(func() { _ = w.Close() })
	env, err := w.Start(context.Background(), nil)
	if err != nil {
		t.Fatalf("sandbox Start: %v", err)
	}
	in, ok, err := sandbox.Attach(dir)
	if err != nil || !ok {
		t.Fatalf("the running sandbox's facts: %v, %v", ok, err)
	}
	t.Setenv("AWS_ACCESS_KEY_ID", in.AccessKeyID)
	t.Setenv("AWS_SECRET_ACCESS_KEY", in.SecretAccessKey)
	return env
}
