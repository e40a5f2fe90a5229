package sandbox_test

import (
	"context"
	"encoding/json"
	"errors"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/rds"
	sm "github.com/aws/aws-sdk-go-v2/service/secretsmanager"
	"github.com/aws/smithy-go"

	"rotation-tutor/awsclient"
	"rotation-tutor/dbclient"
	"rotation-tutor/sandbox"
	"rotation-tutor/sandbox/lambda"
	"rotation-tutor/sandbox/secretsmanager"
)

func start(t *testing.T, dir string) *sandbox.Sandbox {
	t.Helper()
	return startWith(t, sandbox.Options{StateDir: dir})
}

func secretsClient(t *testing.T, in sandbox.Info) *sm.Client {
	t.Helper()
	c, closeIdle := lambda.NewSecretsClient(in.Region, in.SecretsManagerEndpoint, in.AccessKey())
	t.Cleanup(closeIdle)
	return c
}

func adminCreds(t *testing.T, ctx context.Context, c *sm.Client, arn string) (user, password string) {
	t.Helper()
	out, err := c.GetSecretValue(ctx, &sm.GetSecretValueInput{SecretId: aws.String(arn)})
	if err != nil {
		t.Fatalf("GetSecretValue(admin): %v", err)
	}
	var v struct{ Username, Password string }
	if err := json.Unmarshal([]byte(aws.ToString(out.SecretString)), &v); err != nil {
		t.Fatal(err)
	}
	if v.Username != sandbox.AdminUser || v.Password == "" {
		t.Fatalf("admin secret holds user %q and an empty password: %v", v.Username, v.Password == "")
	}
	return v.Username, v.Password
}

func tunnel(t *testing.T, ctx context.Context, in sandbox.Info) *dbclient.Tunnel {
	t.Helper()
	tun, err := dbclient.OpenTunnel(ctx, dbclient.SSHConfig{
		Addr: net.JoinHostPort(in.Bastion.Host, strconv.Itoa(in.Bastion.Port)), User: in.Bastion.User,
		KeyFile: in.Bastion.PrivateKeyFile, KnownHostsFile: in.Bastion.KnownHostsFile, Timeout: 10 * time.Second,
	})
	if err != nil {
		t.Fatalf("OpenTunnel: %v", err)
	}
	t.Cleanup(func() { tun.Close() })
	return tun
}

// The sandbox publishes what a real account would, and every fact it publishes works: the
// admin secret reads through the SDK, the bastion verifies against the published known_hosts,
// and the admin logs in to the database through it by the internal name.
func TestStartPublishesWorkingFacts(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	sb := start(t, t.TempDir())
	in := sb.Info()

	if !strings.HasPrefix(in.Database.AdminSecretARN, "arn:aws:secretsmanager:us-east-1:000000000000:secret:rds!db-") {
		t.Errorf("admin secret ARN %q is not RDS-style", in.Database.AdminSecretARN)
	}
	if !strings.HasSuffix(in.Database.Host, ".rds.sandbox.internal") || in.Database.Port != 3306 {
		t.Errorf("database address %s:%d is not an internal RDS-style name", in.Database.Host, in.Database.Port)
	}
	if in.RotationFunctionARN != lambda.AlternatingARN("us-east-1") {
		t.Errorf("rotation_function_arn = %q", in.RotationFunctionARN)
	}
	for name, path := range map[string]string{"private key": in.Bastion.PrivateKeyFile, "known_hosts": in.Bastion.KnownHostsFile} {
		fi, err := os.Stat(path)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if fi.Mode().Perm() != 0o600 {
			t.Errorf("%s mode = %v, want 0600", name, fi.Mode().Perm())
		}
	}

	c := secretsClient(t, in)
	meta, err := c.DescribeSecret(ctx, &sm.DescribeSecretInput{SecretId: aws.String(in.Database.AdminSecretARN)})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(aws.ToString(meta.Description), "db:secretsmanagertutorial") {
		t.Errorf("admin secret description %q does not name the instance", aws.ToString(meta.Description))
	}
	user, password := adminCreds(t, ctx, c, in.Database.AdminSecretARN)

	db, err := dbclient.Open(ctx, tunnel(t, ctx, in).DialContext, dbclient.Target{
		Host: in.Database.Host, Port: in.Database.Port, User: user, Password: password, Database: in.Database.Name})
	if err != nil {
		t.Fatalf("admin login through the bastion: %v", err)
	}
	defer db.Close()
	var n int
	if err := db.QueryRowContext(ctx, "SELECT COUNT(*) FROM items").Scan(&n); err != nil || n == 0 {
		t.Fatalf("sample table: %d rows, %v", n, err)
	}

	// Outside the VPC the internal name does not resolve: only the bastion reaches it.
	if _, err := (&net.Dialer{Timeout: time.Second}).DialContext(ctx, "tcp", net.JoinHostPort(in.Database.Host, "3306")); err == nil {
		t.Error("the database's internal name resolved from outside the sandbox")
	}
}

