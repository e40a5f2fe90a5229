package bastion_test

import (
	"bufio"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"rotation-tutor/internal/testenv"
	"rotation-tutor/sandbox/bastion"
)

// Connections that never log in are limited apart from sessions, like OpenSSH's
// MaxStartups: 200 silent connections, all still open, do not stop a real ssh from logging
// in and forwarding (ssh -W opens the same direct-tcpip channel as ssh -L).
func TestSilentConnectionsDoNotLockOutSSH(t *testing.T) {
	testenv.RequireTool(t, "/usr/bin/ssh")
	w := start(t, nil)
	for range 200 {
		c, err := net.Dial("tcp", w.b.Addr())
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
	}
	dir := t.TempDir()
	keyFile, known := filepath.Join(dir, "id_ed25519"), filepath.Join(dir, "known_hosts")
	if err := w.key.Write(keyFile); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(known, []byte(w.b.KnownHostsLine()+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	_, port, _ := net.SplitHostPort(w.b.Addr())
	cmd := exec.Command("/usr/bin/ssh", "-F", "/dev/null", "-i", keyFile, "-o", "IdentitiesOnly=yes",
		"-o", "UserKnownHostsFile="+known, "-o", "StrictHostKeyChecking=yes", "-o", "BatchMode=yes",
		"-p", port, "-W", dbName, bastion.DefaultUser+"@127.0.0.1")
	var stderr testenv.Buffer
	cmd.Stderr = &stderr
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer cmd.Wait()
	defer stdin.Close()
	const msg = "hello past 200 silent connections\n"
	if _, err := io.WriteString(stdin, msg); err != nil {
		t.Fatal(err)
	}
	got, err := bufio.NewReader(stdout).ReadString('\n')
	if err != nil || got != msg {
		t.Fatalf("through ssh -W: %q, %v; ssh said: %s", got, err, stderr.String())
	}
}
