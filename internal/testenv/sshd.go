package testenv

import (
	"bufio"
	"crypto/ed25519"
	"crypto/rand"
	"crypto/rsa"
	"encoding/pem"
	"fmt"
	"net"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"golang.org/x/crypto/ssh"
	"golang.org/x/crypto/ssh/knownhosts"
)

// SSHD is a running OpenSSH server acting as a bastion: it forwards TCP for
// User, who logs in with KeyFile. KnownHostsFile lists only its ed25519 host
// key (as OpenSSH's ssh would record it), though it also has an RSA one.
type SSHD struct {
	Addr, User, KeyFile, KnownHostsFile string
}

const sshdPath = "/usr/sbin/sshd"

// StartSSHD runs `sshd -D -e -f CONFIG` (absolute path: sshd re-executes
// itself with it) on a free loopback port, with host keys, a user key and
// authorized_keys in t.TempDir(), and stops it in t.Cleanup. permitOpen
// restricts forwarding (sshd's PermitOpen, e.g. "127.0.0.1:3306"); none
// means any destination.
func StartSSHD(t testing.TB, permitOpen ...string) *SSHD {
	t.Helper()
	RequireTool(t, sshdPath)
	dir := t.TempDir()
	me, err := user.Current()
	if err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll("/run/sshd", 0o755); err != nil && os.Geteuid() == 0 {
		t.Fatalf("sshd's privilege separation directory: %v", err)
	}

	edHost := writeKey(t, filepath.Join(dir, "ssh_host_ed25519_key"), newEd25519(t))
	rsaKey, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	writeKey(t, filepath.Join(dir, "ssh_host_rsa_key"), rsaKey)
	userKey := writeKey(t, filepath.Join(dir, "id_ed25519"), newEd25519(t))
	authKeys := filepath.Join(dir, "authorized_keys")
	if err := os.WriteFile(authKeys, ssh.MarshalAuthorizedKey(userKey.PublicKey()), 0o600); err != nil {
		t.Fatal(err)
	}

	port := FreePort(t)
	addr := net.JoinHostPort("127.0.0.1", strconv.Itoa(port))
	open := "any"
	if len(permitOpen) > 0 {
		open = strings.Join(permitOpen, " ")
	}
	cfg := filepath.Join(dir, "sshd_config")
	conf := fmt.Sprintf(`ListenAddress %s
HostKey %s
HostKey %s
PidFile %s
AuthorizedKeysFile %s
StrictModes no
UsePAM no
PermitRootLogin prohibit-password
PasswordAuthentication no
KbdInteractiveAuthentication no
PubkeyAuthentication yes
AllowTcpForwarding yes
PermitOpen %s
PermitTTY no
X11Forwarding no
LogLevel VERBOSE
`, addr, filepath.Join(dir, "ssh_host_ed25519_key"), filepath.Join(dir, "ssh_host_rsa_key"),
		filepath.Join(dir, "sshd.pid"), authKeys, open)
	if err := os.WriteFile(cfg, []byte(conf), 0o600); err != nil {
		t.Fatal(err)
	}
	known := filepath.Join(dir, "known_hosts")
	if err := os.WriteFile(known, []byte(knownhosts.Line([]string{addr}, edHost.PublicKey())+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}

	cmd := exec.Command(sshdPath, "-D", "-e", "-f", cfg)
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatalf("start sshd: %v", err)
	}
	log := &lineLog{}
	ready, exited := make(chan struct{}), make(chan struct{})
	go func() { // owned by the cleanup below: ends when sshd exits
		defer close(exited)
		sc := bufio.NewScanner(stderr)
		signalled := false
		for sc.Scan() {
			log.add(sc.Text())
			if !signalled && strings.Contains(sc.Text(), "Server listening on") {
				close(ready)
				signalled = true
			}
		}
	}()
	t.Cleanup(func() {
		_ = cmd.Process.Signal(syscall.SIGTERM)
		<-exited
		_ = cmd.Wait()
		if t.Failed() {
			t.Logf("sshd log:\n%s", log.String())
		}
	})
	select {
	case <-ready:
	case <-exited:
		t.Fatalf("sshd exited at start:\n%s", log.String())
	case <-time.After(30 * time.Second):
		t.Fatalf("sshd did not start listening:\n%s", log.String())
	}
	return &SSHD{Addr: addr, User: me.Username, KeyFile: filepath.Join(dir, "id_ed25519"), KnownHostsFile: known}
}

func newEd25519(t testing.TB) ed25519.PrivateKey {
	_, k, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

// writeKey saves key in OpenSSH format (0600) and returns its signer.
func writeKey(t testing.TB, path string, key any) ssh.Signer {
	t.Helper()
	block, err := ssh.MarshalPrivateKey(key, "")
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, pem.EncodeToMemory(block), 0o600); err != nil {
		t.Fatal(err)
	}
	s, err := ssh.NewSignerFromKey(key)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// lineLog collects a child's output for failure messages.
type lineLog struct {
	mu    sync.Mutex
	lines []string
}

func (l *lineLog) add(s string) {
	l.mu.Lock()
	l.lines = append(l.lines, s)
	l.mu.Unlock()
}

func (l *lineLog) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return strings.Join(l.lines, "\n")
}
