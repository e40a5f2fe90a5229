package world_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"rotation-tutor/sandbox/rds"
	smsandbox "rotation-tutor/sandbox/secretsmanager"
	"rotation-tutor/world"
)

// endpoint serves the sandbox's Secrets Manager and RDS on one loopback
// URL, dispatched the way the sandbox's endpoint server does: Secrets
// Manager by X-Amz-Target, RDS by the Query protocol's Action parameter.
func endpoint(t *testing.T) (url, adminARN string) {
	t.Helper()
	key := smsandbox.AccessKey{ID: "AKIDSANDBOX", Secret: "sandbox-secret"} // isolate's
	svc, err := smsandbox.New(smsandbox.Options{Region: testRegion, RetryDelay: -1, AccessKeys: []smsandbox.AccessKey{key}})
	if err != nil {
		t.Fatalf("secretsmanager.New: %v", err)
	}
	t.Cleanup(func() { _ = svc.Close() })
	adminARN, err = svc.Seed("rds!db-0c1d2e3f-4a5b-6c7d-8e9f-0a1b2c3d4e5f",
		"Secret associated with primary RDS DB instance: secretsmanagertutorial",
		`{"username":"admin","password":"not-used-here"}`, nil)
	if err != nil {
		t.Fatalf("Seed: %v", err)
	}
	rdsHandler := rds.NewHandler(rds.Instance{
		Identifier: "secretsmanagertutorial", Address: "secretsmanagertutorial.sandbox.internal", Port: 3306,
		Engine: "mysql", EngineVersion: "8.0.40", MasterUsername: "admin", MasterSecretARN: adminARN,
		Region: testRegion, AccountID: "000000000000",
	}, func(id string) (string, bool) { return key.Secret, id == key.ID })
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasPrefix(r.Header.Get("X-Amz-Target"), "secretsmanager.") {
			svc.ServeHTTP(w, r)
			return
		}
		rdsHandler.ServeHTTP(w, r)
	}))
	t.Cleanup(srv.Close)
	return srv.URL, adminARN
}

func keyFile(t *testing.T) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "tutorial.pem")
	if err := os.WriteFile(p, []byte("not parsed by Start"), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestAWSDiscoversDatabaseAndAdminSecret(t *testing.T) {
	isolate(t)
	url, adminARN := endpoint(t)
	key := keyFile(t)
	for _, instance := range []string{"", "secretsmanagertutorial"} {
		t.Run("instance="+instance, func(t *testing.T) {
			var stages []string
			w := world.AWS(world.AWSOptions{
				Region: testRegion, EndpointURL: url, Bastion: "ec2-user@bastion.example.com",
				KeyFile: key, DBInstance: instance,
			})
			defer w.Close()
			env, err := w.Start(context.Background(), func(s string) { stages = append(stages, s) })
			if err != nil {
				t.Fatalf("Start: %v", err)
			}
			if env.DBHost != "secretsmanagertutorial.sandbox.internal" || env.DBPort != 3306 {
				t.Errorf("database = %s:%d", env.DBHost, env.DBPort)
			}
			if env.AdminSecretARN != adminARN || env.DBInstance != "secretsmanagertutorial" {
				t.Errorf("admin secret = %q, instance = %q", env.AdminSecretARN, env.DBInstance)
			}
			if env.Kind != "aws" || env.Region != testRegion || env.SecretsEndpoint != url || env.Secrets == nil {
				t.Errorf("env = %+v", env)
			}
			if env.SSH.Addr != "bastion.example.com:22" || env.SSH.User != "ec2-user" || env.SSH.KeyFile != key {
				t.Errorf("ssh = %+v", env.SSH)
			}
			if want := filepath.Join(os.Getenv("HOME"), ".ssh", "known_hosts"); env.SSH.KnownHostsFile != want {
				t.Errorf("known_hosts = %q, want %q", env.SSH.KnownHostsFile, want)
			}
			all := strings.Join(stages, "\n")
			if !strings.Contains(all, "identity check skipped") || !strings.Contains(all, "local rotator") {
				t.Errorf("progress did not say identity was skipped and the local rotator is used:\n%s", all)
			}
			// The secrets client reaches the same endpoint.
			if _, err := env.Secrets.ListSecrets(context.Background(), nil); err != nil {
				t.Errorf("ListSecrets through env.Secrets: %v", err)
			}
		})
	}
}

func TestAWSGivenSettingsNeedNoDiscovery(t *testing.T) {
	isolate(t)
	// The endpoint answers nothing: Start must not call RDS.
	w := world.AWS(world.AWSOptions{
		Region: testRegion, EndpointURL: "http://127.0.0.1:1", Bastion: "ubuntu@10.0.0.5:2222",
		KeyFile: keyFile(t), DBHost: "db.internal", AdminSecretARN: "arn:aws:secretsmanager:eu-west-1:1:secret:x",
		RotationLambdaARN: "arn:aws:lambda:eu-west-1:000000000000:function:rot",
	})
	env, err := w.Start(context.Background(), nil)
	if err != nil {
		t.Fatalf("Start: %v", err)
	}
	if env.DBPort != 3306 || env.RotationLambdaARN == "" || env.SSH.Addr != "10.0.0.5:2222" {
		t.Errorf("env = %+v", env)
	}
}

func TestAWSStartErrors(t *testing.T) {
	isolate(t)
	url, _ := endpoint(t)
	key := keyFile(t)
	for _, tc := range []struct {
		name string
		o    world.AWSOptions
		want string
	}{
		{"no region", world.AWSOptions{EndpointURL: url, Bastion: "ec2-user@h", KeyFile: key}, "no AWS region"},
		{"no bastion", world.AWSOptions{Region: testRegion, EndpointURL: url, KeyFile: key}, "--bastion user@host"},
		{"no key and no agent", world.AWSOptions{Region: testRegion, EndpointURL: url, Bastion: "ec2-user@h"}, "--key FILE"},
		{"missing key file", world.AWSOptions{Region: testRegion, EndpointURL: url, Bastion: "ec2-user@h",
			KeyFile: filepath.Join(t.TempDir(), "nope.pem")}, "cannot be read"},
		{"unknown instance", world.AWSOptions{Region: testRegion, EndpointURL: url, Bastion: "ec2-user@h",
			KeyFile: key, DBInstance: "nosuchdb"}, `no instance "nosuchdb"`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := world.AWS(tc.o).Start(context.Background(), nil)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("err = %v, want one containing %q", err, tc.want)
			}
		})
	}
}
