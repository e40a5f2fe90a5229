package bastion_test

import (
	"context"
	"errors"
	"io"
	"net"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"golang.org/x/crypto/ssh"

	"rotation-tutor/dbclient"
	"rotation-tutor/internal/testenv"
	"rotation-tutor/sandbox/bastion"
	"rotation-tutor/sandbox/lambda"
)

const dbName = "secretsmanagertutorial.abc123.us-east-1.rds.sandbox.internal:3306"

// echo is a TCP service that answers each line with itself.
func echo(t testing.TB) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			go func() { // ends when the client closes
				defer c.Close()
				_, _ = io.Copy(c, c)
			}()
		}
	}()
	t.Cleanup(func() { l.Close(); <-done })
	return l.Addr().String()
}

type world struct {
	b    *bastion.Bastion
	key  *bastion.ClientKey
	echo string
}

func start(t *testing.T, mod func(*bastion.Options)) *world {
	t.Helper()
	key, err := bastion.NewClientKey()
	if err != nil {
		t.Fatal(err)
	}
	w := &world{key: key, echo: echo(t)}
	o := bastion.Options{
		StateDir:       t.TempDir(),
		AuthorizedKeys: []ssh.PublicKey{key.Public},
		Routes:         map[string]dbclient.DialFunc{dbName: lambda.TCPRoute(w.echo)},
		Logf:           t.Logf,
	}
	if mod != nil {
		mod(&o)
	}
	w.b, err = bastion.Start(context.Background(), o)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { w.b.Close() })
	return w
}

func (w *world) dial(t *testing.T, user string, signer ssh.Signer) (*ssh.Client, error) {
	t.Helper()
	return ssh.Dial("tcp", w.b.Addr(), &ssh.ClientConfig{
		User: user, Auth: []ssh.AuthMethod{ssh.PublicKeys(signer)},
		HostKeyCallback: ssh.FixedHostKey(w.b.HostKey()), Timeout: 5 * time.Second,
	})
}

func (w *world) client(t *testing.T) *ssh.Client {
	t.Helper()
	c, err := w.dial(t, bastion.DefaultUser, w.key.Signer)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

func roundTrip(t *testing.T, c net.Conn, msg string) {
	t.Helper()
	if _, err := io.WriteString(c, msg); err != nil {
		t.Fatal(err)
	}
	buf := make([]byte, len(msg))
	if _, err := io.ReadFull(c, buf); err != nil || string(buf) != msg {
		t.Fatalf("echo: %q, %v", buf, err)
	}
}

func TestForwardsOnlyToRoutes(t *testing.T) {
	w := start(t, nil)
	c := w.client(t)
	conn, err := c.Dial("tcp", dbName)
	if err != nil {
		t.Fatalf("allowed destination: %v", err)
	}
	roundTrip(t, conn, "hello through the bastion\n")
	conn.Close()

	for _, dest := range []string{
		w.echo,         // the real address behind the name
		w.b.Addr(),     // the bastion itself
		"127.0.0.1:22", // the host's other ports
		"SECRETSMANAGERTUTORIAL.abc123.us-east-1.rds.sandbox.internal:3306", // not literally listed
		strings.TrimSuffix(dbName, ":3306") + ":3307",
	} {
		_, err := c.Dial("tcp", dest)
		var oc *ssh.OpenChannelError
		if !errors.As(err, &oc) || oc.Reason != ssh.Prohibited || !strings.Contains(oc.Message, "not allowed") {
			t.Errorf("forward to %s: %v, want administratively prohibited", dest, err)
		}
	}
}

func TestRefusesShellExecAndOtherChannels(t *testing.T) {
	w := start(t, nil)
	c := w.client(t)
	_, err := c.NewSession()
	var oc *ssh.OpenChannelError
	if !errors.As(err, &oc) || oc.Reason != ssh.Prohibited || !strings.Contains(oc.Message, "no shell") {
		t.Errorf("session: %v, want prohibited with an explanation", err)
	}
	_, _, err = c.OpenChannel("x11", nil)
	if !errors.As(err, &oc) || oc.Reason != ssh.UnknownChannelType {
		t.Errorf("x11 channel: %v, want unknown channel type", err)
	}
	ok, _, err := c.SendRequest("tcpip-forward", true, ssh.Marshal(struct {
		Addr string
		Port uint32
	}{"127.0.0.1", 0}))
	if err != nil || ok {
		t.Errorf("remote forward: ok=%v err=%v, want refused", ok, err)
	}
	ok, _, err = c.SendRequest("keepalive@openssh.com", true, nil)
	if err != nil || !ok {
		t.Errorf("keepalive: ok=%v err=%v, want answered", ok, err)
	}
}

func TestAuthentication(t *testing.T) {
	w := start(t, nil)
	other, err := bastion.NewClientKey()
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name, user string
		signer     ssh.Signer
	}{
		{"wrong key", bastion.DefaultUser, other.Signer},
		{"wrong user", "root", w.key.Signer},
	} {
		if c, err := w.dial(t, tc.user, tc.signer); err == nil || !strings.Contains(err.Error(), "unable to authenticate") {
			if c != nil {
				c.Close()
			}
			t.Errorf("%s: %v, want an authentication failure", tc.name, err)
		}
	}
	// Only public keys are offered.
	_, err = ssh.Dial("tcp", w.b.Addr(), &ssh.ClientConfig{
		User: bastion.DefaultUser, Auth: []ssh.AuthMethod{ssh.Password("x")},
		HostKeyCallback: ssh.FixedHostKey(w.b.HostKey()),
	})
	if err == nil || !strings.Contains(err.Error(), "no supported methods remain") {
		t.Errorf("password login: %v", err)
	}
}

