package dbclient_test

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/pem"
	"errors"
	"io"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"golang.org/x/crypto/ssh"
	"golang.org/x/crypto/ssh/agent"
	"golang.org/x/crypto/ssh/knownhosts"

	"rotation-tutor/dbclient"
	"rotation-tutor/sandbox/bastion"

	"rotation-tutor/internal/testenv"
)

func TestThroughBastionToDatabase(t *testing.T) {
	w := newSandboxWorld(t)
	tun := w.tunnel(t)
	ctx := context.Background()
	if got, want := tun.HostKeyFingerprint(), w.b.HostKeyFingerprint(); got != want {
		t.Errorf("HostKeyFingerprint = %s, want %s", got, want)
	}
	if !strings.Contains(tun.ServerVersion(), "RotationTutorBastion") {
		t.Errorf("ServerVersion = %q", tun.ServerVersion())
	}
	db, err := dbclient.Open(ctx, tun.DialContext, w.admin())
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if u, err := dbclient.CurrentUser(ctx, db); err != nil || u != "admin@%" {
		t.Errorf("CurrentUser = %q, %v", u, err)
	}
	if err := dbclient.CreateUser(ctx, db, "appuser", "app'pw"); err != nil {
		t.Fatal(err)
	}
	if err := dbclient.GrantSelect(ctx, db, "tutorial", "appuser"); err != nil {
		t.Fatal(err)
	}
	app := dbclient.Target{Host: dbHost, Port: dbPort, User: "appuser", Password: "app'pw", Database: "tutorial"}
	if err := dbclient.Login(ctx, tun.DialContext, app); err != nil {
		t.Errorf("Login through the tunnel: %v", err)
	}
	app.Password = "wrong"
	if err := dbclient.Login(ctx, tun.DialContext, app); hopOf(err) != dbclient.HopDatabaseAuth || strings.Contains(err.Error(), "wrong") {
		t.Errorf("wrong password: %v, want %s without the password", err, dbclient.HopDatabaseAuth)
	}
	bad := w.admin()
	bad.Database = "nosuchdb"
	if err := dbclient.Login(ctx, tun.DialContext, bad); hopOf(err) != dbclient.HopDatabase {
		t.Errorf("unknown database: %v, want %s", err, dbclient.HopDatabase)
	}

	// Like ssh -L: a local port that leads to the database.
	l, err := tun.Forward(ctx, "127.0.0.1:0", net.JoinHostPort(dbHost, strconv.Itoa(dbPort)))
	if err != nil {
		t.Fatal(err)
	}
	host, port, _ := net.SplitHostPort(l.Addr().String())
	p, _ := strconv.Atoi(port)
	local := w.admin()
	local.Host, local.Port = host, p
	if err := dbclient.Login(ctx, nil, local); err != nil {
		t.Errorf("Login through the forwarded port: %v", err)
	}
}

func TestTunnelConnSupportsDeadlines(t *testing.T) {
	w := newSandboxWorld(t)
	tun := w.tunnel(t)
	c, err := tun.DialContext(context.Background(), "tcp", net.JoinHostPort(dbHost, strconv.Itoa(dbPort)))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if _, err := io.ReadFull(c, make([]byte, 4)); err != nil { // the server's greeting header
		t.Fatal(err)
	}
	if err := c.SetReadDeadline(time.Now().Add(10 * time.Millisecond)); err != nil {
		t.Fatalf("SetReadDeadline: %v", err)
	}
	buf := make([]byte, 1<<16)
	for {
		_, err = c.Read(buf)
		if err != nil {
			break
		}
	}
	var ne net.Error
	if !errors.As(err, &ne) || !ne.Timeout() {
		t.Errorf("read past the deadline: %v, want a timeout", err)
	}
}

