package secretsmanager

import (
	"errors"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	sm "github.com/aws/aws-sdk-go-v2/service/secretsmanager"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager/types"
	"github.com/aws/smithy-go"
)

// The identities the policy tests sign as: a user of the service's account, the rotation
// function's role, and a user of another account, each with its own key.
const (
	learnerARN  = "arn:aws:iam::000000000000:user/learner"
	roleARN     = "arn:aws:iam::000000000000:role/rotation-role"
	sessionARN  = "arn:aws:sts::000000000000:assumed-role/rotation-role/test-rotation"
	partnerARN  = "arn:aws:iam::444455556666:user/partner"
	partnerRoot = "arn:aws:iam::444455556666:root"
)

var (
	learnerKey = AccessKey{ID: "AKIALEARNER", Secret: "learner-secret", Principal: learnerARN}
	roleKey    = AccessKey{ID: "ASIAROTATIONROLE", Secret: "role-secret", Principal: sessionARN}
	partnerKey = AccessKey{ID: "AKIAPARTNER", Secret: "partner-secret", Principal: partnerARN}
)

// withIdentities has the endpoint accept the policy tests' keys too.
func withIdentities(o Options) Options {
	o.AccessKeys = append(o.AccessKeys, learnerKey, roleKey, partnerKey)
	return o
}

// as is a client of e's that signs with key.
func (e *env) as(key AccessKey) *sm.Client { return newKeyClient(e.url, e.svc.opts.Region, key) }

// putPolicy attaches doc to the secret id as the learner.
func (e *env) putPolicy(t *testing.T, id, doc string) {
	t.Helper()
	must(e.as(learnerKey).PutResourcePolicy(ctx, &sm.PutResourcePolicyInput{SecretId: aws.String(id), ResourcePolicy: aws.String(doc)}))(t)
}

// wantDenied asserts an AccessDeniedException with exactly AWS's message.
func wantDenied(t *testing.T, err error, msg string) {
	t.Helper()
	var api smithy.APIError
	if !errors.As(err, &api) || api.ErrorCode() != typeAccessDenied || api.ErrorMessage() != msg {
		t.Fatalf("want AccessDeniedException %q, got %v", msg, err)
	}
}

func TestResourcePolicyOperations(t *testing.T) {
	e := newEnv(t, withIdentities(Options{}))
	c := e.create(t, "app", appValue)
	learner := e.as(learnerKey)

	g := must(learner.GetResourcePolicy(ctx, &sm.GetResourcePolicyInput{SecretId: aws.String("app")}))(t)
	if g.ResourcePolicy != nil || aws.ToString(g.ARN) != aws.ToString(c.ARN) || aws.ToString(g.Name) != "app" {
		t.Fatalf("a secret without a policy answered %+v", g)
	}
	doc := `{"Version":"2012-10-17","Statement":[{"Sid":"Partner","Effect":"Allow","Principal":{"AWS":"` + partnerRoot + `"},"Action":"secretsmanager:GetSecretValue","Resource":"*"}]}`
	p := must(learner.PutResourcePolicy(ctx, &sm.PutResourcePolicyInput{SecretId: aws.String("app"), ResourcePolicy: aws.String(doc), BlockPublicPolicy: aws.Bool(true)}))(t)
	if aws.ToString(p.ARN) != aws.ToString(c.ARN) || aws.ToString(p.Name) != "app" {
		t.Fatalf("PutResourcePolicy answered %+v", p)
	}
	if got := must(learner.GetResourcePolicy(ctx, &sm.GetResourcePolicyInput{SecretId: c.ARN}))(t).ResourcePolicy; aws.ToString(got) != doc {
		t.Fatalf("GetResourcePolicy gave %q, want the policy as put", aws.ToString(got))
	}

	_, err := learner.PutResourcePolicy(ctx, &sm.PutResourcePolicyInput{SecretId: aws.String("app"), ResourcePolicy: aws.String(`{"Version":"2019-10-19","Statement":{"Effect":"Allow","Principal":"*","Action":"*","Resource":"*"}}`)})
	if m := wantErr[*types.MalformedPolicyDocumentException](t, err); !strings.HasPrefix(aws.ToString(m.Message), msgMalformedPolicy+" Version must be") {
		t.Fatalf("malformed policy: %q", aws.ToString(m.Message))
	}
	public := `{"Version":"2012-10-17","Statement":{"Effect":"Allow","Principal":"*","Action":"secretsmanager:GetSecretValue","Resource":"*"}}`
	_, err = learner.PutResourcePolicy(ctx, &sm.PutResourcePolicyInput{SecretId: aws.String("app"), ResourcePolicy: aws.String(public), BlockPublicPolicy: aws.Bool(true)})
	if m := wantErr[*types.PublicPolicyException](t, err); !strings.HasPrefix(aws.ToString(m.Message), msgPublicPolicy) {
		t.Fatalf("public policy: %q", aws.ToString(m.Message))
	}
	if got := must(learner.GetResourcePolicy(ctx, &sm.GetResourcePolicyInput{SecretId: aws.String("app")}))(t).ResourcePolicy; aws.ToString(got) != doc {
		t.Fatal("a refused PutResourcePolicy replaced the policy")
	}
	// BlockPublicPolicy is off by default: AWS attaches a public policy when not asked to block it.
	must(learner.PutResourcePolicy(ctx, &sm.PutResourcePolicyInput{SecretId: aws.String("app"), ResourcePolicy: aws.String(public)}))(t)

	d := must(learner.DeleteResourcePolicy(ctx, &sm.DeleteResourcePolicyInput{SecretId: aws.String("app")}))(t)
	if aws.ToString(d.ARN) != aws.ToString(c.ARN) || aws.ToString(d.Name) != "app" {
		t.Fatalf("DeleteResourcePolicy answered %+v", d)
	}
	if got := must(learner.GetResourcePolicy(ctx, &sm.GetResourcePolicyInput{SecretId: aws.String("app")}))(t); got.ResourcePolicy != nil {
		t.Fatal("the policy is still there after DeleteResourcePolicy")
	}
	must(learner.DeleteResourcePolicy(ctx, &sm.DeleteResourcePolicyInput{SecretId: aws.String("app")}))(t) // none: still fine

	_, err = learner.GetResourcePolicy(ctx, &sm.GetResourcePolicyInput{SecretId: aws.String("missing")})
	wantErr[*types.ResourceNotFoundException](t, err)
	_, err = learner.PutResourcePolicy(ctx, &sm.PutResourcePolicyInput{SecretId: aws.String("app"), ResourcePolicy: aws.String("")})
	wantCode(t, err, typeValidation)
}

