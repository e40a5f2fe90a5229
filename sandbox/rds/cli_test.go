package rds_test

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"testing"
	"time"
)

// awsCLI is Debian's awscli; the first aws on PATH may be another install
// with other defaults, so the path is fixed.
const awsCLI = "/usr/bin/aws"

// TestAWSCLI runs `aws rds describe-db-instances --endpoint-url` against the
// handler: the CLI (botocore) parses the XML independently of the Go SDK.
func TestAWSCLI(t *testing.T) {
	if _, err := os.Stat(awsCLI); err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("%s is required in CI (apt-get install awscli): %v", awsCLI, err)
		}
		t.Skipf("%s not installed", awsCLI)
	}
	_, base := serve(t, tutorialInstance())

	run := func(args ...string) (stdout, stderr []byte, err error) {
		ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
		defer cancel()
		cmd := exec.CommandContext(ctx, awsCLI, append([]string{"rds", "--endpoint-url", base, "--output", "json"}, args...)...)
		cmd.Env = append(os.Environ(),
			"AWS_ACCESS_KEY_ID=AKIDSANDBOX", "AWS_SECRET_ACCESS_KEY=sandbox-secret",
			"AWS_DEFAULT_REGION=eu-west-1", "AWS_REGION=eu-west-1",
			"AWS_CONFIG_FILE=/dev/null", "AWS_SHARED_CREDENTIALS_FILE=/dev/null", "AWS_PAGER=")
		var out, errb bytes.Buffer
		cmd.Stdout, cmd.Stderr = &out, &errb
		err = cmd.Run()
		return out.Bytes(), errb.Bytes(), err
	}

	out, stderr, err := run("describe-db-instances", "--db-instance-identifier", "secretsmanagertutorial")
	if err != nil {
		t.Fatalf("aws rds describe-db-instances: %v\n%s", err, stderr)
	}
	var got struct {
		DBInstances []struct {
			DBInstanceIdentifier string
			Engine               string
			Endpoint             struct {
				Address string
				Port    int
			}
			MasterUserSecret struct{ SecretArn, SecretStatus string }
		}
	}
	if err := json.Unmarshal(out, &got); err != nil {
		t.Fatalf("decode CLI output %s: %v", out, err)
	}
	if len(got.DBInstances) != 1 {
		t.Fatalf("CLI saw %d instances: %s", len(got.DBInstances), out)
	}
	db := got.DBInstances[0]
	if db.Endpoint.Address != "secretsmanagertutorial.sandbox.internal" || db.Endpoint.Port != 3306 ||
		db.Engine != "mysql" || db.MasterUserSecret.SecretArn != adminARN || db.MasterUserSecret.SecretStatus != "active" {
		t.Errorf("CLI output = %s", out)
	}

	_, stderr, err = run("describe-db-instances", "--db-instance-identifier", "nosuchdb")
	if err == nil || !bytes.Contains(stderr, []byte("DBInstanceNotFound")) {
		t.Errorf("missing instance: err = %v, stderr = %s; want DBInstanceNotFound", err, stderr)
	}
}

// The older tutorial's clean-up, by the CLI: delete-db-instance answers the instance as
// deleting, and the CLI's own waiter then finds it gone.
func TestAWSCLIDelete(t *testing.T) {
	if _, err := os.Stat(awsCLI); err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("%s is required in CI (apt-get install awscli): %v", awsCLI, err)
		}
		t.Skipf("%s not installed", awsCLI)
	}
	deleted := 0
	_, base := serve(t, tutorialInstance(), classicInstance(&deleted))
	cli := func(args ...string) ([]byte, error) {
		ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
		defer cancel()
		cmd := exec.CommandContext(ctx, awsCLI, append([]string{"rds", "--endpoint-url", base, "--output", "json"}, args...)...)
		cmd.Env = append(os.Environ(), "AWS_ACCESS_KEY_ID=AKIDSANDBOX", "AWS_SECRET_ACCESS_KEY=sandbox-secret",
			"AWS_DEFAULT_REGION=eu-west-1", "AWS_CONFIG_FILE=/dev/null", "AWS_SHARED_CREDENTIALS_FILE=/dev/null", "AWS_PAGER=")
		return cmd.CombinedOutput()
	}
	out, err := cli("delete-db-instance", "--db-instance-identifier", "MyTestDatabaseInstance", "--skip-final-snapshot", "--delete-automated-backups")
	var got struct {
		DBInstance struct{ DBInstanceIdentifier, DBInstanceStatus string }
	}
	if err != nil || json.Unmarshal(out, &got) != nil || got.DBInstance.DBInstanceStatus != "deleting" ||
		got.DBInstance.DBInstanceIdentifier != "mytestdatabaseinstance" || deleted != 1 {
		t.Fatalf("aws rds delete-db-instance: %v (deleted %d)\n%s", err, deleted, out)
	}
	if out, err := cli("wait", "db-instance-deleted", "--db-instance-identifier", "MyTestDatabaseInstance"); err != nil {
		t.Fatalf("aws rds wait db-instance-deleted: %v\n%s", err, out)
	}
}
