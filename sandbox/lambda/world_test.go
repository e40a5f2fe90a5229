package lambda_test

import (
	"context"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	sm "github.com/aws/aws-sdk-go-v2/service/secretsmanager"

	"rotation-tutor/internal/testenv"
	"rotation-tutor/rotation"
	"rotation-tutor/sandbox/lambda"
	"rotation-tutor/sandbox/lambda/lambdatest"
)

// The service invokes the registered functions by ARN; both strategies
// rotate end to end.
func TestTutorialFunctionsRotate(t *testing.T) {
	var steps []string
	w := lambdatest.New(t, lambdatest.Options{Observe: func(ev rotation.StepEvent) {
		if ev.Done {
			steps = append(steps, ev.Step)
		}
	}})
	alt := w.AppSecret(t, "alternating", "appuser", lambdatest.RandomPassword(t))
	single := w.AppSecret(t, "single", "singleuser", lambdatest.RandomPassword(t))

	if r := w.Rotate(t, alt, lambda.AlternatingARN(lambdatest.Region)); r.Err != nil {
		t.Fatal(r.Err)
	}
	if cur := w.Check(t, alt, rotation.AlternatingUsers); cur.Username != "appuser_clone" {
		t.Fatalf("alternating: %s", cur.Username)
	}
	if r := w.Rotate(t, single, lambda.SingleUserARN(lambdatest.Region)); r.Err != nil {
		t.Fatal(r.Err)
	}
	if cur := w.Check(t, single, rotation.SingleUser); cur.Username != "singleuser" {
		t.Fatalf("single user: %s", cur.Username)
	}
	if len(steps) != 8 {
		t.Fatalf("observed %d finished steps, want 8: %v", len(steps), steps)
	}
}

// The real aws CLI rotates a sandbox secret with the sandbox's function.
func TestAWSCLIRotateSecret(t *testing.T) {
	testenv.RequireTool(t, "aws")
	w := lambdatest.New(t, lambdatest.Options{})
	arn := w.AppSecret(t, "SecretsManagerTutorialAppuser", "appuser", lambdatest.RandomPassword(t))

	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, "aws", "secretsmanager", "rotate-secret",
		"--endpoint-url", w.URL, "--region", lambdatest.Region,
		"--secret-id", "SecretsManagerTutorialAppuser",
		"--rotation-lambda-arn", lambda.AlternatingARN(lambdatest.Region),
		"--rotation-rules", `{"AutomaticallyAfterDays": 2}`)
	cmd.Env = append(os.Environ(), "AWS_ACCESS_KEY_ID="+w.Key.ID, "AWS_SECRET_ACCESS_KEY="+w.Key.Secret,
		"AWS_CONFIG_FILE=/dev/null", "AWS_SHARED_CREDENTIALS_FILE=/dev/null", "AWS_PAGER=")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("aws rotate-secret: %v\n%s", err, out)
	}
	if err := w.Service.WaitRotations(ctx); err != nil {
		t.Fatal(err)
	}
	if cur := w.Check(t, arn, rotation.AlternatingUsers); cur.Username != "appuser_clone" {
		t.Fatalf("user %s", cur.Username)
	}
}

// The functions sign as sessions of their role: a secret's policy that denies the role
// what rotation needs makes the rotation fail with AWS's refusal, and the endpoint names
// the statement that refused.
func TestSecretPolicyLocksTheFunctionOut(t *testing.T) {
	w := lambdatest.New(t, lambdatest.Options{RotationAttempts: 1})
	arn := w.AppSecret(t, "locked", "lockeduser", lambdatest.RandomPassword(t))
	ctx := context.Background()
	policy := `{"Version":"2012-10-17","Statement":[{"Sid":"NoRotationWrites","Effect":"Deny",
	  "Principal":{"AWS":"` + lambda.RoleARN() + `"},"Action":"secretsmanager:PutSecretValue","Resource":"*"}]}`
	if _, err := w.Secrets.PutResourcePolicy(ctx, &sm.PutResourcePolicyInput{SecretId: aws.String(arn), ResourcePolicy: aws.String(policy)}); err != nil {
		t.Fatal(err)
	}
	r := w.Rotate(t, arn, lambda.AlternatingARN(lambdatest.Region))
	session := lambda.SessionARN(lambda.AlternatingName)
	if r.Err == nil || !strings.Contains(r.Err.Error(), "User: "+session+" is not authorized to perform: secretsmanager:PutSecretValue") {
		t.Fatalf("rotation under a denying policy: %v", r.Err)
	}
	refusals := w.Service.PolicyRefusals()
	if len(refusals) != 1 || refusals[0].Principal != session || refusals[0].Sid != "NoRotationWrites" || refusals[0].SecretARN != arn {
		t.Fatalf("refusals %+v", refusals)
	}
	// The learner's own reads are not the role's: the secret still answers them.
	if _, err := w.Secrets.GetSecretValue(ctx, &sm.GetSecretValueInput{SecretId: aws.String(arn)}); err != nil {
		t.Fatal(err)
	}
}
