package secretsmanager

import (
	"bufio"
	"bytes"
	"encoding/json"
	"os/exec"
	"slices"
	"strings"
	"testing"
)

// The operations beyond the tutorial's, through the real peers. Debian's aws CLI (2.9.19)
// and boto3 (botocore 1.29.27) predate BatchGetSecretValue, so they call the other seven;
// BatchGetSecretValue is tested through the SDK (batch_test.go, conformance_test.go).

func TestInteropAWSCLIPoliciesAndReplicas(t *testing.T) {
	requireTool(t, awsCLI, "awscli")
	e := newEnv(t, withIdentities(Options{}))
	c := cli{t: t, url: e.url, env: peerEnv(t)}
	role := cli{t: t, url: e.url, env: withKey(peerEnv(t), roleKey)}
	arn := c.ok("create-secret", "--name", "tutorial/app", "--secret-string", appValue)["ARN"].(string)

	deny := `{"Version":"2012-10-17","Statement":[{"Sid":"KeepRotationOut","Effect":"Deny","Principal":{"AWS":"` + roleARN + `"},"Action":"secretsmanager:GetSecretValue","Resource":"*"}]}`
	public := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":"*","Action":"secretsmanager:GetSecretValue","Resource":"*"}]}`
	v := c.ok("validate-resource-policy", "--secret-id", "tutorial/app", "--resource-policy", public)
	if v["PolicyValidationPassed"] != false || !strings.Contains(mustJSON(t, v["ValidationErrors"]), "BROAD_ACCESS") {
		t.Fatalf("validate-resource-policy printed %v", v)
	}
	c.fails("PublicPolicyException", "put-resource-policy", "--secret-id", "tutorial/app", "--resource-policy", public, "--block-public-policy")
	c.fails("MalformedPolicyDocumentException", "put-resource-policy", "--secret-id", "tutorial/app", "--resource-policy", `{"Statement":[]}`)
	if p := c.ok("put-resource-policy", "--secret-id", "tutorial/app", "--resource-policy", deny, "--block-public-policy"); p["ARN"] != arn {
		t.Fatalf("put-resource-policy printed %v", p)
	}
	if g := c.ok("get-resource-policy", "--secret-id", "tutorial/app"); g["ResourcePolicy"] != deny {
		t.Fatalf("get-resource-policy printed %v", g)
	}
	_, code, stderr := role.run("get-secret-value", "--secret-id", "tutorial/app")
	if code != 254 || !strings.Contains(stderr, "(AccessDeniedException)") ||
		!strings.Contains(stderr, "User: "+sessionARN+" is not authorized to perform: secretsmanager:GetSecretValue on resource: tutorial/app with an explicit deny in a resource-based policy") {
		t.Fatalf("the role's get-secret-value: exit %d: %s", code, stderr)
	}
	c.ok("get-secret-value", "--secret-id", "tutorial/app")
	c.ok("delete-resource-policy", "--secret-id", "tutorial/app")
	role.ok("get-secret-value", "--secret-id", "tutorial/app")

	r := c.ok("replicate-secret-to-regions", "--secret-id", "tutorial/app", "--add-replica-regions", "Region="+replicaRegion)
	if st := mustJSON(t, r["ReplicationStatus"]); !strings.Contains(st, `"Status":"InSync"`) || !strings.Contains(st, replicaRegion) {
		t.Fatalf("replicate-secret-to-regions printed %v", r)
	}
	west := strings.Replace(arn, ":us-east-1:", ":"+replicaRegion+":", 1)
	if g := c.ok("get-secret-value", "--secret-id", "tutorial/app", "--region", replicaRegion); g["ARN"] != west || g["SecretString"] != appValue {
		t.Fatalf("get-secret-value in %s printed %v", replicaRegion, g)
	}
	if d := c.ok("describe-secret", "--secret-id", "tutorial/app", "--region", replicaRegion); d["PrimaryRegion"] != "us-east-1" {
		t.Fatalf("describe-secret of the replica printed %v", d)
	}
	c.fails("InvalidParameterException", "put-secret-value", "--secret-id", "tutorial/app", "--secret-string", "x", "--region", replicaRegion)
	c.fails("InvalidParameterException", "delete-secret", "--secret-id", "tutorial/app")
	if s := c.ok("stop-replication-to-replica", "--secret-id", "tutorial/app", "--region", replicaRegion); s["ARN"] != west {
		t.Fatalf("stop-replication-to-replica printed %v", s)
	}
	c.ok("put-secret-value", "--secret-id", "tutorial/app", "--secret-string", "west only", "--region", replicaRegion)
	c.ok("replicate-secret-to-regions", "--secret-id", "tutorial/app", "--add-replica-regions", "Region=eu-west-1")
	if rm := c.ok("remove-regions-from-replication", "--secret-id", "tutorial/app", "--remove-replica-regions", "eu-west-1"); mustJSON(t, rm["ReplicationStatus"]) != "[]" {
		t.Fatalf("remove-regions-from-replication printed %v", rm)
	}
	c.ok("delete-secret", "--secret-id", "tutorial/app", "--force-delete-without-recovery")
}

