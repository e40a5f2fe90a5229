package secretsmanager

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"os"
	"os/exec"
	"strings"
	"testing"
)

// Interop with real peers: Debian's aws CLI and boto3. The first `aws` on
// PATH may be another install, so the Debian paths are used as they are.
const (
	awsCLI  = "/usr/bin/aws"
	python3 = "/usr/bin/python3"
)

// requireTool skips when a peer is missing on a developer machine, and
// fails in CI, where .ci/run installs it.
func requireTool(t *testing.T, path, pkg string) {
	t.Helper()
	if _, err := os.Stat(path); err != nil {
		if os.Getenv("CI") == "" {
			t.Skipf("%s not installed (apt-get install %s); skipping interop test", path, pkg)
		}
		t.Fatalf("%s not installed in CI (package %s)", path, pkg)
	}
}

// peerEnv is a clean environment for the peers: nothing of the machine's
// own AWS setup, static credentials, no pager.
func peerEnv(t *testing.T) []string {
	home := t.TempDir()
	return []string{
		"PATH=/usr/bin:/bin", "HOME=" + home, "LANG=C.UTF-8",
		"AWS_CONFIG_FILE=/dev/null", "AWS_SHARED_CREDENTIALS_FILE=/dev/null",
		"AWS_ACCESS_KEY_ID=" + testKey.ID, "AWS_SECRET_ACCESS_KEY=" + testKey.Secret,
		"AWS_DEFAULT_REGION=us-east-1", "AWS_PAGER=", "AWS_EC2_METADATA_DISABLED=true",
	}
}

type cli struct {
	t   *testing.T
	url string
	env []string
}

// run calls the aws CLI and returns its JSON output, or the exit code and
// stderr when it fails.
func (c cli) run(args ...string) (map[string]any, int, string) {
	c.t.Helper()
	cmd := exec.Command(awsCLI, append([]string{"secretsmanager"}, append(args, "--endpoint-url", c.url, "--output", "json")...)...)
	cmd.Env = c.env
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	var exit *exec.ExitError
	if errors.As(err, &exit) {
		return nil, exit.ExitCode(), stderr.String()
	}
	if err != nil {
		c.t.Fatalf("aws %v: %v", args, err)
	}
	var m map[string]any
	if stdout.Len() > 0 {
		if err := json.Unmarshal(stdout.Bytes(), &m); err != nil {
			c.t.Fatalf("aws %v printed %q: %v", args, stdout.String(), err)
		}
	}
	return m, 0, stderr.String()
}

func (c cli) ok(args ...string) map[string]any {
	c.t.Helper()
	m, code, stderr := c.run(args...)
	if code != 0 {
		c.t.Fatalf("aws %v: exit %d: %s", args, code, stderr)
	}
	return m
}

// fails asserts AWS's CLI behaviour for a service error: exit code 254
// and the error type named on stderr.
func (c cli) fails(errType string, args ...string) {
	c.t.Helper()
	_, code, stderr := c.run(args...)
	if code != 254 || !strings.Contains(stderr, "("+errType+")") {
		c.t.Fatalf("aws %v: exit %d, stderr %q; want 254 and %s", args, code, stderr, errType)
	}
}