// RDS discovery works through the real SDK against the same endpoint, as --aws mode uses it.
func TestDescribeDBInstancesFindsTheInstance(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	in := start(t, t.TempDir()).Info()
	cfg, err := awsclient.Load(ctx, awsclient.Config{Region: in.Region, EndpointURL: in.SecretsManagerEndpoint,
		AccessKeyID: in.AccessKeyID, SecretAccessKey: in.SecretAccessKey})
	if err != nil {
		t.Fatal(err)
	}
	out, err := rds.NewFromConfig(cfg, func(o *rds.Options) { o.BaseEndpoint = aws.String(in.SecretsManagerEndpoint) }).
		DescribeDBInstances(ctx, &rds.DescribeDBInstancesInput{DBInstanceIdentifier: aws.String(sandbox.InstanceID)})
	if err != nil {
		t.Fatal(err)
	}
	if len(out.DBInstances) != 1 {
		t.Fatalf("%d instances", len(out.DBInstances))
	}
	got := out.DBInstances[0]
	if aws.ToString(got.Endpoint.Address) != in.Database.Host || got.MasterUserSecret == nil ||
		aws.ToString(got.MasterUserSecret.SecretArn) != in.Database.AdminSecretARN {
		t.Errorf("instance = %s / %+v, want %s and the admin secret", aws.ToString(got.Endpoint.Address), got.MasterUserSecret, in.Database.Host)
	}
}

// A restart on the same state keeps the names, the admin secret, the host key, the
// database's users and the ports, so a learner's progress and copied commands stay valid.
func TestRestartKeepsEverything(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	dir := t.TempDir()
	first, err := sandbox.Start(ctx, sandbox.Options{StateDir: dir})
	if err != nil {
		t.Fatal(err)
	}
	in1 := first.Info()
	c1, closeIdle := lambda.NewSecretsClient(in1.Region, in1.SecretsManagerEndpoint, in1.AccessKey())
	_, password := adminCreds(t, ctx, c1, in1.Database.AdminSecretARN)
	db, err := dbclient.Open(ctx, first.DialVPC(), dbclient.Target{Host: in1.Database.Host, Port: in1.Database.Port,
		User: sandbox.AdminUser, Password: password, Database: in1.Database.Name})
	if err != nil {
		t.Fatal(err)
	}
	appPassword := `it's "quoted" \ 100%`
	if err := dbclient.CreateUser(ctx, db, "appuser", appPassword); err != nil {
		t.Fatal(err)
	}
	if err := dbclient.GrantSelect(ctx, db, in1.Database.Name, "appuser"); err != nil {
		t.Fatal(err)
	}
	db.Close()
	closeIdle()
	if err := first.Close(); err != nil {
		t.Fatal(err)
	}

	second := start(t, dir)
	in2 := second.Info()
	if in2.Database != in1.Database || in2.Bastion.HostKeyFingerprint != in1.Bastion.HostKeyFingerprint {
		t.Errorf("after restart:\n database %+v\n host key %s\nbefore:\n database %+v\n host key %s",
			in2.Database, in2.Bastion.HostKeyFingerprint, in1.Database, in1.Bastion.HostKeyFingerprint)
	}
	if in2.Bastion.Port != in1.Bastion.Port || in2.SecretsManagerEndpoint != in1.SecretsManagerEndpoint {
		t.Errorf("after restart: bastion port %d, endpoint %s; before: %d, %s",
			in2.Bastion.Port, in2.SecretsManagerEndpoint, in1.Bastion.Port, in1.SecretsManagerEndpoint)
	}
	if _, p2 := adminCreds(t, ctx, secretsClient(t, in2), in2.Database.AdminSecretARN); p2 != password {
		t.Error("the admin password changed across a restart")
	}
	if err := dbclient.Login(ctx, tunnel(t, ctx, in2).DialContext, dbclient.Target{Host: in2.Database.Host,
		Port: in2.Database.Port, User: "appuser", Password: appPassword, Database: in2.Database.Name}); err != nil {
		t.Errorf("appuser after restart: %v", err)
	}
}

// When another program holds the last start's port, the sandbox takes another one and
// its known_hosts follows, so the tunnel still verifies the bastion.
func TestRestartOnATakenPortMovesAside(t *testing.T) {
	dir := t.TempDir()
	first := start(t, dir)
	in1 := first.Info()
	if err := first.Close(); err != nil {
		t.Fatal(err)
	}
	squatter, err := net.Listen("tcp", net.JoinHostPort("127.0.0.1", strconv.Itoa(in1.Bastion.Port)))
	if err != nil {
		t.Skipf("the port went to someone else first: %v", err)
	}
	defer squatter.Close()
	in2 := start(t, dir).Info()
	if in2.Bastion.Port == in1.Bastion.Port {
		t.Fatalf("bastion on the taken port %d", in2.Bastion.Port)
	}
	tunnel(t, context.Background(), in2) // verifies the host key at the new address
}

