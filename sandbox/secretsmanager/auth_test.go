package secretsmanager

import (
	"errors"
	"net/http"
	"os"
	"os/exec"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	sm "github.com/aws/aws-sdk-go-v2/service/secretsmanager"
	"github.com/aws/smithy-go"
)

// AWS's texts for the three ways a signature is refused (research §3.2 and the public
// reports of the same errors from Secrets Manager).
const (
	wantUnknownKey = "The security token included in the request is invalid."
	wantMismatch   = "The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details."
)

var wantExpired = regexp.MustCompile(`^Signature expired: \d{8}T\d{6}Z is now earlier than \d{8}T\d{6}Z \(\d{8}T\d{6}Z - 5 min\.\)$`)

// skewedClock is the wall clock moved by a fixed amount: a server whose clock is ahead of
// the client's by more than five minutes sees every signature as expired.
type skewedClock struct{ by time.Duration }

func (c skewedClock) Now() time.Time { return time.Now().Add(c.by) }

// keyedClient is an SDK client that signs with key and does not retry, so the first answer
// is the one the test sees.
func keyedClient(url string, key AccessKey) *sm.Client {
	return sm.NewFromConfig(aws.Config{
		Region:           DefaultRegion,
		Credentials:      credentials.NewStaticCredentialsProvider(key.ID, key.Secret, ""),
		RetryMaxAttempts: 1,
	}, func(o *sm.Options) { o.BaseEndpoint = aws.String(url) })
}

func asAPIError(t *testing.T, err error) smithy.APIError {
	t.Helper()
	var api smithy.APIError
	if !errors.As(err, &api) {
		t.Fatalf("want an API error, got %v", err)
	}
	return api
}

func TestSignatureWithTheSDK(t *testing.T) {
	e := newEnv(t, Options{})
	e.create(t, "app", "admin-password-here")
	in := &sm.GetSecretValueInput{SecretId: aws.String("app")}

	if _, err := keyedClient(e.url, testKey).GetSecretValue(ctx, in); err != nil {
		t.Fatalf("the right key: %v", err)
	}

	_, err := keyedClient(e.url, AccessKey{ID: "AKIAUNKNOWNKEY000000", Secret: testKey.Secret}).GetSecretValue(ctx, in)
	if api := asAPIError(t, err); api.ErrorCode() != "UnrecognizedClientException" || api.ErrorMessage() != wantUnknownKey {
		t.Errorf("unknown key id: %s: %q", api.ErrorCode(), api.ErrorMessage())
	}

	_, err = keyedClient(e.url, AccessKey{ID: testKey.ID, Secret: "not-the-secret"}).GetSecretValue(ctx, in)
	api := asAPIError(t, err)
	if api.ErrorCode() != "InvalidSignatureException" || !strings.HasPrefix(api.ErrorMessage(), wantMismatch) {
		t.Errorf("wrong secret key: %s: %q", api.ErrorCode(), api.ErrorMessage())
	}
	if strings.Contains(api.ErrorMessage(), testKey.Secret) || strings.Contains(api.ErrorMessage(), "not-the-secret") {
		t.Error("the error shows a secret key")
	}

	// A request signed six minutes ago, as a client with a slow clock sends it.
	body := `{"SecretId":"app"}`
	req, _ := http.NewRequest(http.MethodPost, e.url+"/", strings.NewReader(body))
	req.Header.Set("Content-Type", contentType)
	req.Header.Set("X-Amz-Target", "secretsmanager.GetSecretValue")
	sign(t, req, body, testKey, time.Now().Add(-6*time.Minute))
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if got := resp.Header.Get("X-Amzn-ErrorType"); resp.StatusCode != 400 || got != "InvalidSignatureException" {
		t.Errorf("old request: %d %s", resp.StatusCode, got)
	}
}

// A server clock six minutes ahead of the client's: the SDK's request is refused as
// expired, with AWS's text.
func TestExpiredSignatureWithTheSDK(t *testing.T) {
	e := newEnv(t, Options{AuthClock: skewedClock{6 * time.Minute}})
	_, err := keyedClient(e.url, testKey).ListSecrets(ctx, &sm.ListSecretsInput{})
	if api := asAPIError(t, err); api.ErrorCode() != "InvalidSignatureException" || !wantExpired.MatchString(api.ErrorMessage()) {
		t.Errorf("expired: %s: %q", api.ErrorCode(), api.ErrorMessage())
	}
}

