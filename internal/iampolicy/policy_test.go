package iampolicy

import (
	"strings"
	"testing"
)

const secretARN = "arn:aws:secretsmanager:us-east-1:111122223333:secret:prod/db-AbCdEf"

func principal(t *testing.T, arn string) Principal {
	t.Helper()
	p, err := ParsePrincipal(arn)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func mustParse(t *testing.T, doc string) *Policy {
	t.Helper()
	p, findings := Parse(doc)
	if p == nil {
		t.Fatalf("Parse(%s): %v", doc, findings)
	}
	return p
}

func TestParseRefusesMalformedPolicies(t *testing.T) {
	cases := []struct{ name, doc, want string }{
		{"not JSON", `{"Version":`, "not valid JSON"},
		{"trailing text", `{"Version":"2012-10-17","Statement":[]} x`, "more text"},
		{"not an object", `[]`, "JSON object"},
		{"wrong version", `{"Version":"2019-10-19","Statement":{"Effect":"Allow","Principal":"*","Action":"*","Resource":"*"}}`, `Version must be "2012-10-17"`},
		{"no statement", `{"Version":"2012-10-17"}`, "no Statement"},
		{"empty statements", `{"Version":"2012-10-17","Statement":[]}`, "empty list"},
		{"unknown top element", `{"Version":"2012-10-17","Statements":[]}`, `"Statements" does not belong`},
		{"bad effect", `{"Statement":{"Effect":"Permit","Principal":"*","Action":"*","Resource":"*"}}`, `Effect must be "Allow" or "Deny"`},
		{"no effect", `{"Statement":{"Principal":"*","Action":"*","Resource":"*"}}`, "has no Effect"},
		{"no principal", `{"Statement":{"Effect":"Allow","Action":"*","Resource":"*"}}`, "has no Principal"},
		{"both principals", `{"Statement":{"Effect":"Allow","Principal":"*","NotPrincipal":{"AWS":"111122223333"},"Action":"*","Resource":"*"}}`, "both Principal and NotPrincipal"},
		{"no action", `{"Statement":{"Sid":"S1","Effect":"Allow","Principal":"*","Resource":"*"}}`, "Statement 1 (S1) has no Action"},
		{"no resource", `{"Statement":{"Effect":"Allow","Principal":"*","Action":"*"}}`, "has no Resource"},
		{"bad action", `{"Statement":{"Effect":"Allow","Principal":"*","Action":"GetSecretValue","Resource":"*"}}`, "is not an action"},
		{"bad resource", `{"Statement":{"Effect":"Allow","Principal":"*","Action":"*","Resource":"prod/db"}}`, `neither "*" nor an ARN`},
		{"bad principal string", `{"Statement":{"Effect":"Allow","Principal":"111122223333","Action":"*","Resource":"*"}}`, `either "*" or an object`},
		{"wildcard in principal ARN", `{"Statement":{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::*:root"},"Action":"*","Resource":"*"}}`, "is not a principal"},
		{"unknown principal kind", `{"Statement":{"Effect":"Allow","Principal":{"Users":"x"},"Action":"*","Resource":"*"}}`, `kind "Users"`},
		{"unknown operator", `{"Statement":{"Effect":"Allow","Principal":"*","Action":"*","Resource":"*","Condition":{"StringIs":{"aws:PrincipalAccount":"111122223333"}}}}`, `"StringIs" is not a condition operator`},
		{"Null with IfExists", `{"Statement":{"Effect":"Allow","Principal":"*","Action":"*","Resource":"*","Condition":{"NullIfExists":{"k":"true"}}}}`, "Null takes neither"},
		{"empty condition values", `{"Statement":{"Effect":"Allow","Principal":"*","Action":"*","Resource":"*","Condition":{"StringEquals":{"k":[]}}}}`, "non-empty list"},
		{"unknown statement element", `{"Statement":{"Effect":"Allow","Principal":"*","Action":"*","Resource":"*","Actions":"x"}}`, `"Actions" is not an element`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			p, findings := Parse(tc.doc)
			if p != nil || len(findings) == 0 {
				t.Fatalf("Parse accepted %s", tc.doc)
			}
			var all []string
			for _, f := range findings {
				if f.Check != CheckSyntax {
					t.Errorf("finding %+v is not a syntax finding", f)
				}
				all = append(all, f.Message)
			}
			if joined := strings.Join(all, " | "); !strings.Contains(joined, tc.want) {
				t.Fatalf("findings %q do not say %q", joined, tc.want)
			}
		})
	}
}