func TestInteropAWSCLI(t *testing.T) {
	requireTool(t, awsCLI, "awscli")
	e, _ := newRotationEnv(t, Options{})
	c := cli{t: t, url: e.url, env: peerEnv(t)}
	value := `{"engine":"mysql","host":"db","port":3306,"username":"appuser","password":"p"}`

	cr := c.ok("create-secret", "--name", "tutorial/app", "--secret-string", value, "--description", "app user")
	arn, v1 := cr["ARN"].(string), cr["VersionId"].(string)
	if !strings.HasPrefix(arn, "arn:aws:secretsmanager:us-east-1:000000000000:secret:tutorial/app-") || v1 == "" {
		t.Fatalf("create-secret printed %v", cr)
	}
	c.fails("ResourceExistsException", "create-secret", "--name", "tutorial/app", "--secret-string", "x")
	g := c.ok("get-secret-value", "--secret-id", "tutorial/app")
	if g["SecretString"] != value || g["ARN"] != arn {
		t.Fatalf("get-secret-value printed %v", g)
	}
	if _, ok := g["CreatedDate"].(string); !ok { // the CLI shows our epoch number as a date
		t.Fatalf("CreatedDate %v", g["CreatedDate"])
	}
	p := c.ok("put-secret-value", "--secret-id", arn, "--secret-string", `{"v":2}`)
	v2 := p["VersionId"].(string)
	c.fails("ResourceNotFoundException", "get-secret-value", "--secret-id", "tutorial/app", "--version-stage", "AWSPENDING")
	c.ok("update-secret-version-stage", "--secret-id", "tutorial/app", "--version-stage", "AWSCURRENT",
		"--move-to-version-id", v1, "--remove-from-version-id", v2)
	l := c.ok("list-secret-version-ids", "--secret-id", "tutorial/app")
	if vs := l["Versions"].([]any); len(vs) != 2 {
		t.Fatalf("list-secret-version-ids printed %v", l)
	}
	ls := c.ok("list-secrets", "--filters", "Key=name,Values=tutorial/")
	if sl := ls["SecretList"].([]any); len(sl) != 1 {
		t.Fatalf("list-secrets printed %v", ls)
	}
	c.ok("tag-resource", "--secret-id", "tutorial/app", "--tags", "Key=team,Value=db")
	c.ok("untag-resource", "--secret-id", "tutorial/app", "--tag-keys", "team")
	pw := c.ok("get-random-password", "--password-length", "20", "--exclude-punctuation")
	if s := pw["RandomPassword"].(string); len(s) != 20 || strings.ContainsAny(s, punctuationChars) {
		t.Fatalf("get-random-password printed %q", s)
	}

	c.fails("AccessDeniedException", "rotate-secret", "--secret-id", "tutorial/app", "--rotation-lambda-arn", "arn:aws:lambda:us-east-1:000000000000:function:nope")
	r := c.ok("rotate-secret", "--secret-id", "tutorial/app", "--rotation-lambda-arn", testFunctionARN,
		"--rotation-rules", `{"AutomaticallyAfterDays":2,"Duration":"2h"}`)
	wait(t, e.svc)
	d := c.ok("describe-secret", "--secret-id", "tutorial/app")
	stages := d["VersionIdsToStages"].(map[string]any)
	if d["RotationEnabled"] != true || d["LastRotatedDate"] == nil || len(stages[r["VersionId"].(string)].([]any)) != 2 {
		t.Fatalf("describe-secret after rotation printed %v", d)
	}

	del := c.ok("delete-secret", "--secret-id", "tutorial/app", "--recovery-window-in-days", "7")
	if del["DeletionDate"] == nil {
		t.Fatalf("delete-secret printed %v", del)
	}
	c.fails("InvalidRequestException", "get-secret-value", "--secret-id", "tutorial/app")
	c.ok("restore-secret", "--secret-id", "tutorial/app")
	c.ok("get-secret-value", "--secret-id", "tutorial/app")
	c.ok("delete-secret", "--secret-id", "tutorial/app", "--force-delete-without-recovery")
	c.fails("ResourceNotFoundException", "get-secret-value", "--secret-id", "tutorial/app")
}