func TestDropMidUseReconnects(t *testing.T) {
	w := newSandboxWorld(t)
	tun := w.tunnel(t)
	ctx := context.Background()
	db, err := dbclient.Open(ctx, tun.DialContext, w.admin())
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	held, err := db.Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer held.Close()
	raw, err := tun.DialContext(ctx, "tcp", net.JoinHostPort(dbHost, strconv.Itoa(dbPort)))
	if err != nil {
		t.Fatal(err)
	}
	defer raw.Close()
	if _, err := io.ReadFull(raw, make([]byte, 4)); err != nil {
		t.Fatal(err)
	}

	w.b.DropAll()

	// A tunnelled connection says the bastion link dropped…
	_, err = io.ReadAll(raw)
	if hopOf(err) != dbclient.HopBastionTCP {
		t.Errorf("read after the drop: %v, want a %s error", err, dbclient.HopBastionTCP)
	}
	// …a connection the pool handed out fails, typed…
	var one int
	err = held.QueryRowContext(ctx, "SELECT 1").Scan(&one)
	if err == nil {
		t.Fatal("query on a connection cut by the bastion succeeded")
	}
	if hopOf(err) == "" {
		t.Errorf("query on the cut connection: %v is not classified", err)
	}
	// …and the next call reconnects.
	if err := db.QueryRowContext(ctx, "SELECT 1").Scan(&one); err != nil {
		t.Fatalf("query after the drop: %v", err)
	}
	if err := dbclient.Login(ctx, tun.DialContext, w.admin()); err != nil {
		t.Fatalf("login after the drop: %v", err)
	}
	if tun.Reconnects() < 1 {
		t.Errorf("Reconnects = %d", tun.Reconnects())
	}
}

func TestForwardRefusedByBastion(t *testing.T) {
	w := newSandboxWorld(t)
	tun := w.tunnel(t)
	for _, dest := range []string{w.b.Addr(), "127.0.0.1:22", "other.internal:3306"} {
		_, err := tun.DialContext(context.Background(), "tcp", dest)
		ce := dbclient.Classify(err)
		if ce == nil || ce.Hop != dbclient.HopForward {
			t.Errorf("dial %s: %v, want a %s error", dest, err, dbclient.HopForward)
		}
	}
	// The link survives a refusal.
	if err := dbclient.Login(context.Background(), tun.DialContext, w.admin()); err != nil {
		t.Errorf("login after a refused forward: %v", err)
	}
}

