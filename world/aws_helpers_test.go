package world_test

import (
	"path/filepath"
	"testing"
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
