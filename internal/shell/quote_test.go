package shell

import (
	"os/exec"
	"testing"
)

// Every quoted word reaches a program as exactly the string it was, through a real shell.
func TestQuoteSurvivesTheShell(t *testing.T) {
	sh, err := exec.LookPath("sh")
	if err != nil {
		t.Skip("no sh on PATH")
	}
	for _, s := range []string{
		"", "plain", "/tmp/state dir/id_ed25519", "it's", `"$HOME"`, "a\\b", "rds!db-1",
		"arn:aws:secretsmanager:us-east-1:000000000000:secret:rds!db-x", "*", "a b\tc\nd", "~user", "#x", "$(id)",
	} {
		out, err := exec.Command(sh, "-c", "printf %s "+Quote(s)).Output()
		if err != nil {
			t.Fatalf("sh -c printf %s: %v", Quote(s), err)
		}
		if string(out) != s {
			t.Errorf("Quote(%q) = %s, which the shell reads as %q", s, Quote(s), out)
		}
	}
}

func TestQuoteLeavesSafeWordsAlone(t *testing.T) {
	for _, s := range []string{"/tmp/x.key", "us-east-1", "AWS_PROFILE=sandbox", "13306:db.internal:3306", "ec2-user@127.0.0.1"} {
		if Quote(s) != s {
			t.Errorf("Quote(%q) = %q; want it unquoted", s, Quote(s))
		}
	}
}
