package sandbox_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/rds"
	rdstypes "github.com/aws/aws-sdk-go-v2/service/rds/types"
	sm "github.com/aws/aws-sdk-go-v2/service/secretsmanager"
	smtypes "github.com/aws/aws-sdk-go-v2/service/secretsmanager/types"

	"rotation-tutor/dbclient"
	"rotation-tutor/sandbox"
	"rotation-tutor/sandbox/lambda"
)

func rdsClient(t *testing.T, in sandbox.Info) *rds.Client {
	t.Helper()
	c, closeIdle := lambda.NewRDSClient(in.Region, in.SecretsManagerEndpoint, in.AccessKey())
	t.Cleanup(closeIdle)
	return c
}

// The older tutorial's instance is there beside the current one: RDS describes it (no
// managed secret), its master user logs in through the bastion with the password the
// sandbox chose for it, which a shell can read from the state key alone and which the state
// file never holds, and it has its own database and no user of the other instance.
func TestClassicInstance(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	dir := t.TempDir()
	sb := start(t, dir)
	in := sb.Info()
	c := in.ClassicDatabase
	if c.Instance != "MyTestDatabaseInstance" || c.Name != "MyTestDatabase" || c.MasterUser != "adminuser" ||
		c.AdminSecretARN != "" || c.Host == in.Database.Host || !strings.HasPrefix(c.Host, "mytestdatabaseinstance.") {
		t.Fatalf("classic_database = %+v", c)
	}

	out, err := rdsClient(t, in).DescribeDBInstances(ctx, &rds.DescribeDBInstancesInput{DBInstanceIdentifier: aws.String("MyTestDatabaseInstance")})
	if err != nil || len(out.DBInstances) != 1 {
		t.Fatalf("DescribeDBInstances(MyTestDatabaseInstance): %+v %v", out, err)
	}
	if d := out.DBInstances[0]; aws.ToString(d.Endpoint.Address) != c.Host || d.MasterUserSecret != nil || aws.ToString(d.MasterUsername) != "adminuser" {
		t.Fatalf("described as %+v", d)
	}

	pw := sb.ClassicMasterPassword()
	if told, err := sandbox.MasterPassword(dir); err != nil || told != pw || len(pw) != 32 {
		t.Fatalf("MasterPassword(dir) = %d characters, %v; the sandbox's is %d characters", len(told), err, len(pw))
	}
	for _, f := range []string{"secretsmanager.state", "sandbox.json", "manifest.json", "runtime.json"} {
		if b, _ := os.ReadFile(filepath.Join(dir, f)); strings.Contains(string(b), pw) {
			t.Errorf("%s holds the master password in plain text", f)
		}
	}

	tun := tunnel(t, ctx, in)
	db, err := dbclient.Open(ctx, tun.DialContext, dbclient.Target{Host: c.Host, Port: c.Port, User: "adminuser", Password: pw, Database: "MyTestDatabase"})
	if err != nil {
		t.Fatalf("adminuser through the bastion: %v", err)
	}
	defer db.Close()
	var n int
	if err := db.QueryRowContext(ctx, "SELECT COUNT(*) FROM `MyTestDatabase`.items").Scan(&n); err != nil || n == 0 {
		t.Fatalf("the sample table in MyTestDatabase: %d rows, %v", n, err)
	}
	if ok, err := dbclient.UserExists(ctx, db, sandbox.AdminUser); err != nil || ok {
		t.Fatalf("the current tutorial's admin exists on the older tutorial's instance: %v %v", ok, err)
	}
	if _, err := os.Stat(filepath.Join(dir, "classicdb")); err != nil {
		t.Fatalf("the instance keeps its users in a directory of its own: %v", err)
	}
	if b, _ := os.ReadFile(filepath.Join(dir, "manifest.json")); !strings.Contains(string(b), "classicdb") {
		t.Errorf("once used, its data file is in the manifest: %s", b)
	}
}

