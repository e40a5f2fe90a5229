package doctor

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/lambda"
	"github.com/aws/aws-sdk-go-v2/service/rds"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"

	"rotation-tutor/awsclient"
	"rotation-tutor/internal/iampolicy"
	"rotation-tutor/internal/shell"
)

// The function's side: the rotation function's own configuration, read through Lambda, EC2,
// IAM and RDS as an operator would read it, the same way on AWS and on the sandbox. These
// checks run when the Target has a Lambda client and a rotation function is known.

// LambdaAPI is what the doctor reads of Lambda.
type LambdaAPI interface {
	GetFunctionConfiguration(ctx context.Context, in *lambda.GetFunctionConfigurationInput, optFns ...func(*lambda.Options)) (*lambda.GetFunctionConfigurationOutput, error)
	GetPolicy(ctx context.Context, in *lambda.GetPolicyInput, optFns ...func(*lambda.Options)) (*lambda.GetPolicyOutput, error)
}

// EC2API is what the doctor reads of the VPC.
type EC2API interface {
	VPCEndpoints(ctx context.Context, vpcID, serviceName string) ([]awsclient.VPCEndpoint, error)
	SecurityGroups(ctx context.Context, ids []string) ([]awsclient.SecurityGroup, error)
	SubnetRouteTable(ctx context.Context, vpcID, subnetID string) (awsclient.RouteTable, error)
}

// IAMAPI is what the doctor reads of the function's role.
type IAMAPI interface {
	ListRolePolicies(ctx context.Context, in *iam.ListRolePoliciesInput, optFns ...func(*iam.Options)) (*iam.ListRolePoliciesOutput, error)
	GetRolePolicy(ctx context.Context, in *iam.GetRolePolicyInput, optFns ...func(*iam.Options)) (*iam.GetRolePolicyOutput, error)
	ListAttachedRolePolicies(ctx context.Context, in *iam.ListAttachedRolePoliciesInput, optFns ...func(*iam.Options)) (*iam.ListAttachedRolePoliciesOutput, error)
	GetPolicy(ctx context.Context, in *iam.GetPolicyInput, optFns ...func(*iam.Options)) (*iam.GetPolicyOutput, error)
	GetPolicyVersion(ctx context.Context, in *iam.GetPolicyVersionInput, optFns ...func(*iam.Options)) (*iam.GetPolicyVersionOutput, error)
}

// RDSAPI finds the database instance's security groups.
type RDSAPI interface {
	DescribeDBInstances(ctx context.Context, in *rds.DescribeDBInstancesInput, optFns ...func(*rds.Options)) (*rds.DescribeDBInstancesOutput, error)
}

// functionARN is the function that rotates the secret: the one rotation is configured with,
// else the one the app was given.
func (s *state) functionARN() string {
	if s.describe != nil && aws.ToString(s.describe.RotationLambdaARN) != "" {
		return aws.ToString(s.describe.RotationLambdaARN)
	}
	return s.t.RotationLambdaARN
}

func checkFunctionConfig(ctx context.Context, s *state) outcome {
	fn := s.functionARN()
	switch {
	case s.t.Lambda == nil:
		return skip("no Lambda API here")
	case fn == "":
		return skip("no rotation function: the local rotator runs the steps from here")
	}
	out, err := s.t.Lambda.GetFunctionConfiguration(ctx, &lambda.GetFunctionConfigurationInput{FunctionName: aws.String(fn)})
	if err != nil {
		d, _ := awsFailure("lambda:GetFunctionConfiguration", lambdaName(fn), err)
		return fail(d, fixFunctionARN).under(HeadingFindLogs)
	}
	s.fn = out
	detail := fmt.Sprintf("%s: %s, timeout %d s, role %s", lambdaName(fn), aws.ToString((*string)(&out.Runtime)),
		aws.ToInt32(out.Timeout), roleName(aws.ToString(out.Role)))
	if v := out.VpcConfig; v != nil && aws.ToString(v.VpcId) != "" {
		detail += fmt.Sprintf(", in %s (subnets %s; security groups %s)", aws.ToString(v.VpcId),
			strings.Join(v.SubnetIds, " "), strings.Join(v.SecurityGroupIds, " "))
	}
	if t := aws.ToInt32(out.Timeout); t < 5 {
		return fail(detail+fmt.Sprintf(": a %d-second timeout ends a step before a database login can give up (the template waits 5 s)", t),
			fixTimeout(lambdaName(fn))).under(HeadingTimeout)
	}
	return pass(detail)
}

