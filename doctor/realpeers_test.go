package doctor_test

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/pem"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"golang.org/x/crypto/ssh"
	"golang.org/x/crypto/ssh/knownhosts"

	"rotation-tutor/dbclient"
	"rotation-tutor/doctor"
	"rotation-tutor/internal/testenv"
)

// realWorld is the doctor's world with real peers: Debian's OpenSSH sshd as
// the bastion and mariadbd as the database, with the sandbox's Secrets
// Manager endpoint as "AWS". CI installs both; elsewhere the tests skip.
type realWorld struct {
	*awsWorld
	sshd         *testenv.SSHD
	dbAddr       string
	rootPassword string
}

func newRealWorld(t *testing.T) *realWorld {
	t.Helper()
	maria := testenv.StartMariaDB(t)
	sshd := testenv.StartSSHD(t, maria.Addr)
	w := &realWorld{awsWorld: newAWSWorldWithAdmin(t, "root", maria.RootPassword), sshd: sshd, dbAddr: maria.Addr,
		rootPassword: maria.RootPassword}

	// What the walkthrough's steps 4 and 5 leave behind: appuser with SELECT
	// on tutorial, and its secret naming the admin secret in masterarn.
	ctx := context.Background()
	db, err := dbclient.Open(ctx, nil, dbTarget(t, maria.Addr, "root", maria.RootPassword))
	if err != nil {
		t.Fatalf("log in to mariadbd as root: %v", err)
	}
	defer db.Close()
	if _, err := db.ExecContext(ctx, "CREATE DATABASE IF NOT EXISTS tutorial"); err != nil {
		t.Fatal(err)
	}
	if err := dbclient.CreateUser(ctx, db, "appuser", appPassword); err != nil {
		t.Fatalf("create appuser: %v", err)
	}
	if err := dbclient.GrantSelect(ctx, db, "tutorial", "appuser"); err != nil {
		t.Fatalf("grant: %v", err)
	}
	host, port := splitAddr(t, maria.Addr)
	w.createApp(t, w.appValue(host, port))
	return w
}

func (w *realWorld) target(t *testing.T) doctor.Target {
	tgt := w.awsWorld.target(t, w.dbAddr)
	tgt.SSH = dbclient.SSHConfig{Addr: w.sshd.Addr, User: w.sshd.User, KeyFile: w.sshd.KeyFile, KnownHostsFile: w.sshd.KnownHostsFile}
	return tgt
}

func dbTarget(t *testing.T, addr, user, password string) dbclient.Target {
	host, port := splitAddr(t, addr)
	return dbclient.Target{Host: host, Port: port, User: user, Password: password}
}

func splitAddr(t *testing.T, addr string) (string, int) {
	t.Helper()
	h, p, err := net.SplitHostPort(addr)
	if err != nil {
		t.Fatal(err)
	}
	n, _ := strconv.Atoi(p)
	return h, n
}

func TestRealPeersAllGreen(t *testing.T) {
	w := newRealWorld(t)
	r := doctor.Run(context.Background(), w.target(t), nil)
	assertAllGreen(t, r)
}

func TestRealPeersBrokenHops(t *testing.T) {
	w := newRealWorld(t)
	for _, tc := range []struct {
		name      string
		break_    func(t *testing.T, tgt *doctor.Target)
		hop, what string
		fixHas    string
	}{
		{"wrong key", func(t *testing.T, tgt *doctor.Target) { tgt.SSH.KeyFile = newKeyFile(t) },
			doctor.HopBastion, "SSH auth", "authorized_keys"},
		{"changed host key", func(t *testing.T, tgt *doctor.Target) {
			tgt.SSH.KnownHostsFile = staleKnownHosts(t, tgt.SSH.Addr)
		}, doctor.HopBastion, "host key", "ssh-keygen -R"},
		{"forward not allowed", func(t *testing.T, tgt *doctor.Target) { tgt.DBPort = 1 },
			doctor.HopBastion, "forward to database", "PermitOpen"},
		{"wrong admin password", func(t *testing.T, tgt *doctor.Target) {
			w.putAdmin(t, "root", "not-the-admin-password", w.rootPassword)
		}, doctor.HopDatabase, "login as admin", "admin secret"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tgt := w.target(t)
			tc.break_(t, &tgt)
			r := doctor.Run(context.Background(), tgt, nil)
			f := firstFailure(t, r, tc.hop, tc.what)
			if !strings.Contains(f.Fix, tc.fixHas) {
				t.Errorf("fix %q lacks %q", f.Fix, tc.fixHas)
			}
			assertNoSecrets(t, r)
		})
	}
}

func assertAllGreen(t *testing.T, r doctor.Report) {
	t.Helper()
	var b strings.Builder
	r.Text(&b, false)
	if !r.OK || r.ExitCode() != 0 {
		t.Fatalf("want all green:\n%s", b.String())
	}
	for _, c := range r.Checks {
		// These worlds have no Lambda API: the function's side is the lab's to test.
		if c.Skipped && c.Hop != doctor.HopRotation && c.Hop != doctor.HopFunction {
			t.Errorf("%s/%s skipped on a healthy world: %s", c.Hop, c.Name, c.Detail)
		}
	}
	assertNoSecrets(t, r)
}

// assertNoSecrets checks no password appears anywhere in the report.
func assertNoSecrets(t *testing.T, r doctor.Report) {
	t.Helper()
	b, err := r.JSON()
	if err != nil {
		t.Fatal(err)
	}
	var text strings.Builder
	r.Text(&text, false)
	for _, secret := range []string{appPassword, adminPass, "sandbox-secret"} {
		if strings.Contains(string(b), secret) || strings.Contains(text.String(), secret) {
			t.Errorf("report contains a secret value %q", secret)
		}
	}
}

func newKeyFile(t *testing.T) string {
	t.Helper()
	_, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	block, err := ssh.MarshalPrivateKey(priv, "")
	if err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(t.TempDir(), "id_ed25519")
	if err := os.WriteFile(p, pem.EncodeToMemory(block), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

// staleKnownHosts is a known_hosts that holds another key for addr, as
// after the bastion was rebuilt.
func staleKnownHosts(t *testing.T, addr string) string {
	t.Helper()
	pub, _, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	key, err := ssh.NewPublicKey(pub)
	if err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(t.TempDir(), "known_hosts")
	line := "# an older key\n" + knownhosts.Line([]string{addr}, key) + "\n"
	if err := os.WriteFile(p, []byte(line), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}