// DeleteDBInstance on the older tutorial's instance: it answers deleting, connections to it
// drop and new ones are refused, RDS no longer knows it, and the current one is untouched.
// The next start makes it again, empty, with the same master password.
func TestDeleteClassicInstance(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	dir := t.TempDir()
	sb, err := sandbox.Start(ctx, sandbox.Options{StateDir: dir})
	if err != nil {
		t.Fatal(err)
	}
	in := sb.Info()
	c := in.ClassicDatabase
	pw := sb.ClassicMasterPassword()
	tun := tunnel(t, ctx, in)
	target := dbclient.Target{Host: c.Host, Port: c.Port, User: "adminuser", Password: pw, Database: "MyTestDatabase"}
	db, err := dbclient.Open(ctx, tun.DialContext, target)
	if err != nil {
		t.Fatal(err)
	}
	if err := dbclient.CreateUser(ctx, db, "mytestuser", "a-password-of-its-own"); err != nil {
		t.Fatal(err)
	}
	db.Close()

	del, err := rdsClient(t, in).DeleteDBInstance(ctx, &rds.DeleteDBInstanceInput{DBInstanceIdentifier: aws.String("MyTestDatabaseInstance"), SkipFinalSnapshot: aws.Bool(true)})
	if err != nil || aws.ToString(del.DBInstance.DBInstanceStatus) != "deleting" {
		t.Fatalf("DeleteDBInstance: %+v %v", del, err)
	}
	var nf *rdstypes.DBInstanceNotFoundFault
	if _, err := rdsClient(t, in).DescribeDBInstances(ctx, &rds.DescribeDBInstancesInput{DBInstanceIdentifier: aws.String("MyTestDatabaseInstance")}); !errors.As(err, &nf) {
		t.Fatalf("after the delete, DescribeDBInstances: %v", err)
	}
	if err := dbclient.Login(ctx, tun.DialContext, target); err == nil {
		t.Fatal("the deleted instance still logs in")
	}
	cur, curPW := adminCreds(t, ctx, secretsClient(t, in), in.Database.AdminSecretARN)
	if err := dbclient.Login(ctx, tun.DialContext, dbclient.Target{Host: in.Database.Host, Port: in.Database.Port, User: cur, Password: curPW, Database: in.Database.Name}); err != nil {
		t.Fatalf("the current instance after the other's deletion: %v", err)
	}
	tun.Close()
	if err := sb.Close(); err != nil {
		t.Fatal(err)
	}

	again := start(t, dir)
	if again.ClassicMasterPassword() != pw {
		t.Fatal("the master password changed across a restart")
	}
	db, err = dbclient.Open(ctx, tunnel(t, ctx, again.Info()).DialContext, target)
	if err != nil {
		t.Fatalf("the instance made again: %v", err)
	}
	defer db.Close()
	if ok, err := dbclient.UserExists(ctx, db, "mytestuser"); err != nil || ok {
		t.Fatalf("the instance made again still has mytestuser: %v %v", ok, err)
	}
}

// Deleting the current tutorial's instance deletes the admin secret RDS manages for it, at
// once, as RDS does; the next start makes both again.
func TestDeleteCurrentInstance(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	dir := t.TempDir()
	sb, err := sandbox.Start(ctx, sandbox.Options{StateDir: dir})
	if err != nil {
		t.Fatal(err)
	}
	in := sb.Info()
	if _, err := rdsClient(t, in).DeleteDBInstance(ctx, &rds.DeleteDBInstanceInput{DBInstanceIdentifier: aws.String("secretsmanagertutorial"), SkipFinalSnapshot: aws.Bool(true)}); err != nil {
		t.Fatal(err)
	}
	var gone *smtypes.ResourceNotFoundException
	if _, err := secretsClient(t, in).DescribeSecret(ctx, &sm.DescribeSecretInput{SecretId: aws.String(in.Database.AdminSecretARN)}); !errors.As(err, &gone) {
		t.Fatalf("the managed admin secret after its instance's deletion: %v", err)
	}
	if err := sb.Close(); err != nil {
		t.Fatal(err)
	}
	again := start(t, dir).Info()
	user, pw := adminCreds(t, ctx, secretsClient(t, again), again.Database.AdminSecretARN)
	if err := dbclient.Login(ctx, tunnel(t, ctx, again).DialContext, dbclient.Target{Host: again.Database.Host, Port: again.Database.Port,
		User: user, Password: pw, Database: again.Database.Name}); err != nil {
		t.Fatalf("the instance made again: %v", err)
	}
}