func roleName(arn string) string {
	if i := strings.LastIndex(arn, "/"); i >= 0 {
		return arn[i+1:]
	}
	return arn
}

// checkFunctionEnvironment checks the variables AWS's template reads.
func checkFunctionEnvironment(_ context.Context, s *state) outcome {
	if s.fn == nil {
		return skip("the function's configuration could not be read")
	}
	name := lambdaName(s.functionARN())
	env := map[string]string{}
	if s.fn.Environment != nil {
		env = s.fn.Environment.Variables
	}
	if env["SECRETS_MANAGER_ENDPOINT"] == "" {
		return fail(name+" has no SECRETS_MANAGER_ENDPOINT: AWS's template stops at once with KeyError",
			fixEnvironment(name, env, s.region(), s.endpointName())).under(HeadingFindLogs)
	}
	if v, ok := env["EXCLUDE_CHARACTERS"]; ok {
		var missing []string
		for _, c := range defaultExclude {
			if !strings.ContainsRune(v, c) {
				missing = append(missing, string(c))
			}
		}
		if len(missing) > 0 {
			return fail(fmt.Sprintf("%s's EXCLUDE_CHARACTERS (%q) lets generated passwords hold %s, which MySQL clients and many "+
				"engines' rules refuse: setSecret then fails to set the password", name, v, strings.Join(missing, " ")),
				fixEnvironment(name, env, s.region(), s.endpointName())).under(HeadingInternalFailure)
		}
	}
	if v, ok := env["PASSWORD_LENGTH"]; ok {
		if n, err := strconv.Atoi(v); err != nil || n < 8 || n > 4096 {
			return fail(fmt.Sprintf("%s's PASSWORD_LENGTH is %q; GetRandomPassword takes 1 to 4096, and 8 is the least a database password should be", name, v),
				fixEnvironment(name, env, s.region(), s.endpointName())).under(HeadingInternalFailure)
		}
	}
	return pass(fmt.Sprintf("SECRETS_MANAGER_ENDPOINT %s; passwords exclude %q", env["SECRETS_MANAGER_ENDPOINT"], excludeOf(env)))
}

