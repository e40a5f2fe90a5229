package sandbox_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	sm "github.com/aws/aws-sdk-go-v2/service/secretsmanager"
	"github.com/aws/smithy-go"

	"rotation-tutor/sandbox"
	"rotation-tutor/sandbox/lambda"
	"rotation-tutor/sandbox/secretsmanager"
)

// The sandbox's access key is the learner to a secret's policy, and the sandbox tells which
// statement refused it.
func TestSecretPoliciesSeeTheLearner(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	sb := start(t, t.TempDir())
	c := secretsClient(t, sb.Info())
	if _, err := c.CreateSecret(ctx, &sm.CreateSecretInput{Name: aws.String("guarded"), SecretString: aws.String("v")}); err != nil {
		t.Fatal(err)
	}
	policy := `{"Version":"2012-10-17","Statement":{"Sid":"NotTheLearner","Effect":"Deny","Principal":{"AWS":"` + sandbox.LearnerARN + `"},"Action":"secretsmanager:GetSecretValue","Resource":"*"}}`
	if _, err := c.PutResourcePolicy(ctx, &sm.PutResourcePolicyInput{SecretId: aws.String("guarded"), ResourcePolicy: aws.String(policy)}); err != nil {
		t.Fatal(err)
	}
	_, err := c.GetSecretValue(ctx, &sm.GetSecretValueInput{SecretId: aws.String("guarded")})
	if err == nil || !strings.Contains(err.Error(), "User: "+sandbox.LearnerARN+" is not authorized to perform: secretsmanager:GetSecretValue on resource: guarded with an explicit deny") {
		t.Fatalf("GetSecretValue under a policy that denies the learner: %v", err)
	}
	if r := sb.PolicyRefusals(); len(r) != 1 || r[0].Sid != "NotTheLearner" {
		t.Fatalf("PolicyRefusals %+v", r)
	}
}

// The endpoint knows each rotation function's key, and checks it as any other: the
// function's key id signed with another secret is refused as a wrong signature.
func TestFunctionKeysAreVerified(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	in := start(t, t.TempDir()).Info()
	for _, name := range []string{lambda.AlternatingName, lambda.SingleUserName} {
		c, closeIdle := lambda.NewSecretsClient(in.Region, in.SecretsManagerEndpoint,
			secretsmanager.AccessKey{ID: lambda.FunctionKeyID(name), Secret: in.SecretAccessKey})
		_, err := c.ListSecrets(ctx, &sm.ListSecretsInput{})
		closeIdle()
		var api smithy.APIError
		if !errors.As(err, &api) || api.ErrorCode() != "InvalidSignatureException" {
			t.Errorf("%s's key id with the learner's secret: %v", name, err)
		}
	}
}
