package sandbox_test

import (
	"context"
	"errors"
	"io/fs"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/rds"
	rdstypes "github.com/aws/aws-sdk-go-v2/service/rds/types"
	sm "github.com/aws/aws-sdk-go-v2/service/secretsmanager"

	"rotation-tutor/dbclient"
	"rotation-tutor/internal/testenv"
	"rotation-tutor/rotation"
	"rotation-tutor/sandbox"
	"rotation-tutor/sandbox/bastion"
	"rotation-tutor/sandbox/lambda"
)

// startWith starts a sandbox on a short state path (a mariadbd's socket path is limited).
func startWith(t *testing.T, o sandbox.Options) *sandbox.Sandbox {
	t.Helper()
	if o.Engine == "mariadb" {
		if testing.Short() {
			t.Skip("starts mariadbd")
		}
		testenv.RequireTool(t, "/usr/sbin/mariadbd")
	}
	if o.StateDir == "" {
		dir, err := os.MkdirTemp("", "rt")
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { os.RemoveAll(dir) })
		o.StateDir = dir
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	sb, err := sandbox.Start(ctx, o)
	if err != nil {
		t.Fatalf("Start: %v", err)
	}
	t.Cleanup(func() {
		if err := sb.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
	})
	return sb
}

// waitAvailable waits, as `aws rds wait db-instance-available` does, for the older
// tutorial's instance, whose database starts in the background (a mariadbd takes seconds).
func waitAvailable(t *testing.T, ctx context.Context, in sandbox.Info) {
	t.Helper()
	w := rds.NewDBInstanceAvailableWaiter(rdsClient(t, in), func(o *rds.DBInstanceAvailableWaiterOptions) {
		o.MinDelay, o.MaxDelay = 50*time.Millisecond, time.Second
	})
	input := &rds.DescribeDBInstancesInput{DBInstanceIdentifier: aws.String(in.ClassicDatabase.Instance)}
	if err := w.Wait(ctx, input, 2*time.Minute); err != nil {
		t.Fatalf("%s: %v", in.ClassicDatabase.Instance, err)
	}
}

// login logs in to an instance through the bastion as its master user, with the TLS mode
// given and the sandbox's CA bundle, and says how the session was protected.
func login(t *testing.T, ctx context.Context, in sandbox.Info, tun *dbclient.Tunnel, db sandbox.DatabaseInfo, password string, mode dbclient.TLSMode) (dbclient.Security, error) {
	t.Helper()
	bundle, err := dbclient.LoadCABundle(db.CABundleFile)
	if err != nil {
		t.Fatal(err)
	}
	return dbclient.LoginWithSecurity(ctx, tun.DialContext, dbclient.Target{Host: db.Host, Port: db.Port,
		User: db.MasterUser, Password: password, Database: db.Name, TLS: mode, CA: bundle})
}

