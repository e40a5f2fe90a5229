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
	"rotation-tutor/sandbox"
)

// The commands `sandbox` prints work as printed, with the real tools: Debian's OpenSSH opens
// the tunnel through our bastion, and the mysql command reads the admin password with the
// aws CLI and jq and logs in through that tunnel, over TLS checked against the sandbox's CA
// (--ssl-ca). With --db-require-tls the same command still logs in, and without TLS
// (--skip-ssl) the database refuses it as its real server would (the embedded engine with
// MySQL's 3159, mariadbd with MariaDB's 1045); with another CA's bundle the client refuses the
// certificate. Only the local port is changed, so that the test never collides with
// something already listening on 13306.
func TestPrintedCommandsWorkWithRealTools(t *testing.T) {
	for _, tool := range []string{"/usr/bin/ssh", "/usr/bin/aws", "/usr/bin/jq", "/usr/bin/mysql"} {
		testenv.RequireTool(t, tool)
	}
	for _, tc := range []struct {
		name, engine string
		require      bool
		plainRefusal string
	}{
		{"gms", "gms", false, ""},
		{"gms requiring TLS", "gms", true, "ERROR 3159 (HY000): Connections using insecure transport are prohibited while --require_secure_transport=ON."},
		{"mariadb requiring TLS", "mariadb", true, "ERROR 1045 (28000): Access denied for user 'admin'@"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
			defer cancel()
			in := startWith(t, sandbox.Options{Engine: tc.engine, RequireTLS: tc.require}).Info()
			if !strings.Contains(in.Commands.MySQL, " --ssl-ca "+in.Database.CABundleFile+" ") {
				t.Fatalf("the mysql command does not check the database's certificate with the sandbox's CA: %s", in.Commands.MySQL)
			}
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

			mysql := func(command string) (string, error) {
				c := exec.CommandContext(ctx, "bash", "-c", swap(command)+" -N -e 'SELECT CURRENT_USER(); SELECT COUNT(*) > 0 FROM items'")
				c.Env = env
				out, err := c.CombinedOutput()
				return string(out), err
			}
			out, err := mysql(in.Commands.MySQL)
			if err != nil {
				t.Fatalf("mysql through the ssh tunnel: %v\n%s\nssh: %s", err, out, tunnelErr.String())
			}
			if got := strings.Fields(out); len(got) != 2 || got[0] != "admin@%" || got[1] != "1" {
				t.Fatalf("mysql printed %q, want the admin and a non-empty sample table", out)
			}
			otherCA := strings.Replace(in.Commands.MySQL, in.Database.CABundleFile, testenv.OtherCAFile(t), 1)
			if out, err := mysql(otherCA); err == nil || !strings.Contains(out, "ERROR 2026") {
				t.Errorf("with another CA's bundle: %v\n%s", err, out)
			}
			if !tc.require {
				return
			}
			plain := strings.Replace(in.Commands.MySQL, "--ssl-ca "+in.Database.CABundleFile, "--skip-ssl", 1)
			if out, err := mysql(plain); err == nil || !strings.Contains(out, tc.plainRefusal) {
				t.Errorf("without TLS: %v\n%s\nwant %s", err, out, tc.plainRefusal)
			}
		})
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
