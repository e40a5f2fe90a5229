package dbclient_test

import (
	"bytes"
	"context"
	"net"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"rotation-tutor/dbclient"
	"rotation-tutor/internal/testenv"
	"rotation-tutor/sandbox/bastion"
)

// TestInteropOpenSSHToMariaDB: our client through a real OpenSSH sshd to a
// real mariadbd. The sshd's known_hosts lists only its ed25519 key while it
// also has an RSA key, which fails unless the client asks for the key types
// known_hosts holds.
func TestInteropOpenSSHToMariaDB(t *testing.T) {
	if testing.Short() {
		t.Skip("starts sshd and mariadbd")
	}
	sshd := testenv.StartSSHD(t)
	m := testenv.StartMariaDB(t)
	ctx := context.Background()
	tun, err := dbclient.OpenTunnel(ctx, dbclient.SSHConfig{Addr: sshd.Addr, User: sshd.User, KeyFile: sshd.KeyFile,
		KnownHostsFile: sshd.KnownHostsFile, Timeout: 10 * time.Second})
	if err != nil {
		t.Fatalf("tunnel through sshd: %v", err)
	}
	defer tun.Close()
	if !strings.Contains(tun.ServerVersion(), "OpenSSH") {
		t.Errorf("ServerVersion = %q", tun.ServerVersion())
	}
	host, port := splitHostPort(t, m.Addr)
	root := dbclient.Target{Host: host, Port: port, User: "root", Password: m.RootPassword}
	db, err := dbclient.Open(ctx, tun.DialContext, root)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if v, err := dbclient.ServerVersion(ctx, db); err != nil || !strings.Contains(v, "MariaDB") {
		t.Errorf("ServerVersion = %q, %v", v, err)
	}
	// The rotation's SQL, through the real sshd.
	for _, q := range []string{"CREATE DATABASE tutorial", "CREATE TABLE tutorial.items (id INT PRIMARY KEY)"} {
		if _, err := db.ExecContext(ctx, q); err != nil {
			t.Fatal(err)
		}
	}
	if err := dbclient.CreateUser(ctx, db, "appuser", `a'b\c%d"✓`); err != nil {
		t.Fatal(err)
	}
	if err := dbclient.GrantSelect(ctx, db, "tutorial", "appuser"); err != nil {
		t.Fatal(err)
	}
	if _, err := dbclient.CloneUser(ctx, db, "appuser", "appuser_clone", `z'\%`); err != nil {
		t.Fatal(err)
	}
	for user, pw := range map[string]string{"appuser": `a'b\c%d"✓`, "appuser_clone": `z'\%`} {
		if err := dbclient.Login(ctx, tun.DialContext, dbclient.Target{Host: host, Port: port, User: user, Password: pw, Database: "tutorial"}); err != nil {
			t.Errorf("login %s through sshd: %v", user, err)
		}
	}

	// Refusals, as sshd words them.
	closed, _ := net.Listen("tcp", "127.0.0.1:0")
	closedAddr := closed.Addr().String()
	closed.Close()
	if _, err := tun.DialContext(ctx, "tcp", closedAddr); hopOf(err) != dbclient.HopDatabaseTCP {
		t.Errorf("closed database port through sshd: %v, want %s", err, dbclient.HopDatabaseTCP)
	}
	strict := testenv.StartSSHD(t, "127.0.0.1:1")
	tun2, err := dbclient.OpenTunnel(ctx, dbclient.SSHConfig{Addr: strict.Addr, User: strict.User, KeyFile: strict.KeyFile,
		KnownHostsFile: strict.KnownHostsFile, Timeout: 10 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	defer tun2.Close()
	if _, err := tun2.DialContext(ctx, "tcp", m.Addr); hopOf(err) != dbclient.HopForward {
		t.Errorf("forward outside PermitOpen: %v, want %s", err, dbclient.HopForward)
	}
}

// TestInteropOpenSSHClientThroughBastion: real `ssh -L` through our bastion,
// then the real mariadb client logging in to our database.
func TestInteropOpenSSHClientThroughBastion(t *testing.T) {
	if testing.Short() {
		t.Skip("runs ssh and mariadb")
	}
	testenv.RequireTool(t, "ssh")
	testenv.RequireTool(t, "/usr/bin/mariadb")
	w := newSandboxWorld(t)
	_, bport := splitHostPort(t, w.b.Addr())
	sshArgs := func(extra ...string) []string {
		return append([]string{"-F", "/dev/null", "-o", "BatchMode=yes", "-o", "IdentitiesOnly=yes",
			"-o", "UserKnownHostsFile=" + w.known, "-o", "StrictHostKeyChecking=yes",
			"-o", "ServerAliveInterval=5", "-p", strconv.Itoa(bport), "-i", w.keyFile}, extra...)
	}

	local := testenv.FreePort(t)
	fwd := startProcess(t, "ssh", sshArgs("-o", "ExitOnForwardFailure=yes", "-N",
		"-L", "127.0.0.1:"+strconv.Itoa(local)+":"+dbHost+":3306", bastion.DefaultUser+"@127.0.0.1")...)
	waitListening(t, fwd, local)

	out, err := exec.Command("/usr/bin/mariadb", "--no-defaults", "--protocol=TCP", "-h127.0.0.1", "-P"+strconv.Itoa(local),
		"-uadmin", "-p"+w.adminPW, "-N", "-B", "-e", "SELECT CURRENT_USER(), COUNT(*) > 0 FROM tutorial.items").CombinedOutput()
	if err != nil || strings.TrimSpace(string(out)) != "admin@%\t1" {
		t.Fatalf("mariadb through ssh -L: %v: %s", err, out)
	}
	out, _ = exec.Command("/usr/bin/mariadb", "--no-defaults", "--protocol=TCP", "-h127.0.0.1", "-P"+strconv.Itoa(local),
		"-uadmin", "-pwrong", "-e", "SELECT 1").CombinedOutput()
	if !strings.Contains(string(out), "ERROR 1045") {
		t.Errorf("wrong password through ssh -L: %s", out)
	}

	// A destination off the allow-list: ssh reports the bastion's reason.
	other := testenv.FreePort(t)
	bad := startProcess(t, "ssh", sshArgs("-N", "-L", "127.0.0.1:"+strconv.Itoa(other)+":127.0.0.1:22", bastion.DefaultUser+"@127.0.0.1")...)
	waitListening(t, bad, other)
	bad.waitFor(t, "administratively prohibited: destination not allowed: 127.0.0.1:22")

	// No commands.
	cmd := exec.Command("ssh", sshArgs(bastion.DefaultUser+"@127.0.0.1", "echo", "hi")...)
	out, err = cmd.CombinedOutput()
	if err == nil || !strings.Contains(string(out), "no shell or commands") {
		t.Errorf("ssh exec: %v: %s", err, out)
	}
	// Another key: refused.
	otherKey := filepath.Join(t.TempDir(), "id_other")
	if _, err := bastion.LoadOrCreateClientKey(otherKey); err != nil {
		t.Fatal(err)
	}
	args := sshArgs("-i", otherKey, "-N", bastion.DefaultUser+"@127.0.0.1")
	for i, a := range args { // drop the right key: -i w.keyFile
		if a == w.keyFile {
			args = append(args[:i-1], args[i+1:]...)
			break
		}
	}
	if out, err := exec.Command("ssh", args...).CombinedOutput(); err == nil || !strings.Contains(string(out), "Permission denied (publickey)") {
		t.Errorf("ssh with another key: %v: %s", err, out)
	}
}

func splitHostPort(t testing.TB, addr string) (string, int) {
	t.Helper()
	h, p, err := net.SplitHostPort(addr)
	if err != nil {
		t.Fatal(err)
	}
	n, _ := strconv.Atoi(p)
	return h, n
}

// process is a child whose output is kept for assertions and failures.
type process struct {
	cmd    *exec.Cmd
	mu     sync.Mutex
	out    bytes.Buffer
	exited chan struct{}
}

func (p *process) Write(b []byte) (int, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.out.Write(b)
}

func (p *process) output() string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.out.String()
}

func startProcess(t *testing.T, name string, args ...string) *process {
	t.Helper()
	p := &process{cmd: exec.Command(name, args...), exited: make(chan struct{})}
	p.cmd.Stdout, p.cmd.Stderr = p, p
	if err := p.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { // ends when the child exits; cleanup below makes it exit
		_ = p.cmd.Wait()
		close(p.exited)
	}()
	t.Cleanup(func() {
		_ = p.cmd.Process.Kill()
		<-p.exited
	})
	return p
}

// waitListening polls until something accepts on port, failing if the
// process exits first or after a deadline.
func waitListening(t *testing.T, p *process, port int) {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	tick := time.NewTicker(10 * time.Millisecond)
	defer tick.Stop()
	for {
		c, err := net.Dial("tcp", net.JoinHostPort("127.0.0.1", strconv.Itoa(port)))
		if err == nil {
			c.Close()
			return
		}
		select {
		case <-p.exited:
			t.Fatalf("%s exited: %s", p.cmd.Path, p.output())
		case <-tick.C:
		}
		if time.Now().After(deadline) {
			t.Fatalf("nothing listens on %d: %s", port, p.output())
		}
	}
}

// waitFor polls the process's output for text, failing after a deadline.
func (p *process) waitFor(t *testing.T, text string) {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	tick := time.NewTicker(10 * time.Millisecond)
	defer tick.Stop()
	for !strings.Contains(p.output(), text) {
		if time.Now().After(deadline) {
			t.Fatalf("no %q in the output of %s:\n%s", text, p.cmd.Path, p.output())
		}
		select {
		case <-p.exited:
			if !strings.Contains(p.output(), text) {
				t.Fatalf("%s exited without %q:\n%s", p.cmd.Path, text, p.output())
			}
		case <-tick.C:
		}
	}
}