// Both instances serve TLS, as RDS instances do, with a certificate for their own internal
// name issued by the sandbox's CA, whose certificate is the bundle named in sandbox --json
// (under the state, the owner's only). Plain text is let in unless asked otherwise. The CA's
// key is on disk nowhere; a start that finds the bundle gone makes it again for the same key,
// so a copy of the old one still verifies.
func TestDatabasesServeTLSFromTheSandboxCA(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	dir := t.TempDir()
	sb := startWith(t, sandbox.Options{StateDir: dir})
	in := sb.Info()
	for _, db := range []sandbox.DatabaseInfo{in.Database, in.ClassicDatabase} {
		if db.CABundleFile != filepath.Join(dir, "database-ca.pem") || db.RequireSecureTransport {
			t.Fatalf("%s: ca_bundle_file %q, require_secure_transport %v", db.Instance, db.CABundleFile, db.RequireSecureTransport)
		}
	}
	if fi, err := os.Stat(in.Database.CABundleFile); err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("the CA bundle: %v, %v; want 0600", fi, err)
	}

	waitAvailable(t, ctx, in)
	tun := tunnel(t, ctx, in)
	passwords := map[string]string{in.Database.Instance: adminPassword(t, ctx, in), in.ClassicDatabase.Instance: sb.ClassicMasterPassword()}
	for _, db := range []sandbox.DatabaseInfo{in.Database, in.ClassicDatabase} {
		sec, err := login(t, ctx, in, tun, db, passwords[db.Instance], dbclient.TLSRequired)
		if err != nil || !sec.TLS || !sec.Verified || sec.ServerName != db.Host {
			t.Errorf("%s over TLS: %+v, %v; want a certificate verified for %s", db.Instance, sec, err, db.Host)
		}
		if sec, err := login(t, ctx, in, tun, db, passwords[db.Instance], dbclient.TLSOff); err != nil || sec.TLS {
			t.Errorf("%s in plain text: %+v, %v; want it let in", db.Instance, sec, err)
		}
	}
	// One instance's certificate is not the other's: dialled as the older instance, the
	// current one's certificate does not verify.
	wrongName := dbclient.Target{Host: in.ClassicDatabase.Host, Port: in.Database.Port, User: sandbox.AdminUser,
		Password: passwords[in.Database.Instance], TLS: dbclient.TLSRequired}
	wrongName.CA, _ = dbclient.LoadCABundle(in.Database.CABundleFile)
	routeToCurrent := func(ctx context.Context, network, _ string) (net.Conn, error) {
		return tun.DialContext(ctx, network, net.JoinHostPort(in.Database.Host, "3306"))
	}
	var ce *dbclient.CertificateError
	if err := dbclient.Login(ctx, routeToCurrent, wrongName); !errors.As(err, &ce) {
		t.Errorf("the current instance's certificate, checked for the older one's name: %v", err)
	}

	err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		// The bastion's host key and the learner's key pair are the only keys kept.
		name := filepath.Base(path)
		if b, _ := os.ReadFile(path); strings.Contains(string(b), "PRIVATE KEY") && name != "id_ed25519" && name != bastion.HostKeyFile {
			t.Errorf("%s holds a PEM private key", path)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}

	old, err := os.ReadFile(in.Database.CABundleFile)
	if err != nil {
		t.Fatal(err)
	}
	kept := filepath.Join(t.TempDir(), "kept-ca.pem")
	if err := os.WriteFile(kept, old, 0o600); err != nil {
		t.Fatal(err)
	}
	tun.Close()
	if err := sb.Close(); err != nil {
		t.Fatal(err)
	}
	if err := os.Remove(in.Database.CABundleFile); err != nil {
		t.Fatal(err)
	}
	again := startWith(t, sandbox.Options{StateDir: dir}).Info()
	if _, err := os.Stat(again.Database.CABundleFile); err != nil {
		t.Fatalf("the bundle was not made again: %v", err)
	}
	tun = tunnel(t, ctx, again)
	db := again.Database
	db.CABundleFile = kept
	if sec, err := login(t, ctx, again, tun, db, adminPassword(t, ctx, again), dbclient.TLSRequired); err != nil || !sec.Verified {
		t.Errorf("after the restart, with a copy of the first bundle: %+v, %v", sec, err)
	}
}

