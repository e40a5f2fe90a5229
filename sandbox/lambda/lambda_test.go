package lambda_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	sm "github.com/aws/aws-sdk-go-v2/service/secretsmanager"

	"rotation-tutor/dbclient"
	"rotation-tutor/rotation"
	"rotation-tutor/sandbox/lambda"
	smsvc "rotation-tutor/sandbox/secretsmanager"
)

func TestARNs(t *testing.T) {
	if got := lambda.AlternatingARN("eu-west-1"); got != "arn:aws:lambda:eu-west-1:000000000000:function:tutorial-alternating-users-rotation" {
		t.Fatal(got)
	}
	if got := lambda.SingleUserARN("us-east-1"); got != "arn:aws:lambda:us-east-1:000000000000:function:tutorial-single-user-rotation" {
		t.Fatal(got)
	}
}

// blockingSecrets parks DescribeSecret until released, so a test can hold a
// function busy.
type blockingSecrets struct {
	rotation.SecretsAPI // nil: only DescribeSecret is called
	entered             chan struct{}
	release             chan struct{}
}

func (b *blockingSecrets) DescribeSecret(ctx context.Context, _ *sm.DescribeSecretInput, _ ...func(*sm.Options)) (*sm.DescribeSecretOutput, error) {
	b.entered <- struct{}{}
	select {
	case <-b.release:
		return nil, errors.New("released")
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

func TestRegistryInvoke(t *testing.T) {
	r := lambda.NewRegistry("us-east-1")
	arn := lambda.AlternatingARN("us-east-1")
	if r.HasFunction(arn) {
		t.Fatal("empty registry has a function")
	}
	ev := smsvc.RotationEvent{Step: rotation.StepCreate, SecretID: "s", ClientRequestToken: "t"}
	if err := r.Invoke(context.Background(), arn, ev); err == nil || !strings.Contains(err.Error(), "Function not found") {
		t.Fatalf("unknown function: %v", err)
	}

	b := &blockingSecrets{entered: make(chan struct{}, 1), release: make(chan struct{})}
	r.Register(arn, &rotation.Function{Secrets: b, Dial: lambda.VPCDialer(nil), Strategy: rotation.AlternatingUsers})
	if !r.HasFunction(arn) {
		t.Fatal("registered function not found")
	}

	// One invocation holds the function; a second one waits its turn and
	// gives up when its context ends.
	first := make(chan error, 1)
	go func() { first <- r.Invoke(context.Background(), arn, ev) }()
	<-b.entered
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := r.Invoke(ctx, arn, ev); !errors.Is(err, context.Canceled) {
		t.Fatalf("second invocation: %v", err)
	}
	close(b.release)
	if err := <-first; err == nil || !strings.Contains(err.Error(), "released") {
		t.Fatalf("first invocation: %v", err)
	}
}

func TestVPCDialer(t *testing.T) {
	dial := lambda.VPCDialer(map[string]dbclient.DialFunc{"db.internal:3306": lambda.TCPRoute("127.0.0.1:1")})
	_, err := dial(context.Background(), "tcp", "example.com:3306")
	if err == nil || !strings.Contains(err.Error(), "no route to host from inside the sandbox VPC") {
		t.Fatalf("outside address: %v", err)
	}
}