func TestParseReadsEveryElement(t *testing.T) {
	p := mustParse(t, `{
	  "Version": "2012-10-17", "Id": "p1",
	  "Statement": [
	    {"Sid": "ReadOnly", "Effect": "Allow", "Principal": {"AWS": ["111122223333", "arn:aws:iam::444455556666:role/app"], "Service": "lambda.amazonaws.com"},
	     "Action": ["secretsmanager:GetSecretValue", "secretsmanager:Describe*"], "Resource": "*",
	     "Condition": {"ForAnyValue:StringEquals": {"secretsmanager:VersionStage": ["AWSCURRENT", "AWSPREVIOUS"]}, "Bool": {"aws:SecureTransport": false}}},
	    {"Effect": "Deny", "NotPrincipal": {"AWS": "arn:aws:iam::111122223333:root"}, "NotAction": "secretsmanager:Get*", "NotResource": "arn:aws:secretsmanager:*:*:secret:other-*"}
	  ]}`)
	if p.Version != Version2012 || p.ID != "p1" || len(p.Statements) != 2 {
		t.Fatalf("policy %+v", p)
	}
	s0, s1 := p.Statements[0], p.Statements[1]
	if s0.Sid != "ReadOnly" || len(s0.Principal.AWS) != 2 || s0.Principal.Service[0] != "lambda.amazonaws.com" || len(s0.Conditions) != 2 {
		t.Fatalf("statement 0 %+v", s0)
	}
	if s0.Conditions[0].Key != "aws:SecureTransport" || s0.Conditions[0].Values[0] != "false" {
		t.Fatalf("conditions %+v (sorted by operator, Bool first)", s0.Conditions)
	}
	if s1.NotPrincipal == nil || s1.NotAction == nil || s1.NotResource == nil || s1.label() != "statement 2 (it has no Sid)" {
		t.Fatalf("statement 1 %+v", s1)
	}
}

func TestEvaluate(t *testing.T) {
	learner := principal(t, "arn:aws:iam::111122223333:user/learner")
	fn := principal(t, "arn:aws:sts::111122223333:assumed-role/rotation-role/rotate-fn")
	partner := principal(t, "arn:aws:iam::444455556666:user/partner")
	policy := mustParse(t, `{"Version":"2012-10-17","Statement":[
	  {"Sid":"PartnerReadsCurrent","Effect":"Allow","Principal":{"AWS":"arn:aws:iam::444455556666:root"},
	   "Action":"secretsmanager:GetSecretValue","Resource":"*",
	   "Condition":{"ForAnyValue:StringEquals":{"secretsmanager:VersionStage":"AWSCURRENT"}}},
	  {"Sid":"NoRotationWrites","Effect":"Deny","Principal":{"AWS":"arn:aws:iam::111122223333:role/service/rotation-role"},
	   "Action":["secretsmanager:PutSecretValue","secretsmanager:UpdateSecretVersionStage"],"Resource":"*"},
	  {"Sid":"EveryoneInAccount","Effect":"Allow","Principal":{"AWS":"111122223333"},"Action":"secretsmanager:*","Resource":"*"}
	]}`)
	cases := []struct {
		name   string
		who    Principal
		action string
		ctx    map[string][]string
		effect Effect
		sid    string
	}{
		{"allow in account", learner, "secretsmanager:PutSecretValue", nil, Allow, "EveryoneInAccount"},
		{"explicit deny wins over allow", fn, "secretsmanager:PutSecretValue", nil, Deny, "NoRotationWrites"},
		{"action matches without case", fn, "SecretsManager:putsecretvalue", nil, Deny, "NoRotationWrites"},
		{"deny is about some actions", fn, "secretsmanager:GetSecretValue", nil, Allow, "EveryoneInAccount"},
		{"other account allowed with the stage", partner, "secretsmanager:GetSecretValue", map[string][]string{"secretsmanager:VersionStage": {"AWSCURRENT"}}, Allow, "PartnerReadsCurrent"},
		{"other account without the stage key", partner, "secretsmanager:GetSecretValue", nil, "", ""},
		{"other account, another stage", partner, "secretsmanager:GetSecretValue", map[string][]string{"SECRETSMANAGER:VERSIONSTAGE": {"AWSPREVIOUS"}}, "", ""},
		{"other account, another action", partner, "secretsmanager:DeleteSecret", nil, "", ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			d := policy.Evaluate(Request{Principal: tc.who, Action: tc.action, Resource: secretARN, Context: tc.ctx})
			sid := ""
			if d.Statement != nil {
				sid = d.Statement.Sid
			}
			if d.Effect != tc.effect || sid != tc.sid {
				t.Fatalf("got %q by %q, want %q by %q", d.Effect, sid, tc.effect, tc.sid)
			}
		})
	}
}

