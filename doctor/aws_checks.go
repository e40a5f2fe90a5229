package doctor

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
	"github.com/aws/smithy-go"

	"rotation-tutor/rotation"
)

// once gives each call one immediate second try and no backoff: a
// diagnosis reports a failure as it happened, not after seconds of retries,
// but a connection the transport closed under a response (a known race,
// aws-sdk-go-v2#2737) is not reported as a broken hop.
func once(o *secretsmanager.Options) {
	o.Retryer = retry.NewStandard(func(so *retry.StandardOptions) {
		so.MaxAttempts = 2
		so.Backoff = retry.BackoffDelayerFunc(func(int, error) (time.Duration, error) { return 0, nil })
	})
}

func (s *state) region() string {
	if s.t.Region != "" {
		return s.t.Region
	}
	if s.t.Secrets != nil {
		return s.t.Secrets.Options().Region
	}
	return ""
}

// endpointName says where Secrets Manager calls go.
func (s *state) endpointName() string {
	if ep := aws.ToString(s.t.Secrets.Options().BaseEndpoint); ep != "" {
		return ep
	}
	return "secretsmanager." + s.region() + ".amazonaws.com"
}

func checkCredentials(ctx context.Context, s *state) outcome {
	if s.t.Secrets == nil {
		return fail("no Secrets Manager client was configured", fixNoClient)
	}
	region := s.region()
	if region == "" {
		return fail("no AWS region is set", fixNoRegion)
	}
	provider := s.t.Secrets.Options().Credentials
	if provider == nil {
		return fail("no AWS credentials were found (region "+region+")", fixNoCredentials)
	}
	creds, err := provider.Retrieve(ctx)
	if err != nil {
		return fail("could not load AWS credentials: "+err.Error(), fixNoCredentials)
	}
	if creds.CanExpire && creds.Expired() {
		return fail(fmt.Sprintf("the AWS credentials from %s expired at %s", creds.Source,
			creds.Expires.Format("2006-01-02 15:04 MST")), fixExpired)
	}
	detail := fmt.Sprintf("region %s; credentials from %s (access key %s)", region, creds.Source, maskKey(creds.AccessKeyID))
	if s.t.Identity == nil {
		detail += "; identity not checked (no STS at this endpoint)"
	} else {
		who, err := s.t.Identity(ctx)
		if err != nil {
			d, _ := awsFailure("sts:GetCallerIdentity", "", err)
			return fail(d, fixCredentialsRejected)
		}
		detail += "; caller " + who
	}
	s.awsOK = true
	return pass(detail)
}

// maskKey shows enough of an access key id to recognise it.
func maskKey(id string) string {
	if len(id) <= 8 {
		return strings.Repeat("•", len(id))
	}
	return id[:4] + "…" + id[len(id)-4:]
}

func checkEndpoint(ctx context.Context, s *state) outcome {
	if !s.awsOK {
		return skip("no usable region or credentials")
	}
	var err error
	if s.t.SecretID == "" {
		// Nothing to describe; any answer from the service proves it reachable.
		_, err = s.t.Secrets.ListSecrets(ctx, &secretsmanager.ListSecretsInput{MaxResults: aws.Int32(1)}, once)
	} else {
		s.describe, err = s.t.Secrets.DescribeSecret(ctx,
			&secretsmanager.DescribeSecretInput{SecretId: aws.String(s.t.SecretID)}, once)
		s.describeErr = err
	}
	var api smithy.APIError
	if err != nil && !errors.As(err, &api) {
		return fail("Secrets Manager at "+s.endpointName()+" did not answer: "+transportError(err), fixSecretsUnreachable)
	}
	// An API error (not found, access denied) is still an answer: the next
	// checks judge it.
	s.smReachable = true
	return pass("Secrets Manager answered at " + s.endpointName())
}