func TestValidateResourcePolicyFindings(t *testing.T) {
	e := newEnv(t, withIdentities(Options{}))
	e.create(t, "app", appValue)
	learner := e.as(learnerKey)
	cases := []struct {
		name, doc string
		checks    []string
		says      string
	}{
		{"sound", `{"Version":"2012-10-17","Statement":{"Effect":"Allow","Principal":{"AWS":"444455556666"},"Action":"secretsmanager:GetSecretValue","Resource":"*"}}`, nil, ""},
		{"not JSON", `{"Version":"2012-10-17",`, []string{"SYNTAX"}, "not valid JSON"},
		{"malformed", `{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"secretsmanager:GetSecretValue","Resource":"*"}}`, []string{"SYNTAX"}, "has no Principal"},
		{"public", `{"Version":"2012-10-17","Statement":{"Sid":"Anyone","Effect":"Allow","Principal":{"AWS":"*"},"Action":"secretsmanager:GetSecretValue","Resource":"*"}}`, []string{"BROAD_ACCESS"}, `statement "Anyone" allows every AWS principal`},
		{"public but pinned", `{"Version":"2012-10-17","Statement":{"Effect":"Allow","Principal":"*","Action":"secretsmanager:GetSecretValue","Resource":"*","Condition":{"StringEquals":{"aws:PrincipalAccount":"444455556666"}}}}`, nil, ""},
		{"locks the caller out", `{"Version":"2012-10-17","Statement":{"Sid":"Freeze","Effect":"Deny","Principal":{"AWS":"` + learnerARN + `"},"Action":"secretsmanager:PutResourcePolicy","Resource":"*"}}`, []string{"LOCKOUT"}, learnerARN},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			for _, id := range []*string{nil, aws.String("app")} {
				out := must(learner.ValidateResourcePolicy(ctx, &sm.ValidateResourcePolicyInput{SecretId: id, ResourcePolicy: aws.String(tc.doc)}))(t)
				var checks, messages []string
				for _, v := range out.ValidationErrors {
					checks = append(checks, aws.ToString(v.CheckName))
					messages = append(messages, aws.ToString(v.ErrorMessage))
				}
				if out.PolicyValidationPassed != (len(tc.checks) == 0) || strings.Join(checks, ",") != strings.Join(tc.checks, ",") ||
					!strings.Contains(strings.Join(messages, " "), tc.says) {
					t.Fatalf("SecretId %v: passed=%v findings %v %v", aws.ToString(id), out.PolicyValidationPassed, checks, messages)
				}
			}
		})
	}
	_, err := learner.ValidateResourcePolicy(ctx, &sm.ValidateResourcePolicyInput{SecretId: aws.String("missing"), ResourcePolicy: aws.String("{}")})
	wantErr[*types.ResourceNotFoundException](t, err)
}

