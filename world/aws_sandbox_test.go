package world_test

import (
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	sm "github.com/aws/aws-sdk-go-v2/service/secretsmanager"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager/types"

	"rotation-tutor/dbclient"
	"rotation-tutor/doctor"
	"rotation-tutor/steps"
	"rotation-tutor/world"
)

// TestAWSModeAgainstSandbox is `--aws --endpoint-url <sandbox>`: the real
// mode's whole path (discovery, the bastion from flags, the doctor) against
// the running sandbox, which must look like an account with one RDS
// instance. After a rotation by the sandbox's function the doctor finds
// every hop healthy, the clone user included.
func TestAWSModeAgainstSandbox(t *testing.T) {
	isolate(t)
	ctx := context.Background()
	sbEnv := startSandbox(t)

	real := world.AWS(world.AWSOptions{
		Region: sbEnv.Region, EndpointURL: sbEnv.SecretsEndpoint, DBInstance: sbEnv.DBInstance,
		Bastion: sbEnv.SSH.User + "@" + sbEnv.SSH.Addr, KeyFile: sbEnv.SSH.KeyFile, KnownHostsFile: sbEnv.SSH.KnownHostsFile,
		RotationLambdaARN: sbEnv.RotationLambdaARN,
	})
	t.Cleanup(func() { _ = real.Close() })
	env, err := real.Start(ctx, nil)
	if err != nil {
		t.Fatalf("AWS Start against the sandbox: %v", err)
	}
	if env.DBHost != sbEnv.DBHost || env.DBPort != sbEnv.DBPort || env.AdminSecretARN != sbEnv.AdminSecretARN ||
		env.DBInstance != sbEnv.DBInstance {
		t.Fatalf("discovered %s:%d %s admin %s; the sandbox has %s:%d %s admin %s",
			env.DBHost, env.DBPort, env.DBInstance, env.AdminSecretARN,
			sbEnv.DBHost, sbEnv.DBPort, sbEnv.DBInstance, sbEnv.AdminSecretARN)
	}

	// Steps 3 to 7, by hand: appuser through the tunnel, its secret, rotation.
	admin := readSecret(t, env, env.AdminSecretARN)
	tun, err := dbclient.OpenTunnel(ctx, env.SSH)
	if err != nil {
		t.Fatalf("OpenTunnel: %v", err)
	}
	defer tun.Close()
	db, err := dbclient.Open(ctx, tun.DialContext, dbclient.Target{Host: env.DBHost, Port: env.DBPort,
		User: admin["username"].(string), Password: admin["password"].(string)})
	if err != nil {
		t.Fatalf("admin login through the tunnel: %v", err)
	}
	defer db.Close()
	dbName := sbEnv.DBName
	if _, err := db.ExecContext(ctx, "CREATE DATABASE IF NOT EXISTS "+dbclient.QuoteIdent(dbName)); err != nil {
		t.Fatal(err)
	}
	if err := dbclient.CreateUser(ctx, db, "appuser", "App-pass-1"); err != nil {
		t.Fatal(err)
	}
	if err := dbclient.GrantSelect(ctx, db, dbName, "appuser"); err != nil {
		t.Fatal(err)
	}
	value, _ := json.Marshal(map[string]any{"engine": "mysql", "host": env.DBHost, "port": env.DBPort,
		"username": "appuser", "password": "App-pass-1", "dbname": dbName, "masterarn": env.AdminSecretARN})
	const name = "SecretsManagerTutorialAppuser"
	if _, err := env.Secrets.CreateSecret(ctx, &sm.CreateSecretInput{Name: aws.String(name), SecretString: aws.String(string(value))}); err != nil {
		t.Fatal(err)
	}
	if _, err := env.Secrets.RotateSecret(ctx, &sm.RotateSecretInput{
		SecretId: aws.String(name), RotationLambdaARN: aws.String(env.RotationLambdaARN),
		RotationRules: &types.RotationRulesType{ScheduleExpression: aws.String("rate(2 days)"), Duration: aws.String("2h")},
	}); err != nil {
		t.Fatalf("RotateSecret: %v", err)
	}
	if err := sbEnv.WaitRotations(ctx); err != nil {
		t.Fatal(err)
	}

	r := doctor.Run(ctx, doctor.Target{
		Secrets: env.Secrets, Region: env.Region, SecretID: name, SSH: env.SSH,
		DBHost: env.DBHost, DBPort: env.DBPort, AdminSecretARN: env.AdminSecretARN, RotationLambdaARN: env.RotationLambdaARN,
	}, nil)
	var b strings.Builder
	r.Text(&b, false)
	if !r.OK {
		t.Fatalf("doctor after a rotation:\n%s", b.String())
	}
	for _, want := range []string{"appuser and appuser_clone both exist with the same", "finished the last rotation", "last rotated"} {
		if !strings.Contains(b.String(), want) {
			t.Errorf("report lacks %q:\n%s", want, b.String())
		}
	}
}

func readSecret(t *testing.T, env *steps.Env, id string) map[string]any {
	t.Helper()
	out, err := env.Secrets.GetSecretValue(context.Background(), &sm.GetSecretValueInput{SecretId: aws.String(id)})
	if err != nil {
		t.Fatalf("GetSecretValue %s: %v", id, err)
	}
	var v map[string]any
	if err := json.Unmarshal([]byte(aws.ToString(out.SecretString)), &v); err != nil {
		t.Fatalf("secret %s is not JSON", id)
	}
	return v
}
