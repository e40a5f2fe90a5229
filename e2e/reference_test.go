package e2e

import (
	"context"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"rotation-tutor/steps"
)

// The commands shown for reference cannot run against the sandbox (it has no VPC, no EC2, no
// CloudFormation), but they must still be right for a real account. Each one runs here, whole,
// with Debian's aws CLI, against a stand-in endpoint that answers every call with an empty
// success: the CLI parses and validates every option and value as it would against AWS, and
// exits 252 when one is wrong, which fails the test with the CLI's own message. Waiters are
// answered at once, and curl (the SSH rule's "my IP") by a stand-in: nothing leaves the machine.
func TestReferenceCommandsAreValidForTheCLI(t *testing.T) {
	testenv := []string{"/usr/bin/aws", "/usr/bin/jq", "/usr/bin/env"}
	for _, tool := range testenv {
		if _, err := os.Stat(tool); err != nil {
			if os.Getenv("CI") != "" {
				t.Fatalf("%s is required in CI: %v", tool, err)
			}
			t.Skipf("%s is not installed", tool)
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	endpoint := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasPrefix(r.Header.Get("Content-Type"), "application/x-www-form-urlencoded") {
			w.Header().Set("Content-Type", "text/xml")
			_, _ = w.Write([]byte(`<Response xmlns="http://ec2.amazonaws.com/doc/2016-11-15/"/>`))
			return
		}
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(`{}`))
	}))
	defer endpoint.Close()

	bin := t.TempDir()
	wrapper := `#!/bin/bash
# The real CLI against the stand-in endpoint: a wrong option or value exits 252.
for a in "$@"; do [ "$a" = wait ] && exit 0; done
/usr/bin/aws "$@" --endpoint-url "$STAND_IN" --cli-connect-timeout 5 --cli-read-timeout 5 >/dev/null 2>"$HOME/err"
rc=$?
if [ $rc = 252 ]; then echo "the aws CLI refused: aws $*" >&2; cat "$HOME/err" >&2; exit 252; fi
echo stand-in-id
`
	if err := os.WriteFile(filepath.Join(bin, "aws"), []byte(wrapper), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(bin, "curl"), []byte("#!/bin/sh\necho 203.0.113.7\n"), 0o755); err != nil {
		t.Fatal(err)
	}

	checked := 0
	for _, flavour := range []string{steps.FlavourCurrent, steps.FlavourClassic} {
		s, _, _ := startByHand(t, ctx, flavour, false)
		for _, st := range steps.Visible(flavour) {
			for _, c := range st.Commands(s, nil) {
				if c.Reference == "" {
					continue
				}
				home := t.TempDir()
				cmd := exec.CommandContext(ctx, "/usr/bin/env", "-i", "PATH="+bin+":/usr/bin:/bin", "HOME="+home,
					"STAND_IN="+endpoint.URL, "AWS_ACCESS_KEY_ID=AKIDSTANDIN", "AWS_SECRET_ACCESS_KEY=stand-in", "AWS_PAGER=",
					"AWS_CONFIG_FILE=/dev/null", "AWS_SHARED_CREDENTIALS_FILE=/dev/null", "/bin/bash", "-c", "set -e\n"+c.Text)
				cmd.Dir = home
				cmd.Stdin = strings.NewReader("a-password\n") // the commands that ask for a password
				if out, err := cmd.CombinedOutput(); err != nil {
					t.Errorf("%s (%s): %s\n%s\nfailed (%v):\n%s", st.ID, flavour, c.Note, c.Text, err, out)
				}
				checked++
			}
		}
	}
	if checked < 10 {
		t.Fatalf("only %d commands shown for reference were checked", checked)
	}
}