func TestExplicitDenyRefuses(t *testing.T) {
	e := newEnv(t, withIdentities(Options{}))
	c := e.create(t, "app", appValue)
	e.putPolicy(t, "app", `{"Version":"2012-10-17","Statement":[
	  {"Sid":"AccountReads","Effect":"Allow","Principal":{"AWS":"arn:aws:iam::000000000000:root"},"Action":"secretsmanager:*","Resource":"*"},
	  {"Sid":"KeepRotationOut","Effect":"Deny","Principal":{"AWS":"`+roleARN+`"},"Action":["secretsmanager:GetSecretValue","secretsmanager:PutSecretValue"],"Resource":"*"}]}`)
	role := e.as(roleKey)

	// An explicit Deny wins over the Allow for the whole account, whatever the secret is called.
	for _, id := range []string{"app", aws.ToString(c.ARN)} {
		_, err := role.GetSecretValue(ctx, &sm.GetSecretValueInput{SecretId: aws.String(id)})
		wantDenied(t, err, "User: "+sessionARN+" is not authorized to perform: secretsmanager:GetSecretValue on resource: "+id+" with an explicit deny in a resource-based policy")
	}
	// Actions the statement does not name, and other principals, are not refused.
	must(role.DescribeSecret(ctx, &sm.DescribeSecretInput{SecretId: aws.String("app")}))(t)
	must(e.as(learnerKey).GetSecretValue(ctx, &sm.GetSecretValueInput{SecretId: aws.String("app")}))(t)
	must(e.client.GetSecretValue(ctx, &sm.GetSecretValueInput{SecretId: aws.String("app")}))(t) // an unknown key is the account's root

	refusals := e.svc.PolicyRefusals()
	if len(refusals) != 2 {
		t.Fatalf("refusals %+v", refusals)
	}
	r := refusals[1]
	if r.Principal != sessionARN || r.Action != "secretsmanager:GetSecretValue" || r.SecretARN != aws.ToString(c.ARN) ||
		r.Sid != "KeepRotationOut" || r.Statement != 2 || !strings.Contains(r.Message, "explicit deny") || !r.Time.Equal(e.clock.Now()) {
		t.Fatalf("refusal %+v", r)
	}
	// A refused write changes nothing.
	_, err := role.PutSecretValue(ctx, &sm.PutSecretValueInput{SecretId: aws.String("app"), SecretString: aws.String("x")})
	wantCode(t, err, typeAccessDenied)
	if got := e.stages(t, "app"); len(got) != 1 {
		t.Fatalf("a refused PutSecretValue made a version: %v", got)
	}
	// Deleted: the policy still answers first, like AWS's authorization before the state.
	must(e.client.DeleteSecret(ctx, &sm.DeleteSecretInput{SecretId: aws.String("app")}))(t)
	_, err = role.GetSecretValue(ctx, &sm.GetSecretValueInput{SecretId: aws.String("app")})
	wantCode(t, err, typeAccessDenied)
}

