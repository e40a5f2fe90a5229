package doctor_test

import (
	"context"
	"encoding/json"
	"net"
	"strconv"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	sm "github.com/aws/aws-sdk-go-v2/service/secretsmanager"

	"rotation-tutor/doctor"
	smsandbox "rotation-tutor/sandbox/secretsmanager"
)

const (
	region      = "eu-west-1"
	appSecret   = "SecretsManagerTutorialAppuser"
	adminName   = "rds!db-5fb1c2a4-7d3e-4c61-9a0b-2f7e8d9c1b3a"
	appPassword = `app-P4ss'word"\%`
	adminPass   = `admin-S3cret'"\%`
)

// awsWorld is the "AWS" half of a test world: the sandbox's Secrets Manager
// endpoint on a real loopback socket, with the admin secret seeded the way
// RDS creates it, and an SDK client for it.
type awsWorld struct {
	svc      *smsandbox.Service
	url      string
	client   *sm.Client
	adminARN string
}

func newAWSWorld(t *testing.T) *awsWorld {
	t.Helper()
	return newAWSWorldWithAdmin(t, "admin", adminPass)
}

// newAWSWorldWithAdmin seeds the admin secret with the given credentials.
func newAWSWorldWithAdmin(t *testing.T, adminUser, adminPassword string) *awsWorld {
	t.Helper()
	svc, err := smsandbox.New(smsandbox.Options{Region: region, RetryDelay: -1,
		AccessKeys: []smsandbox.AccessKey{{ID: "AKIDSANDBOXKEY", Secret: "sandbox-secret"}}})
	if err != nil {
		t.Fatalf("secretsmanager.New: %v", err)
	}
	url, err := svc.Listen("127.0.0.1:0")
	if err != nil {
		t.Fatalf("Listen: %v", err)
	}
	t.Cleanup(func() { _ = svc.Close() })
	w := &awsWorld{svc: svc, url: url, client: smClient(url)}
	w.adminARN = w.seedAdmin(t, adminName, adminUser, adminPassword)
	return w
}

// seedAdmin stores an admin secret the way RDS creates one and returns its ARN.
func (w *awsWorld) seedAdmin(t *testing.T, name, user, password string) string {
	t.Helper()
	arn, err := w.svc.Seed(name, "Secret associated with primary RDS DB instance: secretsmanagertutorial",
		mustJSON(t, map[string]any{"username": user, "password": password}), nil)
	if err != nil {
		t.Fatalf("Seed admin secret: %v", err)
	}
	return arn
}

func smClient(url string) *sm.Client {
	cfg := aws.Config{
		Region:      region,
		Credentials: credentials.NewStaticCredentialsProvider("AKIDSANDBOXKEY", "sandbox-secret", ""),
	}
	return sm.NewFromConfig(cfg, func(o *sm.Options) { o.BaseEndpoint = aws.String(url) })
}

// putAdmin stores new admin credentials as AWSCURRENT, and puts the right
// password back when the test ends.
func (w *awsWorld) putAdmin(t *testing.T, user, password, restore string) {
	t.Helper()
	put := func(pw string) error {
		_, err := w.client.PutSecretValue(context.Background(), &sm.PutSecretValueInput{
			SecretId: aws.String(w.adminARN), SecretString: aws.String(mustJSON(t, map[string]any{"username": user, "password": pw})),
		})
		return err
	}
	if err := put(password); err != nil {
		t.Fatalf("PutSecretValue admin: %v", err)
	}
	t.Cleanup(func() {
		if err := put(restore); err != nil {
			t.Errorf("restore the admin secret: %v", err)
		}
	})
}

// createApp stores the app secret with the given value.
func (w *awsWorld) createApp(t *testing.T, value map[string]any) {
	t.Helper()
	w.createSecret(t, appSecret, value)
}

func (w *awsWorld) createSecret(t *testing.T, name string, value map[string]any) {
	t.Helper()
	_, err := w.client.CreateSecret(context.Background(), &sm.CreateSecretInput{
		Name: aws.String(name), SecretString: aws.String(mustJSON(t, value)),
	})
	if err != nil {
		t.Fatalf("CreateSecret: %v", err)
	}
}

func (w *awsWorld) appValue(host string, port int) map[string]any {
	return map[string]any{
		"engine": "mysql", "host": host, "port": port, "username": "appuser",
		"password": appPassword, "dbname": "tutorial", "masterarn": w.adminARN,
	}
}

// target is a doctor target for this world with no bastion and the database
// at dbAddr (host:port).
func (w *awsWorld) target(t *testing.T, dbAddr string) doctor.Target {
	t.Helper()
	dbHost, port, err := net.SplitHostPort(dbAddr)
	if err != nil {
		t.Fatal(err)
	}
	dbPort, _ := strconv.Atoi(port)
	return doctor.Target{
		Secrets: w.client, Region: region, SecretID: appSecret,
		DBHost: dbHost, DBPort: dbPort, AdminSecretARN: w.adminARN,
	}
}

func mustJSON(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// closedAddr returns a loopback address nothing listens on: a port that was
// just bound and released.
func closedAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	return addr
}

// find returns the named check, failing the test if it is absent.
func find(t *testing.T, r doctor.Report, hop, name string) doctor.Check {
	t.Helper()
	for _, c := range r.Checks {
		if c.Hop == hop && c.Name == name {
			return c
		}
	}
	t.Fatalf("no check %s/%s in %+v", hop, name, r.Checks)
	return doctor.Check{}
}