func TestChangedHostKeyIsRefused(t *testing.T) {
	w := newSandboxWorld(t)
	_, other, _ := ed25519.GenerateKey(rand.Reader)
	otherPub, _ := ssh.NewPublicKey(other.Public())
	if err := os.WriteFile(w.known, []byte(knownhosts.Line([]string{w.b.Addr()}, otherPub)+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	cfg := w.sshConfig()
	asked := false
	cfg.OnUnknownHost = func(string, ssh.PublicKey) bool { asked = true; return true } // must not matter
	_, err := dbclient.OpenTunnel(context.Background(), cfg)
	ce := dbclient.Classify(err)
	if ce == nil || ce.Hop != dbclient.HopBastionHostKey {
		t.Fatalf("changed key: %v, want a %s error", err, dbclient.HopBastionHostKey)
	}
	for _, want := range []string{w.known + ":1", w.b.HostKeyFingerprint(), ssh.FingerprintSHA256(otherPub), "CHANGED"} {
		if !strings.Contains(ce.What, want) {
			t.Errorf("message %q lacks %q", ce.What, want)
		}
	}
	if !strings.Contains(ce.Fix, "ssh-keygen -f "+w.known+" -R '[127.0.0.1]:") {
		t.Errorf("fix %q lacks the ssh-keygen -R command", ce.Fix)
	}
	var ke *knownhosts.KeyError
	if !errors.As(err, &ke) {
		t.Error("the knownhosts.KeyError is not reachable with errors.As")
	}
	if asked {
		t.Error("OnUnknownHost was asked about a changed key")
	}
}

func TestTrustOnFirstUse(t *testing.T) {
	w := newSandboxWorld(t)
	w.known = filepath.Join(t.TempDir(), "new", "known_hosts") // does not exist yet
	cfg := w.sshConfig()

	_, err := dbclient.OpenTunnel(context.Background(), cfg)
	if hopOf(err) != dbclient.HopBastionHostKey || !strings.Contains(err.Error(), w.b.HostKeyFingerprint()) {
		t.Fatalf("unknown host without a callback: %v", err)
	}

	var gotHost string
	cfg.OnUnknownHost = func(host string, key ssh.PublicKey) bool {
		gotHost = host
		return ssh.FingerprintSHA256(key) == w.b.HostKeyFingerprint()
	}
	tun, err := dbclient.OpenTunnel(context.Background(), cfg)
	if err != nil {
		t.Fatalf("TOFU: %v", err)
	}
	tun.Close()
	if gotHost != knownhosts.Normalize(w.b.Addr()) {
		t.Errorf("asked about %q", gotHost)
	}
	buf, err := os.ReadFile(w.known)
	if err != nil || strings.TrimSpace(string(buf)) != w.b.KnownHostsLine() {
		t.Fatalf("known_hosts after TOFU: %q, %v", buf, err)
	}
	if fi, _ := os.Stat(w.known); fi.Mode().Perm() != 0o600 {
		t.Errorf("known_hosts mode %v", fi.Mode().Perm())
	}
	// Now known: no question asked.
	cfg.OnUnknownHost = nil
	tun, err = dbclient.OpenTunnel(context.Background(), cfg)
	if err != nil {
		t.Fatalf("second connection: %v", err)
	}
	tun.Close()
}

func TestWrongKeyIsAnAuthError(t *testing.T) {
	w := newSandboxWorld(t)
	cfg := w.sshConfig()
	cfg.KeyFile = filepath.Join(t.TempDir(), "other") // a key the bastion does not know
	if _, err := bastion.LoadOrCreateClientKey(cfg.KeyFile); err != nil {
		t.Fatal(err)
	}
	_, err := dbclient.OpenTunnel(context.Background(), cfg)
	if hopOf(err) != dbclient.HopBastionAuth {
		t.Errorf("wrong key: %v, want %s", err, dbclient.HopBastionAuth)
	}
	cfg = w.sshConfig()
	cfg.User = "ubuntu"
	_, err = dbclient.OpenTunnel(context.Background(), cfg)
	if hopOf(err) != dbclient.HopBastionAuth || !strings.Contains(err.Error(), `"ubuntu"`) {
		t.Errorf("wrong user: %v, want %s naming the user", err, dbclient.HopBastionAuth)
	}
}

func TestEncryptedKey(t *testing.T) {
	w := newSandboxWorld(t)
	k, err := bastion.LoadOrCreateClientKey(w.keyFile)
	if err != nil {
		t.Fatal(err)
	}
	raw, err := ssh.ParseRawPrivateKey(k.PrivatePEM)
	if err != nil {
		t.Fatal(err)
	}
	block, err := ssh.MarshalPrivateKeyWithPassphrase(raw, "", []byte("correct horse"))
	if err != nil {
		t.Fatal(err)
	}
	enc := filepath.Join(t.TempDir(), "id_enc")
	if err := os.WriteFile(enc, pem.EncodeToMemory(block), 0o600); err != nil {
		t.Fatal(err)
	}
	cfg := w.sshConfig()
	cfg.KeyFile = enc
	for _, tc := range []struct {
		pass string
		ok   bool
	}{{"", false}, {"wrong", false}, {"correct horse", true}} {
		cfg.Passphrase = []byte(tc.pass)
		tun, err := dbclient.OpenTunnel(context.Background(), cfg)
		if tc.ok {
			if err != nil {
				t.Errorf("passphrase %q: %v", tc.pass, err)
			} else {
				tun.Close()
			}
			continue
		}
		if hopOf(err) != dbclient.HopSSHKey {
			t.Errorf("passphrase %q: %v, want %s", tc.pass, err, dbclient.HopSSHKey)
		}
	}
}

func TestSSHAgent(t *testing.T) {
	w := newSandboxWorld(t)
	k, err := bastion.LoadOrCreateClientKey(w.keyFile)
	if err != nil {
		t.Fatal(err)
	}
	raw, _ := ssh.ParseRawPrivateKey(k.PrivatePEM)
	ring := agent.NewKeyring()
	if err := ring.Add(agent.AddedKey{PrivateKey: raw}); err != nil {
		t.Fatal(err)
	}
	sockDir, err := os.MkdirTemp("", "agent")
	if err != nil {
		t.Fatal(err)
	}
	defer os.RemoveAll(sockDir)
	sock := filepath.Join(sockDir, "agent.sock")
	l, err := net.Listen("unix", sock)
	if err != nil {
		t.Fatal(err)
	}
	served := make(chan struct{})
	go func() { // the test's agent: serves until the listener closes
		defer close(served)
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			_ = agent.ServeAgent(ring, c)
			c.Close()
		}
	}()
	defer func() { l.Close(); <-served }()
	t.Setenv("SSH_AUTH_SOCK", sock)
	cfg := w.sshConfig()
	cfg.KeyFile = ""
	tun, err := dbclient.OpenTunnel(context.Background(), cfg)
	if err != nil {
		t.Fatalf("agent login: %v", err)
	}
	tun.Close()

	t.Setenv("SSH_AUTH_SOCK", "")
	if _, err := dbclient.OpenTunnel(context.Background(), cfg); hopOf(err) != dbclient.HopSSHKey {
		t.Errorf("no agent: %v, want %s", err, dbclient.HopSSHKey)
	}
}

func TestBastionUnreachable(t *testing.T) {
	w := newSandboxWorld(t)

	closed, _ := net.Listen("tcp", "127.0.0.1:0")
	closedAddr := closed.Addr().String()
	closed.Close()

	silent, _ := net.Listen("tcp", "127.0.0.1:0") // accepts, never speaks SSH
	defer silent.Close()

	for _, tc := range []struct {
		addr string
		hop  dbclient.Hop
	}{
		{closedAddr, dbclient.HopBastionTCP},
		{"bastion.nonexistent.invalid:22", dbclient.HopBastionDNS},
		{silent.Addr().String(), dbclient.HopBastionHandshake},
		{mysqlPort(t, w.db.Dial), dbclient.HopBastionHandshake}, // a database's port, not SSH
	} {
		cfg := w.sshConfig()
		cfg.Addr, cfg.Timeout = tc.addr, 300*time.Millisecond
		_, err := dbclient.OpenTunnel(context.Background(), cfg)
		if hopOf(err) != tc.hop {
			t.Errorf("%s: %v, want %s", tc.addr, err, tc.hop)
		}
	}
}

func TestCloseEndsEverything(t *testing.T) {
	w := newSandboxWorld(t)
	before := numGoroutines()
	tun, err := dbclient.OpenTunnel(context.Background(), w.sshConfig())
	if err != nil {
		t.Fatal(err)
	}
	db, err := dbclient.Open(context.Background(), tun.DialContext, w.admin())
	if err != nil {
		t.Fatal(err)
	}
	l, err := tun.Forward(context.Background(), "127.0.0.1:0", net.JoinHostPort(dbHost, strconv.Itoa(dbPort)))
	if err != nil {
		t.Fatal(err)
	}
	local, err := net.Dial("tcp", l.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer local.Close()
	if _, err := io.ReadFull(local, make([]byte, 4)); err != nil {
		t.Fatal(err)
	}
	if err := tun.Close(); err != nil {
		t.Fatal(err)
	}
	db.Close()
	if _, err := tun.DialContext(context.Background(), "tcp", "x:1"); !errors.Is(err, dbclient.ErrTunnelClosed) {
		t.Errorf("dial after Close: %v", err)
	}
	testenv.WaitGoroutines(t, before)
}

// A person comparing the fingerprint may take longer than the handshake's deadline: the
// question is asked with no connection open and no deadline running, and the connection is
// made afresh once the key is trusted.
func TestUnknownHostQuestionRunsNoDeadline(t *testing.T) {
	w := newSandboxWorld(t)
	w.known = filepath.Join(t.TempDir(), "known_hosts")
	cfg := w.sshConfig()
	cfg.Timeout = 100 * time.Millisecond
	cfg.OnUnknownHost = func(string, ssh.PublicKey) bool {
		<-time.After(5 * cfg.Timeout) // the learner reads the EC2 console
		return true
	}
	tun, err := dbclient.OpenTunnel(context.Background(), cfg)
	if err != nil {
		t.Fatalf("trusted after a long look: %v", err)
	}
	tun.Close()
}