func TestEvaluateNotElementsAndResources(t *testing.T) {
	learner := principal(t, "arn:aws:iam::111122223333:user/learner")
	root := AccountRoot("111122223333")
	p := mustParse(t, `{"Statement":[
	  {"Sid":"OnlyRootDeletes","Effect":"Deny","NotPrincipal":{"AWS":"arn:aws:iam::111122223333:root"},"Action":"secretsmanager:DeleteSecret","Resource":"*"},
	  {"Sid":"NotOnThisOne","Effect":"Deny","Principal":"*","NotAction":"secretsmanager:Describe*","Resource":"arn:aws:secretsmanager:us-east-1:111122223333:secret:prod/*"}
	]}`)
	check := func(who Principal, action, resource string, want Effect, sid string) {
		t.Helper()
		d := p.Evaluate(Request{Principal: who, Action: action, Resource: resource})
		if d.Effect != want || (d.Statement != nil && d.Statement.Sid != sid) {
			t.Fatalf("%s %s %s: got %+v, want %s %s", who.ARN, action, resource, d, want, sid)
		}
	}
	other := "arn:aws:secretsmanager:us-east-1:111122223333:secret:dev/db-AbCdEf"
	check(learner, "secretsmanager:DeleteSecret", other, Deny, "OnlyRootDeletes")
	check(root, "secretsmanager:DeleteSecret", other, "", "")
	check(root, "secretsmanager:GetSecretValue", secretARN, Deny, "NotOnThisOne")
	check(root, "secretsmanager:DescribeSecret", secretARN, "", "")
	check(root, "secretsmanager:GetSecretValue", other, "", "")
}

