package world

import (
	"context"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"

	"rotation-tutor/sandbox/rds"
)

const adminARN = "arn:aws:secretsmanager:eu-west-1:000000000000:secret:rds!db-0c1d2e3f-AbCdEf"

// rdsEndpoint serves the sandbox's DescribeDBInstances on a loopback socket
// and returns an SDK config for it, as Start builds one.
func rdsEndpoint(t *testing.T, in rds.Instance) (aws.Config, string) {
	t.Helper()
	srv := httptest.NewServer(rds.NewHandler(in, func(id string) (string, bool) { return "secret", id == "AKID" }))
	t.Cleanup(srv.Close)
	cfg := aws.Config{Region: "eu-west-1", Credentials: credentials.NewStaticCredentialsProvider("AKID", "secret", "")}
	return cfg, srv.URL
}

func tutorialInstance() rds.Instance {
	return rds.Instance{
		Identifier: "secretsmanagertutorial", Address: "secretsmanagertutorial.sandbox.internal", Port: 3306,
		Engine: "mysql", MasterUsername: "admin", MasterSecretARN: adminARN, Region: "eu-west-1",
	}
}

func TestDiscoverDB(t *testing.T) {
	cfg, url := rdsEndpoint(t, tutorialInstance())
	client := rdsClient(cfg, url)
	for _, instance := range []string{"", "secretsmanagertutorial"} {
		d, err := discoverDB(context.Background(), client, instance)
		if err != nil {
			t.Fatalf("discoverDB(%q): %v", instance, err)
		}
		want := discovered{Instance: "secretsmanagertutorial", Host: "secretsmanagertutorial.sandbox.internal", Port: 3306, AdminSecretARN: adminARN}
		if d != want {
			t.Errorf("discoverDB(%q) = %+v, want %+v", instance, d, want)
		}
	}
	if _, err := discoverDB(context.Background(), client, "nosuchdb"); err == nil || !strings.Contains(err.Error(), `no instance "nosuchdb"`) {
		t.Errorf("unknown instance: err = %v", err)
	}
}

func TestDiscoverNoMySQL(t *testing.T) {
	in := tutorialInstance()
	in.Engine = "postgres"
	cfg, url := rdsEndpoint(t, in)
	_, err := discoverDB(context.Background(), rdsClient(cfg, url), "")
	if err == nil || !strings.Contains(err.Error(), "--db-host") {
		t.Errorf("err = %v, want advice to give --db-host", err)
	}
}

func TestDiscoverUnreachable(t *testing.T) {
	cfg, _ := rdsEndpoint(t, tutorialInstance())
	cfg.RetryMaxAttempts = 1
	_, err := discoverDB(context.Background(), rdsClient(cfg, "http://127.0.0.1:1"), "")
	if err == nil || !strings.Contains(err.Error(), "rds:DescribeDBInstances") {
		t.Errorf("err = %v, want the call named", err)
	}
}