// withKey is env signing with key.
func withKey(env []string, key AccessKey) []string {
	out := slices.Clone(env)
	for i, kv := range out {
		switch {
		case strings.HasPrefix(kv, "AWS_ACCESS_KEY_ID="):
			out[i] = "AWS_ACCESS_KEY_ID=" + key.ID
		case strings.HasPrefix(kv, "AWS_SECRET_ACCESS_KEY="):
			out[i] = "AWS_SECRET_ACCESS_KEY=" + key.Secret
		}
	}
	return out
}

func mustJSON(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// botoPoliciesAndReplicas is the same story through boto3, as two identities and in two
// Regions.
const botoPoliciesAndReplicas = `
import json, os
import boto3
from botocore.exceptions import ClientError

def client(key, secret, region="us-east-1"):
    return boto3.client("secretsmanager", endpoint_url=os.environ["ENDPOINT"], region_name=region,
                        aws_access_key_id=key, aws_secret_access_key=secret)

mine = os.environ["AWS_ACCESS_KEY_ID"], os.environ["AWS_SECRET_ACCESS_KEY"]
c, west = client(*mine), client(*mine, region="us-west-2")
role = client(os.environ["ROLE_KEY"], os.environ["ROLE_SECRET"])

def fails(code, fn, **kw):
    try:
        fn(**kw)
    except ClientError as e:
        got = e.response["Error"]["Code"]
        assert got == code and e.response["ResponseMetadata"]["HTTPStatusCode"] == 400, (fn.__name__, got, e.response["Error"].get("Message"))
        return e.response["Error"]["Message"]
    raise AssertionError("%s did not fail" % fn.__name__)

arn = c.create_secret(Name="tutorial/boto", SecretString="v1")["ARN"]
assert "ResourcePolicy" not in c.get_resource_policy(SecretId="tutorial/boto")
deny = json.dumps({"Version": "2012-10-17", "Statement": [{"Sid": "KeepRotationOut", "Effect": "Deny",
    "Principal": {"AWS": os.environ["ROLE_ARN"]}, "Action": "secretsmanager:*", "Resource": "*"}]})
v = c.validate_resource_policy(ResourcePolicy=deny)
assert v["PolicyValidationPassed"] and v["ValidationErrors"] == [], v
bad = c.validate_resource_policy(ResourcePolicy='{"Version": "2012-10-17"}')
assert not bad["PolicyValidationPassed"] and bad["ValidationErrors"][0]["CheckName"] == "SYNTAX", bad
c.put_resource_policy(SecretId="tutorial/boto", ResourcePolicy=deny, BlockPublicPolicy=True)
assert c.get_resource_policy(SecretId=arn)["ResourcePolicy"] == deny
msg = fails("AccessDeniedException", role.describe_secret, SecretId="tutorial/boto")
assert msg.endswith("on resource: tutorial/boto with an explicit deny in a resource-based policy"), msg
c.delete_resource_policy(SecretId="tutorial/boto")
role.describe_secret(SecretId="tutorial/boto")

r = c.replicate_secret_to_regions(SecretId="tutorial/boto", AddReplicaRegions=[{"Region": "us-west-2", "KmsKeyId": "alias/west"}])
assert r["ReplicationStatus"][0]["Status"] == "InSync" and r["ReplicationStatus"][0]["KmsKeyId"] == "alias/west", r
g = west.get_secret_value(SecretId="tutorial/boto")
assert g["ARN"] == arn.replace(":us-east-1:", ":us-west-2:") and g["SecretString"] == "v1", g
c.put_secret_value(SecretId="tutorial/boto", SecretString="v2")
assert west.get_secret_value(SecretId="tutorial/boto")["SecretString"] == "v2"
d = c.describe_secret(SecretId="tutorial/boto")
assert d["PrimaryRegion"] == "us-east-1" and d["ReplicationStatus"][0]["LastAccessedDate"], d
fails("InvalidParameterException", west.update_secret, SecretId="tutorial/boto", Description="x")
c.remove_regions_from_replication(SecretId="tutorial/boto", RemoveReplicaRegions=["us-west-2"])
fails("ResourceNotFoundException", west.get_secret_value, SecretId="tutorial/boto")
c.replicate_secret_to_regions(SecretId="tutorial/boto", AddReplicaRegions=[{"Region": "us-west-2"}])
assert west.stop_replication_to_replica(SecretId="tutorial/boto")["ARN"] == g["ARN"]
assert "ReplicationStatus" not in c.describe_secret(SecretId="tutorial/boto")
west.put_secret_value(SecretId="tutorial/boto", SecretString="west only")
assert c.get_secret_value(SecretId="tutorial/boto")["SecretString"] == "v2"
print("OK", flush=True)
`

func TestInteropBoto3PoliciesAndReplicas(t *testing.T) {
	requireBoto3(t)
	e := newEnv(t, withIdentities(Options{}))
	cmd := exec.Command(python3, "-c", botoPoliciesAndReplicas)
	cmd.Env = append(peerEnv(t), "ENDPOINT="+e.url, "ROLE_KEY="+roleKey.ID, "ROLE_SECRET="+roleKey.Secret, "ROLE_ARN="+roleARN)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	lines := bufio.NewScanner(&stdout)
	var last string
	for lines.Scan() {
		last = lines.Text()
	}
	if err != nil || last != "OK" {
		t.Fatalf("boto3 scenario: %v\nstdout: %s\nstderr: %s", err, stdout.String(), stderr.String())
	}
}