func TestConditions(t *testing.T) {
	cases := []struct {
		cond string
		ctx  map[string][]string
		want bool
	}{
		{`{"StringEquals":{"k":"a"}}`, map[string][]string{"k": {"a"}}, true},
		{`{"StringEquals":{"k":"a"}}`, map[string][]string{"k": {"A"}}, false},
		{`{"StringEquals":{"k":"a"}}`, nil, false},
		{`{"StringNotEquals":{"k":"a"}}`, nil, true},
		{`{"StringNotEquals":{"k":"a"}}`, map[string][]string{"k": {"a"}}, false},
		{`{"StringEqualsIgnoreCase":{"k":"a"}}`, map[string][]string{"K": {"A"}}, true},
		{`{"StringLike":{"k":"arn:*:role/app-?"}}`, map[string][]string{"k": {"arn:x:role/app-1"}}, true},
		{`{"StringLikeIfExists":{"k":"x"}}`, nil, true},
		{`{"StringLikeIfExists":{"k":"x"}}`, map[string][]string{"k": {"y"}}, false},
		{`{"ForAnyValue:StringEquals":{"k":["a","b"]}}`, map[string][]string{"k": {"c", "b"}}, true},
		{`{"ForAnyValue:StringEquals":{"k":["a"]}}`, nil, false},
		{`{"ForAllValues:StringEquals":{"k":["a","b"]}}`, map[string][]string{"k": {"a", "c"}}, false},
		{`{"ForAllValues:StringEquals":{"k":["a","b"]}}`, nil, true},
		{`{"Null":{"k":"true"}}`, nil, true},
		{`{"Null":{"k":"false"}}`, map[string][]string{"k": {"x"}}, true},
		{`{"Null":{"k":"true"}}`, map[string][]string{"k": {"x"}}, false},
		{`{"Bool":{"aws:SecureTransport":"false"}}`, map[string][]string{"aws:SecureTransport": {"false"}}, true},
		{`{"ArnLike":{"k":"arn:aws:lambda:*:111122223333:function:*"}}`, map[string][]string{"k": {"arn:aws:lambda:us-east-1:111122223333:function:rotate"}}, true},
		{`{"ArnLike":{"k":"arn:aws:lambda:*:111122223333:function:*"}}`, map[string][]string{"k": {"arn:aws:lambda:us-east-1:444455556666:function:rotate"}}, false},
		{`{"ArnNotEquals":{"k":"arn:aws:lambda:us-east-1:111122223333:function:rotate"}}`, map[string][]string{"k": {"arn:aws:lambda:us-east-1:111122223333:function:other"}}, true},
		{`{"IpAddress":{"aws:SourceIp":"127.0.0.0/8"}}`, map[string][]string{"aws:SourceIp": {"127.0.0.1"}}, true},
		{`{"NotIpAddress":{"aws:SourceIp":["10.0.0.0/8","192.168.1.7"]}}`, map[string][]string{"aws:SourceIp": {"192.168.1.7"}}, false},
		{`{"NumericLessThanEquals":{"k":7}}`, map[string][]string{"k": {"7"}}, true},
		{`{"NumericGreaterThan":{"k":"7"}}`, map[string][]string{"k": {"7"}}, false},
		{`{"DateLessThan":{"aws:CurrentTime":"2027-01-01T00:00:00Z"}}`, map[string][]string{"aws:CurrentTime": {"2026-03-02T10:00:00Z"}}, true},
		{`{"DateGreaterThan":{"aws:CurrentTime":"2027-01-01"}}`, map[string][]string{"aws:CurrentTime": {"2026-03-02T10:00:00Z"}}, false},
		{`{"StringEquals":{"a":"1","b":"2"}}`, map[string][]string{"a": {"1"}, "b": {"3"}}, false},
	}
	for _, tc := range cases {
		p := mustParse(t, `{"Statement":{"Effect":"Allow","Principal":"*","Action":"*","Resource":"*","Condition":`+tc.cond+`}}`)
		d := p.Evaluate(Request{Principal: AccountRoot("111122223333"), Action: "secretsmanager:GetSecretValue", Resource: secretARN, Context: tc.ctx})
		if got := d.Effect == Allow; got != tc.want {
			t.Errorf("%s with %v: holds=%v, want %v", tc.cond, tc.ctx, got, tc.want)
		}
	}
}

func TestPrincipalKeysAndRoles(t *testing.T) {
	fn := principal(t, "arn:aws:sts::111122223333:assumed-role/rotation-role/rotate-fn")
	p := mustParse(t, `{"Statement":{"Effect":"Deny","Principal":"*","Action":"*","Resource":"*",
	  "Condition":{"ArnEquals":{"aws:PrincipalArn":"arn:aws:iam::111122223333:role/rotation-role"},"StringEquals":{"aws:PrincipalType":"AssumedRole"}}}}`)
	if d := p.Evaluate(Request{Principal: fn, Action: "secretsmanager:GetSecretValue", Resource: secretARN}); d.Effect != Deny {
		t.Fatalf("a session's aws:PrincipalArn is its role: %+v", d)
	}
	user := principal(t, "arn:aws:iam::111122223333:user/ops/ana")
	p = mustParse(t, `{"Statement":{"Effect":"Allow","Principal":"*","Action":"*","Resource":"*","Condition":{"StringEquals":{"aws:username":"ana","aws:PrincipalAccount":"111122223333"}}}}`)
	if d := p.Evaluate(Request{Principal: user, Action: "secretsmanager:GetSecretValue", Resource: secretARN}); d.Effect != Allow {
		t.Fatalf("aws:username of a user with a path: %+v", d)
	}
	for _, bad := range []string{"arn:aws:iam::111122223333:role/r", "111122223333", "arn:aws:iam::1:user/x", ""} {
		if _, err := ParsePrincipal(bad); err == nil {
			t.Errorf("ParsePrincipal(%q) accepted it", bad)
		}
	}
}