// botoScenario runs the same story through boto3. It stops after asking
// for a rotation and waits for a line on stdin, so the test can await the
// rotation without sleeping.
const botoScenario = `
import json, os, sys
import boto3
from botocore.exceptions import ClientError

c = boto3.client("secretsmanager", endpoint_url=os.environ["ENDPOINT"])

def fails(code, fn, **kw):
    try:
        fn(**kw)
    except ClientError as e:
        got = e.response["Error"]["Code"]
        status = e.response["ResponseMetadata"]["HTTPStatusCode"]
        assert got == code and status == 400, (fn.__name__, got, status, e.response["Error"].get("Message"))
        assert e.response["ResponseMetadata"].get("RequestId"), "no request id"
        return e.response["Error"]["Message"]
    raise AssertionError("%s did not fail" % fn.__name__)

value = json.dumps({"engine": "mysql", "host": "db", "username": "appuser", "password": "p"})
cr = c.create_secret(Name="tutorial/boto", SecretString=value, Tags=[{"Key": "k", "Value": "v"}])
arn, v1 = cr["ARN"], cr["VersionId"]
fails("ResourceExistsException", c.create_secret, Name="tutorial/boto", SecretString="x")
g = c.get_secret_value(SecretId=arn[:-7])
assert g["SecretString"] == value and g["VersionStages"] == ["AWSCURRENT"], g
assert g["CreatedDate"].year >= 2024, g["CreatedDate"]
b = c.create_secret(Name="tutorial/bin", SecretBinary=b"\x00\xff")
assert c.get_secret_value(SecretId="tutorial/bin")["SecretBinary"] == b"\x00\xff"
p = c.put_secret_value(SecretId="tutorial/boto", SecretString="two", VersionStages=["STAGED"])
assert p["VersionStages"] == ["STAGED"], p
msg = fails("ResourceNotFoundException", c.get_secret_value, SecretId="tutorial/boto", VersionStage="AWSPENDING")
assert msg == "Secrets Manager can't find the specified secret value for staging label: AWSPENDING", msg
fails("ResourceNotFoundException", c.describe_secret, SecretId="missing")
fails("InvalidParameterException", c.delete_secret, SecretId="tutorial/boto", RecoveryWindowInDays=3)
pages = list(c.get_paginator("list_secrets").paginate(PaginationConfig={"PageSize": 1}))
names = [s["Name"] for page in pages for s in page["SecretList"]]
assert sorted(names) == ["tutorial/bin", "tutorial/boto"], names
versions = c.list_secret_version_ids(SecretId="tutorial/boto")["Versions"]
assert len(versions) == 2 and versions[0]["KmsKeyIds"] == ["DefaultEncryptionKey"], versions
pw = c.get_random_password(PasswordLength=40, ExcludeCharacters="/@\"'\\")["RandomPassword"]
assert len(pw) == 40 and not any(ch in pw for ch in "/@\"'\\"), pw

fails("InvalidRequestException", c.rotate_secret, SecretId="tutorial/boto")
r = c.rotate_secret(SecretId="tutorial/boto", RotationLambdaARN=os.environ["FUNCTION"],
                    RotationRules={"ScheduleExpression": "rate(10 days)"})
print("ROTATING", flush=True)
sys.stdin.readline()
d = c.describe_secret(SecretId="tutorial/boto")
# (Debian's botocore predates NextRotationDate in its model, so it drops it.)
assert d["RotationEnabled"] and d["LastRotatedDate"], d
assert d["RotationRules"]["ScheduleExpression"] == "rate(10 days)", d
assert d["VersionIdsToStages"][r["VersionId"]] == ["AWSPENDING", "AWSCURRENT"], d["VersionIdsToStages"]
assert d["VersionIdsToStages"][v1] == ["AWSPREVIOUS"], d["VersionIdsToStages"]
c.cancel_rotate_secret(SecretId="tutorial/boto")
assert c.describe_secret(SecretId="tutorial/boto")["RotationEnabled"] is False

dl = c.delete_secret(SecretId="tutorial/boto", RecoveryWindowInDays=7)
assert dl["DeletionDate"], dl
fails("InvalidRequestException", c.get_secret_value, SecretId="tutorial/boto")
fails("InvalidRequestException", c.tag_resource, SecretId="tutorial/boto", Tags=[{"Key": "a", "Value": "b"}])
assert c.describe_secret(SecretId="tutorial/boto")["DeletedDate"]
listed = c.list_secrets(Filters=[{"Key": "name", "Values": ["tutorial/boto"]}])["SecretList"]
assert listed == [], listed  # planned deletions are not listed by default
c.restore_secret(SecretId="tutorial/boto")
assert c.get_secret_value(SecretId="tutorial/boto")["VersionId"] == r["VersionId"]
c.delete_secret(SecretId="tutorial/boto", ForceDeleteWithoutRecovery=True)
fails("ResourceNotFoundException", c.get_secret_value, SecretId="tutorial/boto")
print("OK", flush=True)
`

func TestInteropBoto3(t *testing.T) {
	requireBoto3(t)
	e, _ := newRotationEnv(t, Options{})
	cmd := exec.Command(python3, "-c", botoScenario)
	cmd.Env = append(peerEnv(t), "ENDPOINT="+e.url, "FUNCTION="+testFunctionARN)
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	lines := bufio.NewScanner(stdout)
	var out []string
	for lines.Scan() {
		out = append(out, lines.Text())
		if lines.Text() == "ROTATING" {
			wait(t, e.svc)
			io.WriteString(stdin, "go\n")
		}
	}
	stdin.Close()
	if err := cmd.Wait(); err != nil || len(out) == 0 || out[len(out)-1] != "OK" {
		t.Fatalf("boto3 scenario: %v\nstdout: %v\nstderr: %s", err, out, stderr.String())
	}
}

// requireBoto3 skips when Debian's boto3 is missing on a developer machine, and fails in
// CI, where .ci/run installs it.
func requireBoto3(t *testing.T) {
	t.Helper()
	requireTool(t, python3, "python3-boto3")
	if err := exec.Command(python3, "-c", "import boto3").Run(); err != nil {
		if os.Getenv("CI") == "" {
			t.Skip("boto3 is not installed (apt-get install python3-boto3); skipping interop test")
		}
		t.Fatal("boto3 is not installed in CI")
	}
}