// A client that keeps its CA bundle resumes the TLS sessions it verified, as an
// application's TLS library does: the next login's handshake is shorter and still counts
// as verified; a bundle read anew starts afresh, and verifies again.
func TestTLSSessionsResumeWithTheSameBundle(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	sb := startWith(t, sandbox.Options{})
	in := sb.Info()
	tun := tunnel(t, ctx, in)
	db := in.Database
	bundle, err := dbclient.LoadCABundle(db.CABundleFile)
	if err != nil {
		t.Fatal(err)
	}
	target := dbclient.Target{Host: db.Host, Port: db.Port, User: db.MasterUser, Password: adminPassword(t, ctx, in),
		Database: db.Name, TLS: dbclient.TLSRequired, CA: bundle}
	for i, wantResumed := range []bool{false, true, true} {
		sec, err := dbclient.LoginWithSecurity(ctx, tun.DialContext, target)
		if err != nil || !sec.Verified || sec.Resumed != wantResumed {
			t.Fatalf("login %d: %+v, %v; want verified, resumed %v", i+1, sec, err, wantResumed)
		}
	}
	if sec, err := login(t, ctx, in, tun, db, target.Password, dbclient.TLSRequired); err != nil || !sec.Verified || sec.Resumed {
		t.Errorf("with a bundle read anew: %+v, %v; want verified afresh", sec, err)
	}
}

// With RequireTLS, each instance refuses a plain-text login through the bastion as its real
// server would — the embedded engine with MySQL's 3159, mariadbd with MariaDB's 1045 (our
// client then learns from a login over TLS that require_secure_transport is ON) — and lets
// the same login in over TLS, verified for its name; sandbox --json says so.
func TestRequireTLSThroughTheBastion(t *testing.T) {
	for _, engine := range []string{"gms", "mariadb"} {
		t.Run(engine, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
			defer cancel()
			sb := startWith(t, sandbox.Options{Engine: engine, RequireTLS: true})
			in := sb.Info()
			want := map[string]uint16{"gms": 3159, "mariadb": 1045}[engine]
			waitAvailable(t, ctx, in)
			tun := tunnel(t, ctx, in)
			passwords := map[string]string{in.Database.Instance: adminPassword(t, ctx, in), in.ClassicDatabase.Instance: sb.ClassicMasterPassword()}
			for _, db := range []sandbox.DatabaseInfo{in.Database, in.ClassicDatabase} {
				if !db.RequireSecureTransport {
					t.Errorf("%s: require_secure_transport is false in sandbox --json", db.Instance)
				}
				_, err := login(t, ctx, in, tun, db, passwords[db.Instance], dbclient.TLSOff)
				var tr *dbclient.TLSRequiredError
				if !errors.As(err, &tr) || !tr.ServerWide || tr.Number != want {
					t.Errorf("%s in plain text: %v; want refused with %d for want of TLS", db.Instance, err, want)
				}
				if sec, err := login(t, ctx, in, tun, db, passwords[db.Instance], dbclient.TLSPreferred); err != nil || !sec.TLS || !sec.Verified {
					t.Errorf("%s with no ssl key: %+v, %v; want verified TLS", db.Instance, sec, err)
				}
			}
		})
	}
}

// BenchmarkLoginThroughTheBastion is one login to the sandbox's database on an open tunnel
// through its bastion (a new SSH channel and MySQL handshake), in plain text and over TLS
// verified against the sandbox's CA; checked with a ping, as a probe client does
// (dbclient.LoginPing), or with SELECT 1 (dbclient.Login). A workshop server makes
// thousands of these a second.
func BenchmarkLoginThroughTheBastion(b *testing.B) {
	ctx := context.Background()
	sb, err := sandbox.Start(ctx, sandbox.Options{StateDir: b.TempDir()})
	if err != nil {
		b.Fatal(err)
	}
	defer sb.Close()
	in := sb.Info()
	client, closeIdle := lambda.NewSecretsClient(in.Region, in.SecretsManagerEndpoint, in.AccessKey())
	defer closeIdle()
	out, err := client.GetSecretValue(ctx, &sm.GetSecretValueInput{SecretId: aws.String(in.Database.AdminSecretARN)})
	if err != nil {
		b.Fatal(err)
	}
	admin, err := rotation.ReadSecret(aws.ToString(out.SecretString))
	if err != nil {
		b.Fatal(err)
	}
	tun, err := dbclient.OpenTunnel(ctx, dbclient.SSHConfig{Addr: bastionAddr(in), User: in.Bastion.User,
		KeyFile: in.Bastion.PrivateKeyFile, KnownHostsFile: in.Bastion.KnownHostsFile, Timeout: 10 * time.Second})
	if err != nil {
		b.Fatal(err)
	}
	defer tun.Close()
	bundle, err := dbclient.LoadCABundle(in.Database.CABundleFile)
	if err != nil {
		b.Fatal(err)
	}
	target := dbclient.Target{Host: in.Database.Host, Port: in.Database.Port, User: admin.Username, Password: admin.Password, CA: bundle}
	for _, bc := range []struct {
		name string
		mode dbclient.TLSMode
	}{{"plain", dbclient.TLSOff}, {"tls-verified", dbclient.TLSRequired}} {
		for _, check := range []struct {
			name  string
			login func(context.Context, dbclient.DialFunc, dbclient.Target) error
		}{{"ping", dbclient.LoginPing}, {"select", dbclient.Login}} {
			b.Run(bc.name+"/"+check.name, func(b *testing.B) {
				t := target
				t.TLS = bc.mode
				b.ReportAllocs()
				for b.Loop() {
					if err := check.login(ctx, tun.DialContext, t); err != nil {
						b.Fatal(err)
					}
				}
			})
		}
	}
}