func TestBroadAccess(t *testing.T) {
	cases := []struct {
		name, statement string
		broad           bool
	}{
		{"everyone", `{"Effect":"Allow","Principal":"*","Action":"secretsmanager:GetSecretValue","Resource":"*"}`, true},
		{"every AWS principal among others", `{"Effect":"Allow","Principal":{"AWS":["111122223333","*"]},"Action":"*","Resource":"*"}`, true},
		{"NotPrincipal allow", `{"Effect":"Allow","NotPrincipal":{"AWS":"111122223333"},"Action":"*","Resource":"*"}`, true},
		{"pinned to an account", `{"Effect":"Allow","Principal":"*","Action":"*","Resource":"*","Condition":{"StringEquals":{"aws:PrincipalAccount":"111122223333"}}}`, false},
		{"pinned to an organization", `{"Effect":"Allow","Principal":{"AWS":"*"},"Action":"*","Resource":"*","Condition":{"StringEquals":{"aws:PrincipalOrgID":"o-abc"}}}`, false},
		{"wildcard pin", `{"Effect":"Allow","Principal":"*","Action":"*","Resource":"*","Condition":{"StringLike":{"aws:PrincipalArn":"arn:aws:iam::*:role/x"}}}`, true},
		{"negated pin", `{"Effect":"Allow","Principal":"*","Action":"*","Resource":"*","Condition":{"StringNotEquals":{"aws:PrincipalAccount":"111122223333"}}}`, true},
		{"any address", `{"Effect":"Allow","Principal":"*","Action":"*","Resource":"*","Condition":{"IpAddress":{"aws:SourceIp":"0.0.0.0/0"}}}`, true},
		{"one network", `{"Effect":"Allow","Principal":"*","Action":"*","Resource":"*","Condition":{"IpAddress":{"aws:SourceIp":"203.0.113.0/24"}}}`, false},
		{"unrelated condition", `{"Effect":"Allow","Principal":"*","Action":"*","Resource":"*","Condition":{"StringEquals":{"secretsmanager:VersionStage":"AWSCURRENT"}}}`, true},
		{"deny everyone", `{"Effect":"Deny","Principal":"*","Action":"*","Resource":"*"}`, false},
		{"another account", `{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::444455556666:root"},"Action":"*","Resource":"*"}`, false},
	}
	for _, tc := range cases {
		p := mustParse(t, `{"Version":"2012-10-17","Statement":[`+tc.statement+`]}`)
		findings := p.Broad()
		if (len(findings) > 0) != tc.broad {
			t.Errorf("%s: findings %v, want broad=%v", tc.name, findings, tc.broad)
		}
		for _, f := range findings {
			if f.Check != CheckBroadAccess || !strings.Contains(f.Message, "statement 1 (it has no Sid)") {
				t.Errorf("%s: finding %+v", tc.name, f)
			}
		}
	}
}

func TestValidate(t *testing.T) {
	learner := principal(t, "arn:aws:iam::111122223333:user/learner")
	if f := Validate(`{"Statement":`, learner, secretARN); len(f) != 1 || f[0].Check != CheckSyntax {
		t.Fatalf("malformed: %v", f)
	}
	locked := `{"Version":"2012-10-17","Statement":[{"Sid":"Freeze","Effect":"Deny","Principal":{"AWS":"111122223333"},"Action":"secretsmanager:*ResourcePolicy","Resource":"*"},
	  {"Sid":"Open","Effect":"Allow","Principal":"*","Action":"secretsmanager:GetSecretValue","Resource":"*"}]}`
	f := Validate(locked, learner, secretARN)
	var checks []string
	for _, x := range f {
		checks = append(checks, x.Check)
	}
	if strings.Join(checks, ",") != "BROAD_ACCESS,LOCKOUT,LOCKOUT" || !strings.Contains(f[1].Message, `statement "Freeze" denies arn:aws:iam::111122223333:user/learner the action secretsmanager:PutResourcePolicy`) {
		t.Fatalf("findings %v", f)
	}
	if f := Validate(`{"Version":"2012-10-17","Statement":{"Effect":"Allow","Principal":{"AWS":"444455556666"},"Action":"secretsmanager:GetSecretValue","Resource":"*"}}`, learner, secretARN); len(f) != 0 {
		t.Fatalf("a sound policy: %v", f)
	}
}