func TestHostKeyIsKept(t *testing.T) {
	dir := t.TempDir()
	key, _ := bastion.NewClientKey()
	o := bastion.Options{StateDir: dir, AuthorizedKeys: []ssh.PublicKey{key.Public}}
	b1, err := bastion.Start(context.Background(), o)
	if err != nil {
		t.Fatal(err)
	}
	first := b1.HostKeyFingerprint()
	b1.Close()
	b2, err := bastion.Start(context.Background(), o)
	if err != nil {
		t.Fatal(err)
	}
	defer b2.Close()
	if b2.HostKeyFingerprint() != first {
		t.Error("host key changed across restarts")
	}
	if b2.HostKey().Type() != ssh.KeyAlgoED25519 {
		t.Errorf("host key type %s", b2.HostKey().Type())
	}
	fi, err := os.Stat(filepath.Join(dir, bastion.HostKeyFile))
	if err != nil || fi.Mode().Perm() != 0o600 {
		t.Errorf("host key file: %v %v", fi, err)
	}
	if line := b2.KnownHostsLine(); !strings.HasPrefix(line, "[127.0.0.1]:") || !strings.Contains(line, "ssh-ed25519 ") {
		t.Errorf("known_hosts line %q", line)
	}
}

func TestChannelLimit(t *testing.T) {
	w := start(t, func(o *bastion.Options) { o.MaxChannels = 2 })
	c := w.client(t)
	var open []net.Conn
	for range 2 {
		conn, err := c.Dial("tcp", dbName)
		if err != nil {
			t.Fatal(err)
		}
		roundTrip(t, conn, "x") // the bastion has accepted and counted it
		open = append(open, conn)
	}
	_, err := c.Dial("tcp", dbName)
	var oc *ssh.OpenChannelError
	if !errors.As(err, &oc) || oc.Reason != ssh.ResourceShortage {
		t.Fatalf("third channel: %v, want resource shortage", err)
	}
	open[0].Close()
	// The slot comes back once the bastion has torn the channel down.
	deadline := time.Now().Add(5 * time.Second)
	for {
		conn, err := c.Dial("tcp", dbName)
		if err == nil {
			conn.Close()
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("slot not released: %v", err)
		}
		runtime.Gosched()
	}
}

func TestIdleConnectionIsClosed(t *testing.T) {
	w := start(t, func(o *bastion.Options) { o.IdleTimeout = 20 * time.Millisecond })
	c := w.client(t)
	done := make(chan error, 1)
	go func() { done <- c.Wait() }()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		t.Fatal("idle connection was not closed")
	}
}

func TestDropAllAndCloseLeaveNothing(t *testing.T) {
	before := runtime.NumGoroutine()
	key, _ := bastion.NewClientKey()
	target := echo(t)
	b, err := bastion.Start(context.Background(), bastion.Options{
		AuthorizedKeys: []ssh.PublicKey{key.Public}, Routes: map[string]dbclient.DialFunc{dbName: lambda.TCPRoute(target)}})
	if err != nil {
		t.Fatal(err)
	}
	cfg := &ssh.ClientConfig{User: bastion.DefaultUser, Auth: []ssh.AuthMethod{ssh.PublicKeys(key.Signer)},
		HostKeyCallback: ssh.FixedHostKey(b.HostKey())}
	c, err := ssh.Dial("tcp", b.Addr(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	conn, err := c.Dial("tcp", dbName)
	if err != nil {
		t.Fatal(err)
	}
	roundTrip(t, conn, "before the drop")
	b.DropAll()
	if err := c.Wait(); err == nil {
		t.Log("connection ended cleanly") // either way it ended
	}
	// New connections are still welcome after a drop.
	c2, err := ssh.Dial("tcp", b.Addr(), cfg)
	if err != nil {
		t.Fatalf("reconnect after DropAll: %v", err)
	}
	conn2, err := c2.Dial("tcp", dbName)
	if err != nil {
		t.Fatal(err)
	}
	roundTrip(t, conn2, "after the drop")
	// Close with a channel still open.
	if err := b.Close(); err != nil {
		t.Fatal(err)
	}
	c.Close()
	c2.Wait()
	c2.Close()
	if _, err := ssh.Dial("tcp", b.Addr(), cfg); err == nil {
		t.Error("closed bastion still accepts")
	}
	testenv.WaitGoroutines(t, before+2) // the echo server's accept loop and its conn handler may remain until cleanup
}

func TestClientKeyFiles(t *testing.T) {
	path := filepath.Join(t.TempDir(), "sandbox", "id_ed25519")
	k, err := bastion.LoadOrCreateClientKey(path)
	if err != nil {
		t.Fatal(err)
	}
	fi, err := os.Stat(path)
	if err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("private key: %v %v", fi, err)
	}
	buf, _ := os.ReadFile(path)
	if !strings.HasPrefix(string(buf), "-----BEGIN OPENSSH PRIVATE KEY-----") {
		t.Errorf("not OpenSSH format: %.40q", buf)
	}
	again, err := bastion.LoadOrCreateClientKey(path)
	if err != nil || again.Fingerprint() != k.Fingerprint() {
		t.Errorf("reload: %v, fingerprint %s vs %s", err, again.Fingerprint(), k.Fingerprint())
	}
	pub, _ := os.ReadFile(path + ".pub")
	if !strings.HasPrefix(string(pub), "ssh-ed25519 ") {
		t.Errorf("public key file %q", pub)
	}
}
