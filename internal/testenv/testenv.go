// Package testenv starts real peers for tests: a MariaDB server and an
// OpenSSH sshd, each in temporary directories and on free loopback ports,
// stopped when the test ends. Tests skip when a peer is not installed, unless
// the CI environment variable is set, where a missing peer fails the test.
package testenv

import (
	"os"
	"os/exec"
	"testing"
)

// RequireTool skips the test when the program at path (or on PATH) is
// missing, or fails it when the environment variable CI is set: CI installs
// every peer, so a missing one there is a broken setup, not a reason to skip.
func RequireTool(t testing.TB, path string) {
	t.Helper()
	if _, err := exec.LookPath(path); err == nil {
		return
	}
	msg := path + " is not installed (Debian: apt-get install openssh-server openssh-client mariadb-server mariadb-client awscli python3-boto3)"
	if os.Getenv("CI") != "" {
		t.Fatal(msg)
	}
	t.Skip(msg)
}
