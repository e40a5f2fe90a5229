// Package doctor diagnoses the path a rotation depends on, one hop at a time:
// AWS credentials, Secrets Manager and the two secrets, the SSH bastion, the
// database, and the rotation's own state. The walkthrough's troubleshooting
// screen and the `doctor` command both run it; it reads and never changes
// anything (no known_hosts writes, no rotation, no SQL that modifies).
//
// Every check has a timeout, so an unreachable hop is reported in seconds.
// When a hop fails, the checks that depend on it are reported as skipped with
// the reason, rather than failing again with a less helpful error.
package doctor

import (
	"context"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"

	"rotation-tutor/dbclient"
	"rotation-tutor/rotation"
)

// Hops, in the order the checks walk them.
const (
	HopAWS      = "aws"      // credentials, region, identity
	HopSecrets  = "secrets"  // Secrets Manager and the app and admin secrets
	HopBastion  = "bastion"  // TCP, host key, SSH auth, forwarding
	HopDatabase = "database" // MySQL logins, the clone user
	HopFunction = "function" // the rotation function's configuration, network and permissions
	HopRotation = "rotation" // configuration, last outcome, the function
)

// Target is everything the doctor needs to know about one environment. The
// sandbox and a real account fill it the same way.
type Target struct {
	Secrets  *secretsmanager.Client // Secrets Manager, real or the sandbox's endpoint
	Region   string
	SecretID string            // the app secret: name or ARN
	Strategy rotation.Strategy // "" means rotation.AlternatingUsers

	// SSH is the bastion. An empty SSH.Addr means there is no bastion and the
	// database is dialled directly. The doctor never prompts about or records
	// an unknown host key: OnUnknownHost is ignored and the key is reported.
	SSH dbclient.SSHConfig

	// DBHost and DBPort are where the bastion forwards to; empty: the app
	// secret's host and port.
	DBHost string
	DBPort int
	DBName string

	// AdminSecretARN is the admin secret when the app secret names none in
	// masterarn (the rotation itself always uses masterarn).
	AdminSecretARN string

	// RotationLambdaARN is the function the app expects to rotate the secret;
	// empty means the app's local rotator runs the four steps itself.
	RotationLambdaARN string

	// Identity, if set, returns the caller's ARN (STS GetCallerIdentity).
	// Nil when no STS is available, e.g. against a custom endpoint URL.
	Identity func(ctx context.Context) (string, error)

	// Timeout bounds each check; zero means each check's own default.
	Timeout time.Duration

	// Now is the clock for judging an overdue rotation; nil means time.Now.
	Now func() time.Time

	// The rotation function's side, read as an operator reads it: its configuration and
	// resource policy (Lambda), its VPC (EC2), its role (IAM), the database instance's
	// security groups (RDS, by DBInstance) and its log group (CloudWatch Logs). Any of
	// them nil skips the checks that need it.
	Lambda     LambdaAPI
	EC2        EC2API
	IAM        IAMAPI
	RDS        RDSAPI
	Logs       LogsAPI
	DBInstance string
	// EndpointURL, when the services are reached at one (the sandbox, a VPC endpoint), goes
	// into every aws command a fix prints, so that it runs where the doctor looked.
	EndpointURL string
	// DBCA verifies the database's TLS certificate for the doctor's logins, which use TLS as
	// each secret's ssl key says (as the rotation does); nil leaves it unverified.
	DBCA *dbclient.CABundle
}

// Check is the result of one check.
type Check struct {
	Hop     string
	Name    string
	OK      bool
	Skipped bool // not tried, because an earlier hop failed or it does not apply; Detail says why
	Took    time.Duration
	Detail  string // what was found; never a secret value
	Fix     string // what to do, when the check failed
	// Heading is the section of AWS's "Troubleshoot rotation" page a failure matches
	// (TroubleshootURL), or "".
	Heading string
}

// Report is the outcome of a whole run.
type Report struct {
	OK     bool // no check failed (skipped checks do not count)
	Checks []Check
}

// ExitCode is the `doctor` command's exit status: 0 when every check that
// ran passed, 1 when any failed.
func (r Report) ExitCode() int {
	if r.OK {
		return 0
	}
	return 1
}

// Failed returns the checks that failed, in order.
func (r Report) Failed() []Check {
	var out []Check
	for _, c := range r.Checks {
		if !c.OK && !c.Skipped {
			out = append(out, c)
		}
	}
	return out
}
