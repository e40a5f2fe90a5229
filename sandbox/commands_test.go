package sandbox_test

import (
	"context"
	"net"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"testing"
	"time"

	"rotation-tutor/internal/testenv"
)

// The commands `sandbox` prints work as printed, with the real tools: Debian's OpenSSH opens
// the tunnel through our bastion, and the mysql command reads the admin password with the
// aws CLI and jq and logs in through that tunnel. Only the local port is changed, so that the
// test never collides with something already listening on 13306.
func TestPrintedCommandsWorkWithRealTools(t *testing.T) {
	for _, tool := range []string{"/usr/bin/ssh", "/usr/bin/aws", "/usr/bin/jq", "/usr/bin/mysql"} {
		testenv.RequireTool(t, tool)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	in := start(t, t.TempDir()).Info()

	port := testenv.FreePort(t)
	swap := func(cmd string) string {
		return strings.ReplaceAll(cmd, strconv.Itoa(13306), strconv.Itoa(port))
	}
	// Debian's tools first: the first aws on PATH may be another install.
	env := append(os.Environ(), "PATH=/usr/bin:/bin:"+os.Getenv("PATH"), "HOME="+t.TempDir(), "AWS_CONFIG_FILE=/dev/null", "AWS_PAGER=")

	tunnel := exec.CommandContext(ctx, "bash", "-c", "exec "+swap(in.Commands.SSHTunnel)+" -o ExitOnForwardFailure=yes -o BatchMode=yes")
	tunnel.Env = env
	var tunnelErr testenv.Buffer
	tunnel.Stderr = &tunnelErr
	if err := tunnel.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { tunnel.Process.Kill(); tunnel.Wait() })
	waitListening(t, ctx, port, &tunnelErr)

	mysql := exec.CommandContext(ctx, "bash", "-c", swap(in.Commands.MySQL)+" -N -e 'SELECT CURRENT_USER(); SELECT COUNT(*) > 0 FROM items'")
	mysql.Env = env
	out, err := mysql.CombinedOutput()
	if err != nil {
		t.Fatalf("mysql through the ssh tunnel: %v\n%s\nssh: %s", err, out, tunnelErr.String())
	}
	if got := strings.Fields(string(out)); len(got) != 2 || got[0] != "admin@%" || got[1] != "1" {
		t.Fatalf("mysql printed %q, want the admin and a non-empty sample table", out)
	}
}

// waitListening waits until ssh's local forward accepts connections: ssh says nothing on
// stdout when it is ready, so a bounded poll of the port is the only signal there is.
func waitListening(t *testing.T, ctx context.Context, port int, sshErr *testenv.Buffer) {
	t.Helper()
	addr := net.JoinHostPort("127.0.0.1", strconv.Itoa(port))
	tick := time.NewTicker(20 * time.Millisecond)
	defer tick.Stop()
	for {
		if c, err := net.Dial("tcp", addr); err == nil {
			c.Close()
			return
		}
		select {
		case <-ctx.Done():
			t.Fatalf("ssh -L never listened on %s: %s", addr, sshErr.String())
		case <-tick.C:
		}
	}
}
