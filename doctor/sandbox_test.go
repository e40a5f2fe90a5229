package doctor_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	sm "github.com/aws/aws-sdk-go-v2/service/secretsmanager"
	"golang.org/x/crypto/ssh"

	"rotation-tutor/dbclient"
	"rotation-tutor/doctor"
	"rotation-tutor/sandbox/bastion"
	"rotation-tutor/sandbox/database"
)

const dbName = "secretsmanagertutorial.sandbox.internal"

// sandboxWorld is the doctor's world built from the sandbox's own pieces:
// the in-process bastion and database on loopback sockets, and the Secrets
// Manager endpoint as "AWS". It is what the walkthrough leaves after step 6.
type sandboxWorld struct {
	*awsWorld
	bastion        *bastion.Bastion
	db             *database.Server
	keyFile, known string
}

func newSandboxWorld(t *testing.T) *sandboxWorld {
	t.Helper()
	ctx := context.Background()
	db, err := database.Start(ctx, database.Options{AdminUser: "admin", AdminPassword: adminPass})
	if err != nil {
		t.Fatalf("database.Start: %v", err)
	}
	t.Cleanup(func() { _ = db.Close() })

	key, err := bastion.NewClientKey()
	if err != nil {
		t.Fatal(err)
	}
	b, err := bastion.Start(ctx, bastion.Options{
		AuthorizedKeys: []ssh.PublicKey{key.Public},
		Routes:         map[string]dbclient.DialFunc{dbName + ":3306": db.Dial},
	})
	if err != nil {
		t.Fatalf("bastion.Start: %v", err)
	}
	t.Cleanup(func() { _ = b.Close() })

	dir := t.TempDir()
	w := &sandboxWorld{awsWorld: newAWSWorld(t), bastion: b, db: db,
		keyFile: filepath.Join(dir, "id_ed25519"), known: filepath.Join(dir, "known_hosts")}
	if err := key.Write(w.keyFile); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(w.known, []byte(b.KnownHostsLine()+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}

	admin, err := dbclient.Open(ctx, db.Dial, dbclient.Target{Host: dbName, Port: 3306, User: "admin", Password: adminPass})
	if err != nil {
		t.Fatalf("log in as admin: %v", err)
	}
	defer admin.Close()
	if _, err := admin.ExecContext(ctx, "CREATE DATABASE IF NOT EXISTS tutorial"); err != nil {
		t.Fatal(err)
	}
	if err := dbclient.CreateUser(ctx, admin, "appuser", appPassword); err != nil {
		t.Fatalf("create appuser: %v", err)
	}
	if err := dbclient.GrantSelect(ctx, admin, "tutorial", "appuser"); err != nil {
		t.Fatalf("grant: %v", err)
	}
	w.createApp(t, w.appValue(dbName, 3306))
	return w
}

func (w *sandboxWorld) target() doctor.Target {
	return doctor.Target{
		Secrets: w.client, Region: region, SecretID: appSecret,
		SSH:    dbclient.SSHConfig{Addr: w.bastion.Addr(), User: w.bastion.User(), KeyFile: w.keyFile, KnownHostsFile: w.known},
		DBHost: dbName, DBPort: 3306,
	}
}

func TestSandboxAllGreen(t *testing.T) {
	w := newSandboxWorld(t)
	var streamed int
	r := doctor.Run(context.Background(), w.target(), func(doctor.Check) { streamed++ })
	assertAllGreen(t, r)
	if streamed != len(r.Checks) {
		t.Errorf("streamed %d of %d checks", streamed, len(r.Checks))
	}
	if c := find(t, r, doctor.HopDatabase, "clone user and grants"); !strings.Contains(c.Detail, "first rotation creates it") {
		t.Errorf("clone check before any rotation: %+v", c)
	}
}

// TestSandboxBrokenHops breaks one hop at a time; the doctor must name that
// hop as the first failure and give its fix.
func TestSandboxBrokenHops(t *testing.T) {
	w := newSandboxWorld(t)
	for _, tc := range []struct {
		name      string
		breakIt   func(t *testing.T, tgt *doctor.Target)
		hop, what string
		fixHas    []string
	}{
		{"closed bastion port", func(t *testing.T, tgt *doctor.Target) { tgt.SSH.Addr = closedAddr(t) },
			doctor.HopBastion, "TCP reachable", []string{"sshd"}},
		{"wrong key", func(t *testing.T, tgt *doctor.Target) { tgt.SSH.KeyFile = newKeyFile(t) },
			doctor.HopBastion, "SSH auth", []string{"authorized_keys"}},
		{"changed host key", func(t *testing.T, tgt *doctor.Target) {
			tgt.SSH.KnownHostsFile = staleKnownHosts(t, tgt.SSH.Addr)
		}, doctor.HopBastion, "host key", []string{"ssh-keygen -R", ":2"}},
		{"unknown host key", func(t *testing.T, tgt *doctor.Target) {
			tgt.SSH.KnownHostsFile = filepath.Join(t.TempDir(), "known_hosts")
		}, doctor.HopBastion, "host key", []string{"ssh-keyscan"}},
		{"forward not allowed", func(t *testing.T, tgt *doctor.Target) { tgt.DBHost = "other.internal" },
			doctor.HopBastion, "forward to database", []string{"PermitOpen"}},
		{"wrong admin password", func(t *testing.T, tgt *doctor.Target) {
			w.putAdmin(t, "admin", "not-the-admin-password", adminPass)
		}, doctor.HopDatabase, "login as admin", []string{"admin secret"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tgt := w.target()
			tc.breakIt(t, &tgt)
			r := doctor.Run(context.Background(), tgt, nil)
			f := firstFailure(t, r, tc.hop, tc.what)
			for _, want := range tc.fixHas {
				if !strings.Contains(f.Fix, want) {
					t.Errorf("fix %q lacks %q", f.Fix, want)
				}
			}
			assertNoSecrets(t, r)
		})
	}
}

func TestSandboxCloneGrantsDiffer(t *testing.T) {
	w := newSandboxWorld(t)
	ctx := context.Background()
	admin, err := dbclient.Open(ctx, w.db.Dial, dbclient.Target{Host: dbName, Port: 3306, User: "admin", Password: adminPass})
	if err != nil {
		t.Fatal(err)
	}
	defer admin.Close()
	if _, err := dbclient.CloneUser(ctx, admin, "appuser", "appuser_clone", "Clone-pass-1"); err != nil {
		t.Fatalf("CloneUser: %v", err)
	}
	// A privilege added later to one user only: the next rotation's user lacks it.
	if _, err := admin.ExecContext(ctx, "GRANT INSERT ON tutorial.* TO 'appuser'@'%'"); err != nil {
		t.Fatal(err)
	}
	r := doctor.Run(ctx, w.target(), nil)
	f := firstFailure(t, r, doctor.HopDatabase, "clone user and grants")
	if !strings.Contains(f.Detail, "only appuser has") || !strings.Contains(f.Detail, "INSERT") {
		t.Errorf("detail %q does not show the grant only appuser has", f.Detail)
	}
}

// A secret's policy that refuses the caller: the doctor names the statement, which AWS's
// AccessDeniedException does not.
func TestSandboxRefusalNamesTheStatement(t *testing.T) {
	w := newSandboxWorld(t)
	ctx := context.Background()
	policy := `{"Version":"2012-10-17","Statement":[{"Sid":"NoReadsHere","Effect":"Deny","Principal":{"AWS":"arn:aws:iam::000000000000:root"},"Action":"secretsmanager:GetSecretValue","Resource":"*"}]}`
	if _, err := w.client.PutResourcePolicy(ctx, &sm.PutResourcePolicyInput{SecretId: aws.String(appSecret), ResourcePolicy: aws.String(policy)}); err != nil {
		t.Fatal(err)
	}
	r := doctor.Run(ctx, w.target(), nil)
	f := firstFailure(t, r, doctor.HopSecrets, "app secret")
	if !strings.Contains(f.Detail, `statement "NoReadsHere"`) || !strings.Contains(f.Fix, "delete-resource-policy") {
		t.Fatalf("the refusal is not explained: %+v", f)
	}
}
