package sandbox_test

import (
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	sm "github.com/aws/aws-sdk-go-v2/service/secretsmanager"

	"rotation-tutor/internal/testenv"
	"rotation-tutor/sandbox"
	"rotation-tutor/sandbox/account"
	"rotation-tutor/sandbox/lambda"
)

// awsCLI runs Debian's aws CLI against the sandbox, with its credentials file and profile.
func awsCLI(t *testing.T, ctx context.Context, in sandbox.Info, args ...string) (string, error) {
	t.Helper()
	testenv.RequireTool(t, "/usr/bin/aws")
	args = append(args, "--endpoint-url", in.SecretsManagerEndpoint, "--region", in.Region, "--profile", in.CredentialsProfile)
	cmd := exec.CommandContext(ctx, "/usr/bin/aws", args...)
	cmd.Env = append(os.Environ(), "PATH=/usr/bin:/bin", "HOME="+t.TempDir(), "AWS_CONFIG_FILE=/dev/null", "AWS_PAGER=",
		"AWS_SHARED_CREDENTIALS_FILE="+in.CredentialsFile)
	out, err := cmd.CombinedOutput()
	return string(out), err
}

// The function logs what AWS's template logs, step by step, and `aws logs tail` shows it;
// after a failed rotation it shows the failing step's message.
func TestLogsTailShowsTheFunctionsSteps(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	dir := t.TempDir()
	sb, err := sandbox.Start(ctx, sandbox.Options{StateDir: dir, ConnectTimeout: 100 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { sb.Close() })
	in := sb.Info()
	client := secretsClient(t, in)
	arn := appSecret(t, ctx, client, in, "appuser", "App-pass-0")
	if _, err := client.RotateSecret(ctx, &sm.RotateSecretInput{SecretId: aws.String(arn),
		RotationLambdaARN: aws.String(in.RotationFunctionARN)}); err != nil {
		t.Fatal(err)
	}
	if err := sb.WaitRotations(ctx); err != nil {
		t.Fatal(err)
	}
	group := lambda.LogGroup(lambda.AlternatingName)
	out, err := awsCLI(t, ctx, in, "logs", "tail", group)
	if err != nil {
		t.Fatalf("aws logs tail: %v\n%s", err, out)
	}
	for _, want := range []string{"START RequestId:", "Found credentials in environment variables.",
		"createSecret: Successfully put secret for ARN " + arn, "setSecret: Successfully set password for appuser_clone",
		"testSecret: Successfully signed into MySQL DB with AWSPENDING secret in " + arn,
		"finishSecret: Successfully set AWSCURRENT stage to version", "REPORT RequestId:"} {
		if !strings.Contains(out, want) {
			t.Errorf("aws logs tail lacks %q:\n%s", want, out)
		}
	}

	// The database's security group stops letting the function in: setSecret cannot log in.
	if err := account.Edit(sandbox.AccountFile(dir), func(a *account.Account) error {
		g := a.Network.SecurityGroups[account.DatabaseGroup]
		g.Ingress = g.Ingress[:1] // the bastion's rule only
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if _, err := client.RotateSecret(ctx, &sm.RotateSecretInput{SecretId: aws.String(arn)}); err != nil {
		t.Fatal(err)
	}
	if err := sb.WaitRotations(ctx); err != nil {
		t.Fatal(err)
	}
	out, err = awsCLI(t, ctx, in, "logs", "tail", group, "--filter-pattern", "ERROR")
	if err != nil {
		t.Fatalf("aws logs tail: %v\n%s", err, out)
	}
	if !strings.Contains(out, "setSecret: Unable to log into database using current credentials for secret "+arn) ||
		!strings.Contains(out, "i/o timeout") {
		t.Fatalf("after a failed rotation, aws logs tail shows no failing step:\n%s", out)
	}
}

// Lambda's API through the aws CLI: the configuration, the policy, and the commands that fix
// what the lab breaks.
func TestLambdaAPIThroughTheCLI(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	in := start(t, t.TempDir()).Info()
	name := lambda.AlternatingName

	out, err := awsCLI(t, ctx, in, "lambda", "get-function-configuration", "--function-name", name)
	if err != nil {
		t.Fatalf("get-function-configuration: %v\n%s", err, out)
	}
	var cfg struct {
		Timeout     int
		Role        string
		VpcConfig   struct{ SubnetIds, SecurityGroupIds []string }
		Environment struct{ Variables map[string]string }
	}
	if err := json.Unmarshal([]byte(out), &cfg); err != nil {
		t.Fatalf("%v: %s", err, out)
	}
	if cfg.Timeout != 30 || cfg.Role != lambda.RoleARN() || len(cfg.VpcConfig.SecurityGroupIds) != 1 ||
		cfg.Environment.Variables["SECRETS_MANAGER_ENDPOINT"] != in.SecretsManagerEndpoint {
		t.Fatalf("configuration: %+v", cfg)
	}

	out, err = awsCLI(t, ctx, in, "lambda", "get-policy", "--function-name", name, "--query", "Policy", "--output", "text")
	if err != nil || !strings.Contains(out, `"Service":"secretsmanager.amazonaws.com"`) {
		t.Fatalf("get-policy: %v\n%s", err, out)
	}
	if out, err := awsCLI(t, ctx, in, "lambda", "remove-permission", "--function-name", name, "--statement-id", "SecretsManagerAccess"); err != nil {
		t.Fatalf("remove-permission: %v\n%s", err, out)
	}
	out, err = awsCLI(t, ctx, in, "lambda", "get-policy", "--function-name", name)
	if err == nil || !strings.Contains(out, "ResourceNotFoundException") {
		t.Fatalf("get-policy of no policy: %v\n%s", err, out)
	}
	if out, err := awsCLI(t, ctx, in, "lambda", "add-permission", "--function-name", name, "--principal", "secretsmanager.amazonaws.com",
		"--action", "lambda:InvokeFunction", "--statement-id", "SecretsManagerAccess"); err != nil {
		t.Fatalf("add-permission: %v\n%s", err, out)
	}
	out, err = awsCLI(t, ctx, in, "lambda", "update-function-configuration", "--function-name", name, "--timeout", "5",
		"--environment", `{"Variables":{"SECRETS_MANAGER_ENDPOINT":"`+in.SecretsManagerEndpoint+`","EXCLUDE_CHARACTERS":"/@\"'\\","PASSWORD_LENGTH":"20"}}`)
	if err != nil || !strings.Contains(out, `"Timeout": 5`) || !strings.Contains(out, `"PASSWORD_LENGTH": "20"`) {
		t.Fatalf("update-function-configuration: %v\n%s", err, out)
	}
}