func TestCrossAccountNeedsAnAllow(t *testing.T) {
	e := newEnv(t, withIdentities(Options{}))
	c := e.create(t, "app", appValue)
	arn := aws.ToString(c.ARN)
	partner := e.as(partnerKey)

	_, err := partner.GetSecretValue(ctx, &sm.GetSecretValueInput{SecretId: aws.String(arn)})
	wantDenied(t, err, "User: "+partnerARN+" is not authorized to perform: secretsmanager:GetSecretValue on resource: "+arn+" because no resource-based policy allows the secretsmanager:GetSecretValue action")
	if r := e.svc.PolicyRefusals(); len(r) != 1 || r[0].Statement != 0 || r[0].Sid != "" {
		t.Fatalf("a refusal for want of an Allow names no statement: %+v", r)
	}
	// By name, another account's principal looks in its own account.
	_, err = partner.GetSecretValue(ctx, &sm.GetSecretValueInput{SecretId: aws.String("app")})
	wantErr[*types.ResourceNotFoundException](t, err)

	e.putPolicy(t, "app", `{"Version":"2012-10-17","Statement":[{"Sid":"PartnerReadsCurrent","Effect":"Allow","Principal":{"AWS":"`+partnerRoot+`"},
	  "Action":["secretsmanager:GetSecretValue","secretsmanager:DescribeSecret"],"Resource":"*",
	  "Condition":{"ForAnyValue:StringEquals":{"secretsmanager:VersionStage":"AWSCURRENT"}}}]}`)
	// The condition tests a key only a request that names the stage carries (AWS behaves
	// the same: boto3 #2957).
	_, err = partner.GetSecretValue(ctx, &sm.GetSecretValueInput{SecretId: aws.String(arn)})
	wantCode(t, err, typeAccessDenied)
	got := must(partner.GetSecretValue(ctx, &sm.GetSecretValueInput{SecretId: aws.String(arn), VersionStage: aws.String("AWSCURRENT")}))(t)
	if aws.ToString(got.SecretString) != appValue {
		t.Fatalf("partner read %q", aws.ToString(got.SecretString))
	}
	_, err = partner.PutSecretValue(ctx, &sm.PutSecretValueInput{SecretId: aws.String(arn), SecretString: aws.String("x")})
	wantCode(t, err, typeAccessDenied)

	// Its own account is empty here, and it cannot create in it.
	if l := must(partner.ListSecrets(ctx, &sm.ListSecretsInput{}))(t); len(l.SecretList) != 0 {
		t.Fatalf("partner lists %d secrets", len(l.SecretList))
	}
	_, err = partner.CreateSecret(ctx, &sm.CreateSecretInput{Name: aws.String("mine"), SecretString: aws.String("x")})
	wantDenied(t, err, "User: "+partnerARN+" is not authorized to perform: secretsmanager:CreateSecret on resource: mine because no identity-based policy allows the secretsmanager:CreateSecret action")
}

// An identity is its key's, verified: a request that names another's access key id
// without its secret key is refused before any policy, and one signed for another Region
// is that Region's.
func TestIdentityIsTheVerifiedKey(t *testing.T) {
	e := newEnv(t, withIdentities(Options{}))
	e.create(t, "app", appValue)
	e.putPolicy(t, "app", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"`+partnerRoot+`"},"Action":"*","Resource":"*"}]}`)
	impostor := e.as(AccessKey{ID: partnerKey.ID, Secret: "a-guess"})
	_, err := impostor.GetSecretValue(ctx, &sm.GetSecretValueInput{SecretId: aws.String("app")})
	wantCode(t, err, typeInvalidSignature)
	if r := e.svc.PolicyRefusals(); len(r) != 0 {
		t.Fatalf("a refused signature reached a policy: %+v", r)
	}
	_, err = newKeyClient(e.url, "eu-central-1", learnerKey).GetSecretValue(ctx, &sm.GetSecretValueInput{SecretId: aws.String("app")})
	wantErr[*types.ResourceNotFoundException](t, err)
}

func TestPolicyLocksRotationFunctionOut(t *testing.T) {
	opts, fn := withFunction(withIdentities(Options{}))
	e := newEnv(t, opts)
	fn.setClient(e.as(roleKey)) // the function signs as its role, as a Lambda does
	e.create(t, "app", appValue)
	e.putPolicy(t, "app", `{"Version":"2012-10-17","Statement":[{"Sid":"NoWritesByRotation","Effect":"Deny",
	  "Principal":{"AWS":"`+roleARN+`"},"Action":"secretsmanager:PutSecretValue","Resource":"*"}]}`)

	r := e.rotate(t, sm.RotateSecretInput{RotationLambdaARN: aws.String(testFunctionARN)})
	wait(t, e.svc)
	// createSecret could not store the new value: AWSPENDING stays on a version without one.
	stages := e.stages(t, "app")
	if st := stages[aws.ToString(r.VersionId)]; len(st) != 1 || st[0] != "AWSPENDING" {
		t.Fatalf("stages after a refused rotation: %v", stages)
	}
	refusals := e.svc.PolicyRefusals()
	if len(refusals) == 0 || refusals[0].Sid != "NoWritesByRotation" || refusals[0].Action != "secretsmanager:PutSecretValue" || refusals[0].Principal != sessionARN {
		t.Fatalf("refusals %+v", refusals)
	}
}