// defaultExclude is what AWS's rotation template excludes from passwords by default.
const defaultExclude = `/@"'\`

func excludeOf(env map[string]string) string {
	if v, ok := env["EXCLUDE_CHARACTERS"]; ok {
		return v
	}
	return defaultExclude
}

// checkFunctionNetwork checks what the function needs to reach: Secrets Manager (an
// interface endpoint in its VPC, whose security group lets it in) and the database (whose
// security groups let it in).
func checkFunctionNetwork(ctx context.Context, s *state) outcome {
	switch {
	case s.fn == nil:
		return skip("the function's configuration could not be read")
	case s.fn.VpcConfig == nil || aws.ToString(s.fn.VpcConfig.VpcId) == "":
		return pass("not in a VPC: it reaches Secrets Manager's public endpoint, and the database only if that is public")
	case s.t.EC2 == nil:
		return skip("no EC2 API here to read the VPC")
	}
	name := lambdaName(s.functionARN())
	vpc, subnets, groups := aws.ToString(s.fn.VpcConfig.VpcId), s.fn.VpcConfig.SubnetIds, s.fn.VpcConfig.SecurityGroupIds
	service := "com.amazonaws." + s.region() + ".secretsmanager"
	eps, err := s.t.EC2.VPCEndpoints(ctx, vpc, service)
	if err != nil {
		d, f := awsFailure("ec2:DescribeVpcEndpoints", vpc, err)
		return fail(d, f)
	}
	var detail string
	if len(eps) == 0 {
		// No endpoint: the function reaches the public endpoint only from subnets that
		// route to the internet through a NAT gateway (its interfaces have no public address,
		// so an internet gateway's route does not take it out).
		nat, without, err := s.natRoutes(ctx, vpc, subnets)
		if err != nil || len(without) > 0 {
			where, then := "its subnets have no default route through a NAT gateway", ""
			switch {
			case err != nil:
				d, _ := awsFailure("ec2:DescribeRouteTables", vpc, err)
				where, then = "a NAT gateway could not be looked for ("+d+")", "unless one takes it out, "
			case len(without) < len(subnets):
				where = "its subnets " + strings.Join(without, " ") + " have no default route through a NAT gateway (Lambda may run it in any of its subnets)"
			}
			return fail(fmt.Sprintf("%s runs in %s, which has no interface endpoint for Secrets Manager (%s), and %s: %sits first call to "+
				"Secrets Manager waits until the function times out, and its log ends after \"Found credentials in environment variables\"",
				name, vpc, service, where, then), fixSecretsEndpoint(s.region(), vpc, service, subnets)).under(HeadingNoActivityCreds)
		}
		detail = fmt.Sprintf("Secrets Manager's public endpoint through NAT gateway %s (no interface endpoint in %s)", nat, vpc)
	} else {
		ep := eps[0]
		epGroups := ep.GroupIDs
		if ok, err := s.admitted(ctx, epGroups, 443, groups); err != nil {
			d, f := awsFailure("ec2:DescribeSecurityGroups", strings.Join(epGroups, " "), err)
			return fail(d, f)
		} else if !ok {
			return fail(fmt.Sprintf("Secrets Manager's endpoint %s in %s does not let %s's security groups (%s) in on 443",
				ep.ID, vpc, name, strings.Join(groups, " ")),
				fixIngress(s.region(), epGroups[0], 443, groups[0])).under(HeadingNoActivityCreds)
		}
		detail = fmt.Sprintf("Secrets Manager through endpoint %s", ep.ID)
	}
	dbGroups, err := s.databaseGroups(ctx)
	switch {
	case err != nil:
		d, f := awsFailure("rds:DescribeDBInstances", s.t.DBInstance, err)
		return fail(d, f)
	case len(dbGroups) == 0:
		return pass(detail + "; the database's security groups are not known here")
	}
	port := s.dbPort
	if port == 0 {
		port = 3306
	}
	if ok, err := s.admitted(ctx, dbGroups, port, groups); err != nil {
		d, f := awsFailure("ec2:DescribeSecurityGroups", strings.Join(dbGroups, " "), err)
		return fail(d, f)
	} else if !ok {
		return fail(fmt.Sprintf("the database's security groups (%s) do not let %s's (%s) in on %d: setSecret's login waits, times out "+
			"and logs \"setSecret: Unable to log into database\"", strings.Join(dbGroups, " "), name, strings.Join(groups, " "), port),
			fixIngress(s.region(), dbGroups[0], port, groups[0])).under(HeadingNoActivityCreate)
	}
	return pass(detail + fmt.Sprintf("; the database's security group %s lets it in on %d", strings.Join(dbGroups, " "), port))
}

// natRoutes reads each subnet's route table: the NAT gateway the default route goes
// through, and the subnets whose default route goes through none (or whose gateway is gone).
func (s *state) natRoutes(ctx context.Context, vpc string, subnets []string) (nat string, without []string, err error) {
	for _, subnet := range subnets {
		rt, err := s.t.EC2.SubnetRouteTable(ctx, vpc, subnet)
		if err != nil {
			return "", nil, err
		}
		i := slices.IndexFunc(rt.Routes, func(r awsclient.Route) bool {
			return r.Destination == "0.0.0.0/0" && r.NATGatewayID != "" && r.State != "blackhole"
		})
		if i < 0 {
			without = append(without, subnet)
			continue
		}
		nat = rt.Routes[i].NATGatewayID
	}
	return nat, without, nil
}

// databaseGroups are the database instance's VPC security groups, from RDS.
func (s *state) databaseGroups(ctx context.Context) ([]string, error) {
	if s.t.RDS == nil || s.t.DBInstance == "" {
		return nil, nil
	}
	out, err := s.t.RDS.DescribeDBInstances(ctx, &rds.DescribeDBInstancesInput{DBInstanceIdentifier: aws.String(s.t.DBInstance)})
	if err != nil {
		return nil, err
	}
	var groups []string
	for _, db := range out.DBInstances {
		for _, g := range db.VpcSecurityGroups {
			groups = append(groups, aws.ToString(g.VpcSecurityGroupId))
		}
	}
	return groups, nil
}

// admitted says whether one of groups lets TCP on port in from one of from.
func (s *state) admitted(ctx context.Context, groups []string, port int, from []string) (bool, error) {
	if len(groups) == 0 {
		return false, nil
	}
	found, err := s.t.EC2.SecurityGroups(ctx, groups)
	if err != nil {
		return false, err
	}
	for _, g := range found {
		for _, p := range g.Ingress {
			if p.Admits(port, from) {
				return true, nil
			}
		}
	}
	return false, nil
}

// checkFunctionPermissions evaluates what the function's role may do to both secrets: its
// inline policies (read through IAM) together with each secret's resource policy, as Secrets
// Manager decides — an explicit deny in either refuses; an allow in either admits.
func checkFunctionPermissions(ctx context.Context, s *state) outcome {
	switch {
	case s.fn == nil:
		return skip("the function's configuration could not be read")
	case s.t.IAM == nil:
		return skip("no IAM API here to read the role")
	case s.describe == nil:
		return skip("the app secret could not be described")
	}
	fn := s.functionARN()
	name, role := lambdaName(fn), roleName(aws.ToString(s.fn.Role))
	ps, failed, err := s.rolePolicies(ctx, role)
	if err != nil {
		d, f := awsFailure(failed, role, err)
		return fail(d, f)
	}
	m := lambdaARNRE.FindStringSubmatch(fn)
	account := ""
	if m != nil {
		account = m[2]
	}
	session, perr := iampolicy.ParsePrincipal("arn:aws:sts::" + account + ":assumed-role/" + role + "/" + name)
	if perr != nil {
		return skip("the function's role is not one the doctor can name: " + perr.Error())
	}
	type need struct {
		secret, label string
		actions       []string
	}
	needs := []need{{aws.ToString(s.describe.ARN), aws.ToString(s.describe.Name),
		[]string{"DescribeSecret", "GetSecretValue", "PutSecretValue", "UpdateSecretVersionStage"}}}
	if s.alternating() && s.adminARN != "" {
		needs = append(needs, need{s.adminARN, shortARN(s.adminARN), []string{"GetSecretValue"}})
	}
	for _, n := range needs {
		resPol, err := s.resourcePolicy(ctx, n.secret)
		if err != nil {
			d, f := awsFailure("GetResourcePolicy", n.label, err)
			return fail(d, f)
		}
		ctxKeys := map[string][]string{"secretsmanager:SecretId": {n.secret}}
		if n.secret == aws.ToString(s.describe.ARN) {
			ctxKeys["secretsmanager:resource/AllowRotationLambdaArn"] = []string{fn}
		}
		for _, act := range n.actions {
			req := iampolicy.Request{Principal: session, Action: "secretsmanager:" + act, Resource: n.secret, Context: ctxKeys}
			var rd iampolicy.Decision
			if resPol != nil {
				rd = resPol.Evaluate(req)
			}
			if rd.Effect == iampolicy.Deny {
				return fail(fmt.Sprintf("%s's resource policy refuses %s (role %s) secretsmanager:%s: %s denies it",
					n.label, name, role, act, statementName(rd.Statement)),
					fixResourcePolicyDeny(n.secret, rd.Statement)).under(headingForSecret(n.secret == s.adminARN))
			}
			id := evaluateAll(ps.policies, req)
			if id.Effect == iampolicy.Deny {
				return fail(fmt.Sprintf("role %s denies secretsmanager:%s on %s (%s)", role, act, n.label, statementName(id.Statement)),
					fixRolePolicy(role, n.secret, n.secret == s.adminARN)).under(headingForSecret(n.secret == s.adminARN))
			}
			if id.Effect != iampolicy.Allow && rd.Effect != iampolicy.Allow {
				return fail(fmt.Sprintf("role %s (which %s runs as) has no policy allowing secretsmanager:%s on %s%s", role, name, act, n.label, ps.caveat()),
					fixRolePolicy(role, n.secret, n.secret == s.adminARN)).under(headingForSecret(n.secret == s.adminARN))
			}
		}
	}
	what := "the app secret"
	if len(needs) > 1 {
		what = "both secrets"
	}
	return pass(fmt.Sprintf("role %s may make the rotation's calls on %s (%d inline and %d managed policies; the secrets' own policies do not refuse it)%s",
		role, what, ps.inline, ps.managed, ps.caveat()))
}

func headingForSecret(admin bool) string {
	if admin {
		return HeadingFirstRotation
	}
	return HeadingAccessDenied
}

// rolePolicies reads a role's permission policies: its inline ones and the default version
// of each managed policy attached to it. failed names the IAM action that failed, if one did.
func (s *state) rolePolicies(ctx context.Context, role string) (ps rolePolicySet, failed string, err error) {
	names, err := s.t.IAM.ListRolePolicies(ctx, &iam.ListRolePoliciesInput{RoleName: aws.String(role)})
	if err != nil {
		return ps, "iam:ListRolePolicies", err
	}
	for _, n := range names.PolicyNames {
		got, err := s.t.IAM.GetRolePolicy(ctx, &iam.GetRolePolicyInput{RoleName: aws.String(role), PolicyName: aws.String(n)})
		if err != nil {
			return ps, "iam:GetRolePolicy", err
		}
		ps.inline += ps.add(aws.ToString(got.PolicyDocument))
	}
	// Attached policies that cannot be read (a reader allowed the role's inline policies and
	// not these) leave the verdict to the inline ones, and the detail says so.
	unread := func(op, resource string, err error) (rolePolicySet, string, error) {
		ps.unread, _ = awsFailure(op, resource, err)
		return ps, "", nil
	}
	attached, err := s.t.IAM.ListAttachedRolePolicies(ctx, &iam.ListAttachedRolePoliciesInput{RoleName: aws.String(role)})
	if err != nil {
		return unread("iam:ListAttachedRolePolicies", role, err)
	}
	for _, a := range attached.AttachedPolicies {
		p, err := s.t.IAM.GetPolicy(ctx, &iam.GetPolicyInput{PolicyArn: a.PolicyArn})
		if err != nil {
			return unread("iam:GetPolicy", aws.ToString(a.PolicyArn), err)
		}
		v, err := s.t.IAM.GetPolicyVersion(ctx, &iam.GetPolicyVersionInput{PolicyArn: a.PolicyArn, VersionId: p.Policy.DefaultVersionId})
		if err != nil {
			return unread("iam:GetPolicyVersion", aws.ToString(a.PolicyArn), err)
		}
		ps.managed += ps.add(aws.ToString(v.PolicyVersion.Document))
	}
	return ps, "", nil
}

// rolePolicySet is a role's policies, and how many of them are inline and managed.
type rolePolicySet struct {
	policies        []*iampolicy.Policy
	inline, managed int
	// unread says why the attached managed policies could not be read; "" when they were.
	unread string
}

// caveat is what the verdict leaves out: "" when every policy was read.
func (ps rolePolicySet) caveat() string {
	if ps.unread == "" {
		return ""
	}
	return "; the attached managed policies could not be read (" + ps.unread + "), so this judges by the inline ones"
}

// add parses a document as IAM sends it (URL-encoded) and says whether it was one.
func (ps *rolePolicySet) add(encoded string) int {
	doc, err := url.QueryUnescape(encoded)
	if err != nil {
		doc = encoded
	}
	p, _ := iampolicy.ParseIdentity(doc)
	if p == nil {
		return 0
	}
	ps.policies = append(ps.policies, p)
	return 1
}

func evaluateAll(policies []*iampolicy.Policy, r iampolicy.Request) iampolicy.Decision {
	var allow iampolicy.Decision
	for _, p := range policies {
		switch d := p.Evaluate(r); d.Effect {
		case iampolicy.Deny:
			return d
		case iampolicy.Allow:
			allow = d
		}
	}
	return allow
}

// resourcePolicy is a secret's resource policy, nil when it has none.
func (s *state) resourcePolicy(ctx context.Context, secret string) (*iampolicy.Policy, error) {
	out, err := s.t.Secrets.GetResourcePolicy(ctx, &secretsmanager.GetResourcePolicyInput{SecretId: aws.String(secret)}, once)
	if err != nil {
		return nil, err
	}
	if aws.ToString(out.ResourcePolicy) == "" {
		return nil, nil
	}
	p, _ := iampolicy.Parse(aws.ToString(out.ResourcePolicy))
	return p, nil
}

func statementName(st *iampolicy.Statement) string {
	if st == nil {
		return "a statement"
	}
	if st.Sid != "" {
		return fmt.Sprintf("statement %q", st.Sid)
	}
	return fmt.Sprintf("statement %d (no Sid)", st.Index+1)
}

// checkInvokePermission reads the function's resource policy: Secrets Manager may invoke it
// only if a statement lets secretsmanager.amazonaws.com call lambda:InvokeFunction.
func (s *state) invokeAllowed(ctx context.Context, fn string) (ok bool, detail string, err error) {
	out, err := s.t.Lambda.GetPolicy(ctx, &lambda.GetPolicyInput{FunctionName: aws.String(fn)})
	if err != nil {
		if isNotFound(err) {
			return false, lambdaName(fn) + " has no resource policy", nil
		}
		return false, "", err
	}
	var doc struct {
		Statement []struct {
			Sid       string
			Effect    string
			Principal json.RawMessage
			Action    json.RawMessage
		}
	}
	if err := json.Unmarshal([]byte(aws.ToString(out.Policy)), &doc); err != nil {
		return false, "its resource policy could not be read", nil
	}
	for _, st := range doc.Statement {
		if st.Effect == "Allow" && strings.Contains(string(st.Principal), "secretsmanager.amazonaws.com") &&
			(strings.Contains(string(st.Action), "lambda:InvokeFunction") || strings.Contains(string(st.Action), "lambda:*")) {
			return true, fmt.Sprintf("statement %q lets Secrets Manager invoke it", st.Sid), nil
		}
	}
	return false, lambdaName(fn) + "'s resource policy has no statement letting secretsmanager.amazonaws.com call lambda:InvokeFunction", nil
}

func errorsAs(err error, target any) bool { return errors.As(err, target) }

func quoteJSON(v any) string {
	b, _ := json.Marshal(v) // plain maps of strings always encode
	return shell.Quote(string(b))
}

// explainRefusal adds to an AccessDeniedException that a secret's resource policy sent which
// statement refused: AWS's message says only that a resource-based policy did. The policy is
// read (GetResourcePolicy) and applied again to the refused principal and action.
func (s *state) explainRefusal(ctx context.Context, secret string, err error) string {
	var api interface{ ErrorMessage() string }
	if !errorsAs(err, &api) {
		return ""
	}
	r, ok := iampolicy.ParseRefusal(api.ErrorMessage())
	if !ok || r.Reason != iampolicy.ExplicitDeny {
		return ""
	}
	who, perr := iampolicy.ParsePrincipal(r.Principal)
	pol, gerr := s.resourcePolicy(ctx, secret)
	if perr != nil || gerr != nil || pol == nil {
		return ""
	}
	d := pol.Evaluate(iampolicy.Request{Principal: who, Action: r.Action, Resource: secret,
		Context: map[string][]string{"secretsmanager:SecretId": {secret}}})
	if d.Effect != iampolicy.Deny {
		return ""
	}
	return "; the secret's resource policy refused it: " + statementName(d.Statement)
}
