package secretsmanager

import (
	"context"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	sm "github.com/aws/aws-sdk-go-v2/service/secretsmanager"
)

func TestSmoke(t *testing.T) {
	e, _ := newRotationEnv(t, Options{})
	c := e.create(t, "app/db", `{"username":"appuser","password":"x"}`)
	g := must(e.client.GetSecretValue(context.Background(), &sm.GetSecretValueInput{SecretId: c.ARN}))(t)
	if aws.ToString(g.SecretString) != `{"username":"appuser","password":"x"}` {
		t.Fatalf("got %q", aws.ToString(g.SecretString))
	}
	r := must(e.client.RotateSecret(context.Background(), &sm.RotateSecretInput{SecretId: c.Name, RotationLambdaARN: aws.String(testFunctionARN)}))(t)
	wait(t, e.svc)
	st := e.stages(t, "app/db")
	t.Logf("rotate %s stages %v", aws.ToString(r.VersionId), st)
}