// --db-require-tls sets require_secure_transport in the instances' DB parameter group, which
// RDS describes; the group keeps it across restarts, as RDS does, and the command the doctor
// prints, `aws rds modify-db-parameter-group … require_secure_transport=0` (here through the
// SDK), lets plain text in at the next login, and at the next start.
func TestRequireTLSIsTheParameterGroups(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	dir := t.TempDir()
	first := startWith(t, sandbox.Options{StateDir: dir, RequireTLS: true})
	if !first.Info().Database.RequireSecureTransport {
		t.Fatal("require_secure_transport is off after --db-require-tls")
	}
	if err := first.Close(); err != nil {
		t.Fatal(err)
	}
	sb := startWith(t, sandbox.Options{StateDir: dir})
	in := sb.Info()
	if !in.Database.RequireSecureTransport {
		t.Fatal("the parameter group forgot require_secure_transport at a restart")
	}
	out, err := rdsClient(t, in).DescribeDBInstances(ctx, &rds.DescribeDBInstancesInput{DBInstanceIdentifier: aws.String(in.Database.Instance)})
	if err != nil || len(out.DBInstances) != 1 || len(out.DBInstances[0].DBParameterGroups) != 1 {
		t.Fatalf("DescribeDBInstances: %+v %v", out, err)
	}
	group := out.DBInstances[0].DBParameterGroups[0].DBParameterGroupName

	tun := tunnel(t, ctx, in)
	pw := adminPassword(t, ctx, in)
	var tr *dbclient.TLSRequiredError
	if _, err := login(t, ctx, in, tun, in.Database, pw, dbclient.TLSOff); !errors.As(err, &tr) {
		t.Fatalf("plain text with the group requiring TLS: %v", err)
	}
	if _, err := rdsClient(t, in).ModifyDBParameterGroup(ctx, &rds.ModifyDBParameterGroupInput{DBParameterGroupName: group,
		Parameters: []rdstypes.Parameter{{ParameterName: aws.String("require_secure_transport"), ParameterValue: aws.String("0"),
			ApplyMethod: rdstypes.ApplyMethodImmediate}}}); err != nil {
		t.Fatal(err)
	}
	if sec, err := login(t, ctx, in, tun, in.Database, pw, dbclient.TLSOff); err != nil || sec.TLS {
		t.Errorf("plain text once the group lets it in: %+v, %v", sec, err)
	}
	tun.Close()
	if err := sb.Close(); err != nil {
		t.Fatal(err)
	}
	if startWith(t, sandbox.Options{StateDir: dir}).Info().Database.RequireSecureTransport {
		t.Error("require_secure_transport is back on at the next start")
	}
}