// A damaged state file stops the start with advice, instead of a half-started sandbox.
func TestDamagedStateSaysHowToRecover(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "sandbox.json"), []byte("{not json"), 0o600); err != nil {
		t.Fatal(err)
	}
	_, err := sandbox.Start(context.Background(), sandbox.Options{StateDir: dir})
	if err == nil || !strings.Contains(err.Error(), "--reset") {
		t.Fatalf("Start on damaged state: %v, want advice to --reset", err)
	}
}

// Two sandboxes on one state directory would overwrite each other; the second is refused
// with advice, and the directory is free again once the first closes.
func TestOneSandboxPerStateDirectory(t *testing.T) {
	dir := t.TempDir()
	first, err := sandbox.Start(context.Background(), sandbox.Options{StateDir: dir})
	if err != nil {
		t.Fatal(err)
	}
	_, err = sandbox.Start(context.Background(), sandbox.Options{StateDir: dir})
	if err == nil || !strings.Contains(err.Error(), "already running a sandbox") || !strings.Contains(err.Error(), "--state") {
		t.Fatalf("second Start on the same directory: %v", err)
	}
	if err := first.Close(); err != nil {
		t.Fatal(err)
	}
	start(t, dir) // free again
}

// A state directory that has lost a data file is refused as clearly as a damaged one, with
// the way to start over, instead of starting with secrets, identity or users quietly gone.
// So is one written before manifests existed, for the files every start makes.
func TestMissingStateFileSaysHowToRecover(t *testing.T) {
	for _, f := range []string{"sandbox.json", "state.key", "secretsmanager.state", "id_ed25519",
		filepath.Join("bastion", "bastion_host_ed25519_key"), filepath.Join("database", "database-users.bin")} {
		for _, withManifest := range []bool{true, false} {
			dir := t.TempDir()
			if err := start(t, dir).Close(); err != nil {
				t.Fatal(err)
			}
			if err := os.Remove(filepath.Join(dir, f)); err != nil {
				t.Fatal(err)
			}
			if !withManifest {
				if err := os.Remove(filepath.Join(dir, "manifest.json")); err != nil {
					t.Fatal(err)
				}
			}
			sb, err := sandbox.Start(context.Background(), sandbox.Options{StateDir: dir})
			if f == filepath.Join("database", "database-users.bin") && !withManifest {
				// Not every engine makes it, so only the manifest knows it should be there.
				if err != nil {
					t.Errorf("without a manifest, no users file: %v", err)
				} else {
					sb.Close()
				}
				continue
			}
			if err == nil {
				sb.Close()
				t.Errorf("started without %s (manifest %v)", f, withManifest)
				continue
			}
			if !strings.Contains(err.Error(), f+" is missing") || !strings.Contains(err.Error(), "--reset") {
				t.Errorf("without %s: %v", f, err)
			}
		}
	}
}

// The state directory is its owner's only: a start makes it 0700 and refuses a key file that
// other users could have read.
func TestStateDirectoryIsPrivate(t *testing.T) {
	dir := t.TempDir()
	if err := start(t, dir).Close(); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := start(t, dir).Close(); err != nil {
		t.Fatal(err)
	}
	if fi, _ := os.Stat(dir); fi.Mode().Perm() != 0o700 {
		t.Errorf("state directory mode %v after a start, want 0700", fi.Mode().Perm())
	}
	key := filepath.Join(dir, "state.key")
	if err := os.Chmod(key, 0o644); err != nil {
		t.Fatal(err)
	}
	_, err := sandbox.Start(context.Background(), sandbox.Options{StateDir: dir})
	if err == nil || !strings.Contains(err.Error(), "chmod 600 "+key) || !strings.Contains(err.Error(), "--reset") {
		t.Fatalf("a state key others can read: %v", err)
	}
}

// Each state directory has its own access key, and the endpoint takes no other: a key from
// another sandbox, or the old published constant, is refused with AWS's error.
func TestAccessKeyIsTheStateDirectorysOwn(t *testing.T) {
	ctx := context.Background()
	a, b := start(t, t.TempDir()).Info(), start(t, t.TempDir()).Info()
	if a.AccessKeyID == b.AccessKeyID || a.SecretAccessKey == b.SecretAccessKey || !strings.HasPrefix(a.AccessKeyID, "AKIA") || len(a.AccessKeyID) != 20 {
		t.Fatalf("access keys %s and %s", a.AccessKeyID, b.AccessKeyID)
	}
	for _, key := range []secretsmanager.AccessKey{b.AccessKey(), {ID: "AKIASANDBOXROTATION", Secret: "sandbox-secret-access-key"}} {
		c, closeIdle := lambda.NewSecretsClient(a.Region, a.SecretsManagerEndpoint, key)
		_, err := c.ListSecrets(ctx, &sm.ListSecretsInput{})
		closeIdle()
		var api smithy.APIError
		if !errors.As(err, &api) || api.ErrorCode() != "UnrecognizedClientException" {
			t.Errorf("key %s: %v, want UnrecognizedClientException", key.ID, err)
		}
	}
	if _, err := secretsClient(t, a).ListSecrets(ctx, &sm.ListSecretsInput{}); err != nil {
		t.Errorf("its own key: %v", err)
	}
}