func TestSignatureWithTheAWSCLI(t *testing.T) {
	requireTool(t, awsCLI, "awscli")
	e := newEnv(t, Options{})
	e.create(t, "app", "v")
	signingWith := func(id, secret string) cli {
		env := append(withKey(peerEnv(t), AccessKey{ID: id, Secret: secret}), "AWS_MAX_ATTEMPTS=1")
		return cli{t: t, url: e.url, env: env}
	}
	signingWith(testKey.ID, testKey.Secret).ok("get-secret-value", "--secret-id", "app")
	for _, tc := range []struct {
		name, id, secret, typ, text string
	}{
		{"unknown key id", "AKIAUNKNOWNKEY000000", testKey.Secret, "UnrecognizedClientException", wantUnknownKey},
		{"wrong secret key", testKey.ID, "not-the-secret", "InvalidSignatureException", wantMismatch},
	} {
		_, code, stderr := signingWith(tc.id, tc.secret).run("get-secret-value", "--secret-id", "app")
		if code != 254 || !strings.Contains(stderr, "("+tc.typ+")") || !strings.Contains(stderr, tc.text) {
			t.Errorf("%s: exit %d: %s", tc.name, code, stderr)
		}
	}

	late := newEnv(t, Options{AuthClock: skewedClock{6 * time.Minute}})
	c := cli{t: t, url: late.url, env: append(peerEnv(t), "AWS_MAX_ATTEMPTS=1")}
	_, code, stderr := c.run("list-secrets")
	if code != 254 || !strings.Contains(stderr, "(InvalidSignatureException)") || !strings.Contains(stderr, "Signature expired: ") ||
		!strings.Contains(stderr, "- 5 min.)") {
		t.Errorf("expired: exit %d: %s", code, stderr)
	}
}

const botoSignatures = `
import os, boto3, botocore.config, botocore.exceptions
def call(key_id, secret, url):
    c = boto3.client("secretsmanager", endpoint_url=url, region_name="us-east-1",
        aws_access_key_id=key_id, aws_secret_access_key=secret,
        config=botocore.config.Config(retries={"max_attempts": 0}))
    try:
        c.list_secrets()
        print("ok")
    except botocore.exceptions.ClientError as e:
        print(e.response["Error"]["Code"] + "|" + e.response["Error"]["Message"].split("\n")[0])
call(os.environ["KEY_ID"], os.environ["SECRET"], os.environ["ENDPOINT"])
call("AKIAUNKNOWNKEY000000", os.environ["SECRET"], os.environ["ENDPOINT"])
call(os.environ["KEY_ID"], "not-the-secret", os.environ["ENDPOINT"])
call(os.environ["KEY_ID"], os.environ["SECRET"], os.environ["LATE_ENDPOINT"])
`

func TestSignatureWithBoto3(t *testing.T) {
	requireTool(t, python3, "python3-boto3")
	if err := exec.Command(python3, "-c", "import boto3").Run(); err != nil {
		if os.Getenv("CI") == "" {
			t.Skip("boto3 is not installed (apt-get install python3-boto3); skipping interop test")
		}
		t.Fatal("boto3 is not installed in CI")
	}
	e := newEnv(t, Options{})
	late := newEnv(t, Options{AuthClock: skewedClock{6 * time.Minute}})
	cmd := exec.Command(python3, "-c", botoSignatures)
	cmd.Env = append(peerEnv(t), "ENDPOINT="+e.url, "LATE_ENDPOINT="+late.url, "KEY_ID="+testKey.ID, "SECRET="+testKey.Secret)
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("boto3: %v: %s", err, out)
	}
	lines := strings.Split(strings.TrimSpace(string(out)), "\n")
	if len(lines) != 4 {
		t.Fatalf("boto3 printed %q", out)
	}
	if lines[0] != "ok" {
		t.Errorf("the right key: %s", lines[0])
	}
	if lines[1] != "UnrecognizedClientException|"+wantUnknownKey {
		t.Errorf("unknown key id: %s", lines[1])
	}
	if lines[2] != "InvalidSignatureException|"+wantMismatch {
		t.Errorf("wrong secret key: %s", lines[2])
	}
	code, msg, _ := strings.Cut(lines[3], "|")
	if code != "InvalidSignatureException" || !wantExpired.MatchString(msg) {
		t.Errorf("expired: %s", lines[3])
	}
}
