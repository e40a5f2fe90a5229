package world_test

import (
	"context"
	"net"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	sm "github.com/aws/aws-sdk-go-v2/service/secretsmanager"

	"rotation-tutor/dbclient"
	"rotation-tutor/doctor"
	"rotation-tutor/internal/testenv"
	"rotation-tutor/sandbox/rds"
	smsandbox "rotation-tutor/sandbox/secretsmanager"
	"rotation-tutor/world"
)

// TestAWSModeWithRealPeers runs real-AWS mode end to end with real peers:
// OpenSSH's sshd as the bastion, mariadbd as the RDS instance, and the
// sandbox's endpoint (Secrets Manager and DescribeDBInstances) as "AWS".
// Start discovers the database and admin secret; the doctor then walks
// every hop of the Env it returned and finds all of them healthy.
func TestAWSModeWithRealPeers(t *testing.T) {
	isolate(t)
	maria := testenv.StartMariaDB(t)
	sshd := testenv.StartSSHD(t, maria.Addr)
	host, portStr, _ := net.SplitHostPort(maria.Addr)
	port, _ := strconv.Atoi(portStr)

	key := smsandbox.AccessKey{ID: "AKIDSANDBOX", Secret: "sandbox-secret"} // isolate's
	svc, err := smsandbox.New(smsandbox.Options{Region: testRegion, RetryDelay: -1, AccessKeys: []smsandbox.AccessKey{key}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = svc.Close() })
	adminARN, err := svc.Seed("rds!db-9a8b7c6d-0000-4e5f-a1b2-c3d4e5f60718",
		"Secret associated with primary RDS DB instance: secretsmanagertutorial",
		`{"username":"root","password":"`+maria.RootPassword+`"}`, nil)
	if err != nil {
		t.Fatal(err)
	}
	rdsHandler := rds.NewHandler(rds.Instance{
		Identifier: "secretsmanagertutorial", Address: host, Port: port, Engine: "mysql",
		MasterUsername: "root", MasterSecretARN: adminARN, Region: testRegion,
	}, func(id string) (string, bool) { return key.Secret, id == key.ID })
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasPrefix(r.Header.Get("X-Amz-Target"), "secretsmanager.") {
			svc.ServeHTTP(w, r)
			return
		}
		rdsHandler.ServeHTTP(w, r)
	}))
	t.Cleanup(srv.Close)

	ctx := context.Background()
	w := world.AWS(world.AWSOptions{
		Region: testRegion, EndpointURL: srv.URL, Bastion: sshd.User + "@" + sshd.Addr,
		KeyFile: sshd.KeyFile, KnownHostsFile: sshd.KnownHostsFile,
	})
	t.Cleanup(func() { _ = w.Close() })
	env, err := w.Start(ctx, nil)
	if err != nil {
		t.Fatalf("Start: %v", err)
	}
	if env.DBHost != host || env.DBPort != port || env.AdminSecretARN != adminARN {
		t.Fatalf("discovered %s:%d, admin %s; want %s, %s", env.DBHost, env.DBPort, env.AdminSecretARN, maria.Addr, adminARN)
	}

	// What steps 4 and 5 would leave: appuser and its secret.
	db, err := dbclient.Open(ctx, nil, dbclient.Target{Host: host, Port: port, User: "root", Password: maria.RootPassword})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if err := dbclient.CreateUser(ctx, db, "appuser", "App-pass-1"); err != nil {
		t.Fatal(err)
	}
	value := `{"engine":"mysql","host":"` + host + `","port":` + portStr +
		`,"username":"appuser","password":"App-pass-1","masterarn":"` + adminARN + `"}`
	if _, err := env.Secrets.CreateSecret(ctx, &sm.CreateSecretInput{
		Name: aws.String("SecretsManagerTutorialAppuser"), SecretString: aws.String(value),
	}); err != nil {
		t.Fatal(err)
	}

	r := doctor.Run(ctx, doctor.Target{
		Secrets: env.Secrets, Region: env.Region, SecretID: "SecretsManagerTutorialAppuser",
		SSH: env.SSH, DBHost: env.DBHost, DBPort: env.DBPort,
		AdminSecretARN: env.AdminSecretARN, RotationLambdaARN: env.RotationLambdaARN,
	}, nil)
	if !r.OK {
		var b strings.Builder
		r.Text(&b, false)
		t.Fatalf("doctor on the real-mode Env:\n%s", b.String())
	}
}
