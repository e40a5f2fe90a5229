package dbclient_test

import (
	"context"
	"io"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"golang.org/x/crypto/ssh"

	"rotation-tutor/dbclient"
	"rotation-tutor/sandbox/bastion"
	"rotation-tutor/sandbox/database"
)

// dbHost is the database's internal name: only the bastion knows where it is.
const (
	dbHost = "secretsmanagertutorial.abc123.us-east-1.rds.sandbox.internal"
	dbPort = 3306
)

// sandboxWorld is the sandbox's network: our bastion in front of our GMS.
type sandboxWorld struct {
	db      *database.Server
	b       *bastion.Bastion
	keyFile string
	known   string // known_hosts with the bastion's line
	adminPW string
}

func newSandboxWorld(t testing.TB) *sandboxWorld {
	t.Helper()
	dir := t.TempDir()
	adminPW := "admin'pw\\%"
	db, err := database.Start(context.Background(), database.Options{StateDir: dir, AdminUser: "admin", AdminPassword: adminPW})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	w := startBastion(t, map[string]dbclient.DialFunc{net.JoinHostPort(dbHost, strconv.Itoa(dbPort)): db.Dial})
	w.db, w.adminPW = db, adminPW
	return w
}

// startBastion starts our bastion forwarding to routes (internal host:port →
// how the bastion reaches that server), with a client key and known_hosts for it.
func startBastion(t testing.TB, routes map[string]dbclient.DialFunc) *sandboxWorld {
	t.Helper()
	dir := t.TempDir()
	w := &sandboxWorld{keyFile: filepath.Join(dir, "id_ed25519"), known: filepath.Join(dir, "known_hosts")}
	key, err := bastion.LoadOrCreateClientKey(w.keyFile)
	if err != nil {
		t.Fatal(err)
	}
	w.b, err = bastion.Start(context.Background(), bastion.Options{
		StateDir: dir, AuthorizedKeys: []ssh.PublicKey{key.Public}, Routes: routes,
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { w.b.Close() })
	if err := os.WriteFile(w.known, []byte(w.b.KnownHostsLine()+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	return w
}

func (w *sandboxWorld) sshConfig() dbclient.SSHConfig {
	return dbclient.SSHConfig{Addr: w.b.Addr(), User: bastion.DefaultUser, KeyFile: w.keyFile,
		KnownHostsFile: w.known, Timeout: 10 * time.Second}
}

func (w *sandboxWorld) tunnel(t testing.TB) *dbclient.Tunnel {
	t.Helper()
	tun, err := dbclient.OpenTunnel(context.Background(), w.sshConfig())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { tun.Close() })
	return tun
}

func (w *sandboxWorld) admin() dbclient.Target {
	return dbclient.Target{Host: dbHost, Port: dbPort, User: "admin", Password: w.adminPW, Database: "tutorial"}
}

// hopOf is err's hop, or "" when err is not classified.
func hopOf(err error) dbclient.Hop {
	if ce := dbclient.Classify(err); ce != nil {
		return ce.Hop
	}
	return ""
}

// mysqlPort serves a database on a loopback port, as a MySQL server listens: for a test that
// needs a port that speaks MySQL rather than SSH (the sandbox's own database has none).
func mysqlPort(t testing.TB, dial dbclient.DialFunc) string {
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
			go func() { // ends when either side closes
				defer c.Close()
				up, err := dial(context.Background(), "tcp", "db:3306")
				if err != nil {
					return
				}
				defer up.Close()
				go func() { _, _ = io.Copy(up, c); up.Close() }()
				_, _ = io.Copy(c, up)
			}()
		}
	}()
	t.Cleanup(func() { l.Close(); <-done })
	return l.Addr().String()
}
