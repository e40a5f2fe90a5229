package awsclient

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials/ssocreds"
	sm "github.com/aws/aws-sdk-go-v2/service/secretsmanager"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager/types"
	"github.com/aws/smithy-go"

	"rotation-tutor/sandbox/secretsmanager"
)

var ctx = context.Background()

// sandbox starts an endpoint on loopback and returns a client built the
// way the app builds it.
func sandbox(t *testing.T, inv secretsmanager.Invoker) (*sm.Client, *secretsmanager.Service, string) {
	t.Helper()
	svc, err := secretsmanager.New(secretsmanager.Options{Region: "eu-central-1", Invoker: inv,
		AccessKeys: []secretsmanager.AccessKey{{ID: "AKID", Secret: "sk"}}, RetryDelay: -1, RotationAttempts: 1})
	if err != nil {
		t.Fatal(err)
	}
	url, err := svc.Listen("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { svc.Close() })
	c, err := New(ctx, Config{Region: "eu-central-1", EndpointURL: url, AccessKeyID: "AKID", SecretAccessKey: "sk"})
	if err != nil {
		t.Fatal(err)
	}
	return c, svc, url
}

// invoker knows one function, which does nothing but fail.
type invoker struct{}

func (invoker) HasFunction(arn string) bool { return strings.HasSuffix(arn, ":function:known") }
func (invoker) Invoke(context.Context, string, secretsmanager.RotationEvent) error {
	return errors.New("broken on purpose")
}

const appPassword = `p@ss'w"o\rd%`

// create and get are what the steps do with the SDK, errors explained.
func create(c *sm.Client, name string) (string, error) {
	out, err := c.CreateSecret(ctx, &sm.CreateSecretInput{Name: aws.String(name),
		SecretString: aws.String(`{"engine":"mysql","username":"appuser","password":"` + strings.ReplaceAll(appPassword, `"`, `\"`) + `"}`)})
	if err != nil {
		return "", Explain("CreateSecret", err)
	}
	return aws.ToString(out.ARN), nil
}

func get(c *sm.Client, id, stage string) error {
	in := &sm.GetSecretValueInput{SecretId: aws.String(id)}
	if stage != "" {
		in.VersionStage = aws.String(stage)
	}
	_, err := c.GetSecretValue(ctx, in)
	if err != nil {
		return Explain("GetSecretValue", err)
	}
	return nil
}

func TestExplainServiceErrors(t *testing.T) {
	c, svc, _ := sandbox(t, invoker{})
	arn, err := create(c, "s")
	if err != nil {
		t.Fatal(err)
	}
	check := func(name string, err error, what string, target any) {
		t.Helper()
		var e *Error
		if !errors.As(err, &e) || e.What != what {
			t.Fatalf("%s: got %v, want %q", name, err, what)
		}
		if e.Fix == "" {
			t.Fatalf("%s: no fix", name)
		}
		if target != nil && !errors.As(err, target) {
			t.Fatalf("%s: the SDK error is not reachable: %v", name, err)
		}
		if strings.Contains(err.Error(), appPassword) {
			t.Fatalf("%s: error shows the password", name)
		}
	}
	err = get(c, "missing", "")
	check("not found", err, whatNotFound, new(*types.ResourceNotFoundException))
	err = get(c, arn, "AWSPREVIOUS")
	check("no version", err, whatNoVersion, new(*types.ResourceNotFoundException))
	_, err = create(c, "s")
	check("exists", err, whatExists, new(*types.ResourceExistsException))

	_, err = c.RotateSecret(ctx, &sm.RotateSecretInput{SecretId: aws.String(arn)})
	check("no function", Explain("RotateSecret", err), whatNoRotationFunction, nil)
	_, err = c.RotateSecret(ctx, &sm.RotateSecretInput{SecretId: aws.String(arn), RotationLambdaARN: aws.String("arn:aws:lambda:eu-central-1:000000000000:function:other")})
	check("lambda denied", Explain("RotateSecret", err), whatLambdaDenied, nil)
	if _, err := c.RotateSecret(ctx, &sm.RotateSecretInput{SecretId: aws.String(arn), RotationLambdaARN: aws.String("arn:aws:lambda:eu-central-1:000000000000:function:known")}); err != nil {
		t.Fatal(err)
	}
	if err := svc.WaitRotations(ctx); err != nil {
		t.Fatal(err)
	}
	_, err = c.RotateSecret(ctx, &sm.RotateSecretInput{SecretId: aws.String(arn)})
	check("pending", Explain("RotateSecret", err), whatPendingRotation, new(*types.InvalidRequestException))

	if _, err := c.DeleteSecret(ctx, &sm.DeleteSecretInput{SecretId: aws.String(arn)}); err != nil {
		t.Fatal(err)
	}
	err = get(c, arn, "")
	check("deleted", err, whatDeleted, new(*types.InvalidRequestException))
	_, err = create(c, "s")
	check("name scheduled", err, whatNameScheduled, nil)
}

// isolate points the SDK at an empty home, so the machine's own AWS setup
// plays no part.
func isolate(t *testing.T) string {
	home := t.TempDir()
	for k, v := range map[string]string{
		"HOME": home, "AWS_CONFIG_FILE": filepath.Join(home, "config"), "AWS_SHARED_CREDENTIALS_FILE": filepath.Join(home, "credentials"),
		"AWS_REGION": "", "AWS_DEFAULT_REGION": "", "AWS_PROFILE": "", "AWS_ACCESS_KEY_ID": "", "AWS_SECRET_ACCESS_KEY": "",
		"AWS_SESSION_TOKEN": "", "AWS_EC2_METADATA_DISABLED": "true", "AWS_CONTAINER_CREDENTIALS_FULL_URI": "",
		"AWS_CONTAINER_CREDENTIALS_RELATIVE_URI": "", "AWS_WEB_IDENTITY_TOKEN_FILE": "", "AWS_ROLE_ARN": "",
	} {
		t.Setenv(k, v)
	}
	return home
}

func whatOf(t *testing.T, err error) string {
	t.Helper()
	var e *Error
	if !errors.As(err, &e) {
		t.Fatalf("not an *Error: %v", err)
	}
	return e.What
}

func TestExplainClientSide(t *testing.T) {
	home := isolate(t)

	// No region anywhere.
	if _, err := Load(ctx, Config{}); whatOf(t, err) != whatNoRegion {
		t.Fatalf("no region: %v", err)
	}
	if _, err := Load(ctx, Config{AccessKeyID: "a", SecretAccessKey: "b"}); whatOf(t, err) != whatNoRegion {
		t.Fatalf("no region, static: %v", err)
	}
	// A profile that does not exist.
	if _, err := Load(ctx, Config{Profile: "nope", Region: "us-east-1"}); !strings.Contains(whatOf(t, err), `"nope"`) {
		t.Fatalf("missing profile: %v", err)
	}

	// No credentials at all.
	cfg, err := Load(ctx, Config{Region: "us-east-1"})
	if err != nil {
		t.Fatal(err)
	}
	cfg.RetryMaxAttempts = 1
	err = get(SecretsManager(cfg, "http://127.0.0.1:1"), "s", "")
	if whatOf(t, err) != whatNoCredentials {
		t.Fatalf("no credentials: %v", err)
	}

	// An SSO profile whose session is gone (no cached token).
	conf := "[profile sso]\nsso_start_url = https://example.awsapps.com/start\nsso_region = us-east-1\n" +
		"sso_account_id = 123456789012\nsso_role_name = Dev\nregion = us-east-1\n"
	if err := os.WriteFile(filepath.Join(home, "config"), []byte(conf), 0o600); err != nil {
		t.Fatal(err)
	}
	cfg, err = Load(ctx, Config{Profile: "sso"})
	if err != nil {
		t.Fatal(err)
	}
	cfg.RetryMaxAttempts = 1
	err = get(SecretsManager(cfg, "http://127.0.0.1:1"), "s", "")
	if whatOf(t, err) != whatSSOExpired || !errors.As(err, new(*ssocreds.InvalidTokenError)) {
		t.Fatalf("expired SSO: %v", err)
	}

	// An endpoint nobody listens on.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	dead := "http://" + ln.Addr().String()
	ln.Close()
	cfg, err = Load(ctx, Config{Region: "us-east-1", AccessKeyID: "a", SecretAccessKey: "b"})
	if err != nil {
		t.Fatal(err)
	}
	cfg.RetryMaxAttempts = 1
	err = get(SecretsManager(cfg, dead), "s", "")
	if whatOf(t, err) != whatUnreachable {
		t.Fatalf("unreachable: %v", err)
	}
}

func TestExplainAPIErrors(t *testing.T) {
	cases := []struct {
		code, msg, what string
	}{
		{"AccessDeniedException", "User: arn:aws:iam::1:user/x is not authorized to perform: secretsmanager:GetSecretValue on resource: s because no identity-based policy allows it", fmt.Sprintf(whatAccessDenied, "GetSecretValue")},
		{"AccessDeniedException", "Access denied", whatAccessDeniedSome},
		{"ExpiredTokenException", "The security token included in the request is expired", whatExpiredCredentials},
		{"UnrecognizedClientException", "The security token included in the request is invalid.", whatBadCredentials},
		{"ThrottlingException", "Rate exceeded", whatThrottled},
		{"InvalidParameterException", "Password length is too short based on the required types.", fmt.Sprintf(whatRejected, "InvalidParameterException: Password length is too short based on the required types.")},
	}
	for _, tc := range cases {
		err := Explain("Op", &smithy.GenericAPIError{Code: tc.code, Message: tc.msg})
		if whatOf(t, err) != tc.what {
			t.Errorf("%s %q: %q, want %q", tc.code, tc.msg, whatOf(t, err), tc.what)
		}
	}
	if Explain("Op", nil) != nil {
		t.Fatal("Explain(nil) is not nil")
	}
	e := Explain("Op", &smithy.DeserializationError{Err: errors.New(`invalid character near "s3cr3t"`)})
	if strings.Contains(e.Error(), "s3cr3t") {
		t.Fatalf("a decoding error shows the body: %v", e)
	}
	if again := Explain("Other", e); again != e {
		t.Fatal("an *Error was explained twice")
	}
}
