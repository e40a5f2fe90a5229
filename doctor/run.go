package doctor

import (
	"context"
	"fmt"
	"regexp"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/lambda"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"

	"rotation-tutor/dbclient"
	"rotation-tutor/rotation"
)

// check is one step of the diagnosis. run decides itself whether its
// prerequisites held (from the state earlier checks left) and returns skip
// if not, so the order of the list below is the only coupling between checks.
type check struct {
	hop, name string
	timeout   time.Duration
	run       func(ctx context.Context, s *state) outcome
}

type outcome struct {
	ok      bool
	skipped bool
	detail  string
	fix     string
	heading string
}

// under names the section of AWS's troubleshooting page the finding matches.
func (o outcome) under(heading string) outcome {
	o.heading = heading
	return o
}

func pass(detail string) outcome { return outcome{ok: true, detail: detail} }

func fail(detail, fix string) outcome { return outcome{detail: detail, fix: fix} }

func skip(reason string) outcome {
	if reason == "" {
		reason = "an earlier hop failed"
	}
	return outcome{skipped: true, detail: "skipped: " + reason}
}

// awsCommand finds the start of each aws command a fix quotes: `aws SERVICE OPERATION.
var awsCommand = regexp.MustCompile("(^|[`(|&; ])aws ([a-z0-9-]+) ([a-z0-9-]+)")

// withEndpoint points every aws command in a fix at the endpoint, when there is one.
func withEndpoint(fix, endpoint string) string {
	if endpoint == "" {
		return fix
	}
	return awsCommand.ReplaceAllString(fix, "${1}aws $2 $3 --endpoint-url "+endpoint)
}

// checks lists the diagnosis in hop order.
func checks() []check {
	return []check{
		{HopAWS, "credentials and region", 15 * time.Second, checkCredentials},
		{HopSecrets, "Secrets Manager reachable", 10 * time.Second, checkEndpoint},
		{HopSecrets, "app secret", 10 * time.Second, checkAppSecret},
		{HopSecrets, "admin secret", 10 * time.Second, checkAdminSecret},
		{HopBastion, "TCP reachable", 3 * time.Second, checkBastionTCP},
		{HopBastion, "host key", 5 * time.Second, checkHostKey},
		{HopBastion, "SSH auth", 10 * time.Second, checkSSHAuth},
		{HopBastion, "forward to database", 5 * time.Second, checkForward},
		{HopDatabase, "login as app user", 8 * time.Second, checkAppLogin},
		{HopDatabase, "login as admin", 8 * time.Second, checkAdminLogin},
		{HopDatabase, "clone user and grants", 8 * time.Second, checkClone},
		{HopFunction, "configuration", 10 * time.Second, checkFunctionConfig},
		{HopFunction, "environment", time.Second, checkFunctionEnvironment},
		{HopFunction, "network", 10 * time.Second, checkFunctionNetwork},
		{HopFunction, "permissions", 10 * time.Second, checkFunctionPermissions},
		{HopRotation, "rotation configured", 10 * time.Second, checkRotationConfig},
		{HopRotation, "last rotation", 10 * time.Second, checkLastRotation},
		{HopRotation, "rotation function", 5 * time.Second, checkFunction},
	}
}

// state is what earlier checks learned, for the later ones.
type state struct {
	t   Target
	now time.Time

	awsOK       bool // region and credentials present
	smReachable bool
	describe    *secretsmanager.DescribeSecretOutput
	describeErr error
	app         *rotation.Secret // the app secret's AWSCURRENT value, when it parsed
	appOK       bool             // and had every field rotation needs
	admin       *rotation.Secret
	adminARN    string

	// netBlock is why the path to the database is cut, from the first hop
	// that failed on it; the checks behind that hop cite it when skipped.
	netBlock  string
	bastionUp bool
	hostKeyOK bool
	tunnel    *dbclient.Tunnel
	dial      dbclient.DialFunc // through the tunnel, or direct without a bastion
	forwardOK bool
	dbHost    string
	dbPort    int

	appLoginOK   bool
	adminLoginOK bool
	pending      *rotation.Unfinished // read once, by the first check that needs it

	fn *lambda.GetFunctionConfigurationOutput // the rotation function's configuration, once read
}

func (s *state) close() {
	if s.tunnel != nil {
		_ = s.tunnel.Close() // best effort: the diagnosis is already complete
	}
}

// Run runs every check in order, calling each (if not nil) as each one
// finishes, and returns the report. It returns when ctx is done, marking the
// checks it did not reach as skipped.
func Run(ctx context.Context, t Target, each func(Check)) Report {
	now := time.Now
	if t.Now != nil {
		now = t.Now
	}
	s := &state{t: t, now: now()}
	defer s.close()

	r := Report{OK: true}
	for _, c := range checks() {
		res := runOne(ctx, s, c)
		if !res.OK && !res.Skipped {
			r.OK = false
		}
		r.Checks = append(r.Checks, res)
		if each != nil {
			each(res)
		}
	}
	return r
}

func runOne(ctx context.Context, s *state, c check) Check {
	res := Check{Hop: c.hop, Name: c.name}
	if err := ctx.Err(); err != nil {
		res.Skipped = true
		res.Detail = "skipped: the diagnosis was cancelled"
		return res
	}
	timeout := c.timeout
	if s.t.Timeout > 0 {
		timeout = s.t.Timeout
	}
	cctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()

	start := time.Now()
	o := c.run(cctx, s)
	if !o.skipped {
		res.Took = time.Since(start)
	}
	// A check whose own deadline expired says so first: "context deadline
	// exceeded" alone does not tell the operator that the hop never answered.
	if !o.ok && !o.skipped && cctx.Err() == context.DeadlineExceeded && ctx.Err() == nil {
		o.detail = fmt.Sprintf("no answer within %s: %s", timeout, o.detail)
	}
	res.OK, res.Skipped, res.Detail, res.Fix, res.Heading = o.ok, o.skipped, o.detail, withEndpoint(o.fix, s.t.EndpointURL), o.heading
	if !res.OK && !res.Skipped && res.Heading == "" {
		res.Heading = defaultHeading(c.hop, c.name)
	}
	return res
}