func checkAppSecret(ctx context.Context, s *state) outcome {
	switch {
	case !s.smReachable:
		return skip("Secrets Manager did not answer")
	case s.t.SecretID == "":
		return fail("no app secret was named", fixNoSecretName)
	case s.describeErr != nil:
		return fail(awsFailure("DescribeSecret", s.t.SecretID, s.describeErr))
	}
	name := aws.ToString(s.describe.Name)
	if s.describe.DeletedDate != nil {
		return fail(fmt.Sprintf("%s is scheduled for deletion on %s", name,
			s.describe.DeletedDate.UTC().Format("2006-01-02 15:04 UTC")), fixRestore(name))
	}
	out, err := s.t.Secrets.GetSecretValue(ctx, &secretsmanager.GetSecretValueInput{
		SecretId: aws.String(s.t.SecretID), VersionStage: aws.String("AWSCURRENT"),
	}, once)
	if err != nil {
		detail, fix := awsFailure("GetSecretValue", name, err)
		if why := s.explainRefusal(ctx, s.t.SecretID, err); why != "" {
			return fail(detail+why, fixResourcePolicyDeny(name, nil))
		}
		return fail(detail, fix)
	}
	where := fmt.Sprintf("%s (AWSCURRENT, version %s)", name, short(aws.ToString(out.VersionId)))
	if out.SecretString == nil {
		return fail(where+" holds a binary value; rotation reads a JSON string", fixSecretShape(name))
	}
	d, err := rotation.ReadSecret(*out.SecretString)
	if err != nil {
		return fail(where+": "+err.Error(), fixSecretShape(name))
	}
	s.app = &d

	need := []string{"engine", "host", "username", "password"}
	if s.alternating() {
		need = append(need, "masterarn")
	}
	if miss := d.Missing(need...); len(miss) > 0 {
		return fail(where+" is missing "+quoteList(miss)+whyKeys(miss), fixMissingKeys(name, miss, s.t.AdminSecretARN))
	}
	if d.Engine != "mysql" && d.Engine != "aurora-mysql" {
		return fail(fmt.Sprintf("%s has engine %q; the MySQL rotation function requires \"mysql\"", where, d.Engine),
			fixEngine(name))
	}
	// MySQL 5.7+ allows 32-character user names; the clone adds "_clone".
	if s.alternating() && len(baseUser(d.Username)+"_clone") > 32 {
		return fail(fmt.Sprintf("%s: user %q with _clone appended is longer than MySQL's 32 characters", where, d.Username),
			fixUserTooLong)
	}
	s.appOK = true
	detail := fmt.Sprintf("%s: engine %s, host %s:%d, user %s", where, d.Engine, d.Host, d.Port, d.Username)
	if d.MasterARN != "" {
		detail += ", masterarn " + shortARN(d.MasterARN)
	}
	return pass(detail)
}

func checkAdminSecret(ctx context.Context, s *state) outcome {
	if !s.smReachable {
		return skip("Secrets Manager did not answer")
	}
	arn, from := s.t.AdminSecretARN, "the given admin secret"
	if s.app != nil && s.app.MasterARN != "" {
		arn, from = s.app.MasterARN, "the app secret's masterarn"
	}
	if arn == "" {
		if !s.alternating() {
			return skip("single-user rotation needs no admin secret, and none was given")
		}
		return skip("no admin secret is known: the app secret names none in masterarn, and none was given")
	}
	s.adminARN = arn
	out, err := s.t.Secrets.GetSecretValue(ctx, &secretsmanager.GetSecretValueInput{
		SecretId: aws.String(arn), VersionStage: aws.String("AWSCURRENT"),
	}, once)
	if err != nil {
		detail, fix := awsFailure("GetSecretValue", shortARN(arn)+" ("+from+")", err)
		if why := s.explainRefusal(ctx, arn, err); why != "" {
			return fail(detail+why, fixResourcePolicyDeny(arn, nil))
		}
		return fail(detail, fix)
	}
	where := shortARN(arn) + " (" + from + ")"
	if out.SecretString == nil {
		return fail(where+" holds a binary value, not JSON with username and password", fixAdminShape(arn))
	}
	d, err := rotation.ReadSecret(*out.SecretString)
	if err != nil {
		return fail(where+": "+err.Error(), fixAdminShape(arn))
	}
	if miss := d.Missing("username", "password"); len(miss) > 0 {
		return fail(where+" is missing "+quoteList(miss), fixAdminShape(arn))
	}
	s.admin = &d
	detail := where + ": user " + d.Username
	if s.t.AdminSecretARN != "" && s.app != nil && s.app.MasterARN != "" && !sameSecret(s.t.AdminSecretARN, s.app.MasterARN) {
		detail += "; note: the admin secret given (" + shortARN(s.t.AdminSecretARN) + ") differs, and rotation uses masterarn"
	}
	return pass(detail)
}

func (s *state) alternating() bool { return s.t.Strategy != rotation.SingleUser }

// baseUser strips the clone suffix: appuser_clone → appuser.
func baseUser(u string) string { return strings.TrimSuffix(u, "_clone") }

// short abbreviates a version id for display.
func short(id string) string {
	if len(id) > 8 {
		return id[:8]
	}
	return id
}

// shortARN shows a secret ARN by its name part, which is what people recognise.
// sameSecret says whether given (an ARN, or a secret's name) names the secret whose ARN is
// arn: an ARN ends in the name, a hyphen and six random characters.
func sameSecret(given, arn string) bool {
	if given == arn {
		return true
	}
	name := shortARN(arn)
	return !strings.HasPrefix(given, "arn:") && len(name) == len(given)+7 && strings.HasPrefix(name, given+"-")
}

func shortARN(arn string) string {
	if i := strings.Index(arn, ":secret:"); i >= 0 {
		return arn[i+len(":secret:"):]
	}
	return arn
}

func quoteList(keys []string) string {
	q := make([]string, len(keys))
	for i, k := range keys {
		q[i] = fmt.Sprintf("%q", k)
	}
	return strings.Join(q, ", ")
}