func TestRefusalMessages(t *testing.T) {
	cases := []struct {
		r    Refusal
		want string
	}{
		{Refusal{"arn:aws:iam::111122223333:user/test", "secretsmanager:DescribeSecret", "my-example-secret", ExplicitDeny},
			"User: arn:aws:iam::111122223333:user/test is not authorized to perform: secretsmanager:DescribeSecret on resource: my-example-secret with an explicit deny in a resource-based policy"},
		{Refusal{"arn:aws:sts::444455556666:assumed-role/app/s1", "secretsmanager:GetResourcePolicy", secretARN, NoResourceAllow},
			"User: arn:aws:sts::444455556666:assumed-role/app/s1 is not authorized to perform: secretsmanager:GetResourcePolicy on resource: " + secretARN + " because no resource-based policy allows the secretsmanager:GetResourcePolicy action"},
		{Refusal{"arn:aws:iam::444455556666:user/partner", "secretsmanager:ListSecrets", "", NoIdentityAllow},
			"User: arn:aws:iam::444455556666:user/partner is not authorized to perform: secretsmanager:ListSecrets because no identity-based policy allows the secretsmanager:ListSecrets action"},
	}
	for _, tc := range cases {
		if got := tc.r.Message(); got != tc.want {
			t.Errorf("Message:\n got %s\nwant %s", got, tc.want)
		}
		back, ok := ParseRefusal(tc.want)
		if !ok || back != tc.r {
			t.Errorf("ParseRefusal(%q) = %+v, %v", tc.want, back, ok)
		}
	}
	if _, ok := ParseRefusal("Secrets Manager cannot invoke the specified Lambda function."); ok {
		t.Error("ParseRefusal read a message of another kind")
	}
}

func TestGlob(t *testing.T) {
	cases := []struct {
		pattern, s string
		want       bool
	}{
		{"*", "", true}, {"a*", "abc", true}, {"a*c", "abxc", true}, {"a?c", "abc", true},
		{"a?c", "ac", false}, {"*b*", "ab", true}, {"a*b*c", "aXbYbZc", true}, {"a*b", "acbd", false},
		{"secretsmanager:Get*", "secretsmanager:GetSecretValue", true}, {"", "x", false},
	}
	for _, tc := range cases {
		if got := glob(tc.pattern, tc.s, false); got != tc.want {
			t.Errorf("glob(%q, %q) = %v", tc.pattern, tc.s, got)
		}
	}
}

// BenchmarkEvaluate measures one decision on a policy of three statements with conditions:
// what the sandbox's endpoint adds to a call on a secret that has a policy.
func BenchmarkEvaluate(b *testing.B) {
	p, findings := Parse(`{"Version":"2012-10-17","Statement":[
	  {"Sid":"PartnerReadsCurrent","Effect":"Allow","Principal":{"AWS":"arn:aws:iam::444455556666:root"},"Action":"secretsmanager:GetSecretValue","Resource":"*",
	   "Condition":{"ForAnyValue:StringEquals":{"secretsmanager:VersionStage":"AWSCURRENT"}}},
	  {"Sid":"NoRotationWrites","Effect":"Deny","Principal":{"AWS":"arn:aws:iam::111122223333:role/rotation-role"},"Action":["secretsmanager:PutSecretValue","secretsmanager:UpdateSecretVersionStage"],"Resource":"*"},
	  {"Sid":"OnlyFromTheVPC","Effect":"Deny","Principal":"*","Action":"secretsmanager:*","Resource":"*","Condition":{"NotIpAddress":{"aws:SourceIp":["10.0.0.0/8","127.0.0.0/8"]}}}]}`)
	if p == nil {
		b.Fatal(findings)
	}
	who, _ := ParsePrincipal("arn:aws:sts::111122223333:assumed-role/rotation-role/rotate-fn")
	r := Request{Principal: who, Action: "secretsmanager:GetSecretValue", Resource: secretARN,
		Context: map[string][]string{"aws:SourceIp": {"127.0.0.1"}, "secretsmanager:VersionStage": {"AWSCURRENT"}}}
	b.ReportAllocs()
	for b.Loop() {
		if d := p.Evaluate(r); d.Effect != "" {
			b.Fatal(d)
		}
	}
}
