package awsclient_test

import (
	"net"
	"os/exec"
	"strings"
	"testing"

	"rotation-tutor/awsclient"
	"rotation-tutor/internal/testenv"
)

// The commands that let plain text in again are whole commands Debian's aws
// CLI accepts as typed: each gets as far as calling RDS (at a closed port
// here), never to a usage error.
func TestAllowPlainDBConnectionsCommandsRun(t *testing.T) {
	testenv.RequireTool(t, "/usr/bin/aws")
	custom := awsclient.AllowPlainDBConnections("eu-west-1", "secretsmanagertutorial", "tutorial-mysql97", "mysql9.7")
	if len(custom) != 1 || !strings.Contains(custom[0], "--db-parameter-group-name tutorial-mysql97") {
		t.Fatalf("a custom group is changed in place: %q", custom)
	}
	fromDefault := awsclient.AllowPlainDBConnections("eu-west-1", "secretsmanagertutorial", "default.mysql9.7", "mysql9.7")
	if len(fromDefault) != 5 || !strings.Contains(fromDefault[0], "create-db-parameter-group") ||
		!strings.Contains(fromDefault[4], "reboot-db-instance") {
		t.Fatalf("a default group is replaced by a custom one: %q", fromDefault)
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	closed := "http://" + l.Addr().String()
	l.Close()
	for _, c := range append(custom, fromDefault...) {
		if !strings.HasPrefix(c, "aws rds ") || !strings.Contains(c, "--region eu-west-1") {
			t.Errorf("not a whole aws rds command: %s", c)
		}
		cmd := exec.Command("bash", "-c", strings.Replace(c, "aws ", "/usr/bin/aws --endpoint-url "+closed+" ", 1))
		cmd.Env = []string{"PATH=/usr/bin:/bin", "HOME=" + t.TempDir(), "AWS_ACCESS_KEY_ID=AKIDTEST", "AWS_SECRET_ACCESS_KEY=test", "AWS_MAX_ATTEMPTS=1"}
		out, _ := cmd.CombinedOutput()
		if !strings.Contains(string(out), "Could not connect to the endpoint URL") {
			t.Errorf("%s:\n%s", c, out)
		}
	}
}
