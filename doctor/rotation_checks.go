package doctor

import (
	"context"
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager/types"

	"rotation-tutor/rotation"
)

func checkRotationConfig(ctx context.Context, s *state) outcome {
	if s.describe == nil {
		return skip("the app secret could not be described")
	}
	d := s.describe
	name := aws.ToString(d.Name)
	fn := aws.ToString(d.RotationLambdaARN)
	if !aws.ToBool(d.RotationEnabled) {
		if s.t.RotationLambdaARN == "" {
			return pass("rotation is off for " + name + "; this app rotates it with its local rotator")
		}
		return fail("rotation is off for "+name, fixEnableRotation(name, s.t.RotationLambdaARN))
	}
	if fn == "" {
		return fail("rotation is on for "+name+" but names no function", fixEnableRotation(name, s.t.RotationLambdaARN))
	}
	detail := fmt.Sprintf("on: function %s, %s", lambdaName(fn), schedule(d.RotationRules))
	if s.t.Lambda != nil {
		ok, why, err := s.invokeAllowed(ctx, fn)
		switch {
		case err != nil:
			d, f := awsFailure("lambda:GetPolicy", lambdaName(fn), err)
			return fail(d, f)
		case !ok:
			return fail(why+": Secrets Manager cannot invoke it, so RotateSecret is refused with AccessDeniedException and no "+
				"scheduled rotation runs", fixInvokePermission(lambdaName(fn))).under(HeadingConfigureDenied)
		}
		detail += "; " + why
	}
	switch {
	case s.t.RotationLambdaARN == "":
		detail += "; the app rotates with its local rotator, and Secrets Manager also rotates on this schedule"
	case s.t.RotationLambdaARN != fn:
		detail += "; note: the app was given another function, " + lambdaName(s.t.RotationLambdaARN)
	}
	return pass(detail)
}

func schedule(r *types.RotationRulesType) string {
	if r == nil {
		return "no schedule"
	}
	var out string
	switch {
	case aws.ToString(r.ScheduleExpression) != "":
		out = "schedule " + aws.ToString(r.ScheduleExpression)
	case aws.ToInt64(r.AutomaticallyAfterDays) > 0:
		out = fmt.Sprintf("every %d days", aws.ToInt64(r.AutomaticallyAfterDays))
	default:
		return "no schedule"
	}
	if w := aws.ToString(r.Duration); w != "" {
		out += ", window " + w
	}
	return out
}

// stages returns the versions holding AWSCURRENT, AWSPENDING and AWSPREVIOUS.
func stages(m map[string][]string) (current, pending, previous string) {
	for id, labels := range m {
		if slices.Contains(labels, "AWSCURRENT") {
			current = id
		}
		if slices.Contains(labels, "AWSPENDING") {
			pending = id
		}
		if slices.Contains(labels, "AWSPREVIOUS") {
			previous = id
		}
	}
	return current, pending, previous
}

// unfinished looks at a rotation the labels say did not end: whether its
// version is older than AWSCURRENT (only a label left behind) or not.
func (s *state) unfinished(ctx context.Context) *rotation.Unfinished {
	if s.pending == nil {
		u, err := rotation.FindUnfinished(ctx, s.t.Secrets, s.t.SecretID)
		if err != nil || u == nil {
			u = &rotation.Unfinished{} // unknown: judged by the labels alone
		}
		s.pending = u
	}
	return s.pending
}

func checkLastRotation(ctx context.Context, s *state) outcome {
	if s.describe == nil {
		return skip("the app secret could not be described")
	}
	d := s.describe
	name := aws.ToString(d.Name)
	current, pending, previous := stages(d.VersionIdsToStages)
	if pending != "" && pending != current && s.unfinished(ctx).Stale {
		return fail(fmt.Sprintf("AWSPENDING was left on version %s, older than AWSCURRENT (%s): a value stored after a rotation "+
			"(PutSecretValue moves only AWSCURRENT) left the label behind. Nothing failed, but RotateSecret now refuses with "+
			"\"A previous rotation isn't complete\"", short(pending), short(current)), fixStale(name, pending))
	}
	if pending != "" && pending != current {
		o := fail(fmt.Sprintf("a rotation did not finish: AWSPENDING is on version %s, AWSCURRENT on %s; "+
			"RotateSecret now fails with \"A previous rotation isn't complete\"", short(pending), short(current)),
			fixStuck(name, pending, aws.ToString(d.RotationLambdaARN)))
		return s.withLastError(ctx, o)
	}
	if next := d.NextRotationDate; aws.ToBool(d.RotationEnabled) && next != nil {
		if due := next.Add(window(d.RotationRules, *next)); s.now.After(due) {
			return s.withLastError(ctx, fail(fmt.Sprintf("rotation is overdue: it was due by %s (%s ago); a rotation that keeps failing leaves the date in the past",
				due.UTC().Format("2006-01-02 15:04 UTC"), s.now.Sub(due).Round(time.Minute)),
				fixOverdue(name, aws.ToString(d.RotationLambdaARN))).under(HeadingNotRotating))
		}
	}
	var detail string
	if last := d.LastRotatedDate; last != nil {
		detail = fmt.Sprintf("last rotated %s (%s ago)", last.UTC().Format("2006-01-02 15:04:05 UTC"),
			s.now.Sub(*last).Round(time.Second))
	} else {
		detail = "never rotated"
	}
	detail += "; AWSCURRENT on " + short(current)
	if previous != "" {
		detail += ", AWSPREVIOUS on " + short(previous)
	}
	if pending != "" {
		detail += "; AWSPENDING left on the current version, as AWS's MySQL template leaves it"
	}
	return pass(detail)
}

var durationRE = regexp.MustCompile(`^([0-9]+)h$`)

// window is how long after NextRotationDate a rotation may still start:
// Duration when set; otherwise AWS closes an hours-based window after an hour
// and a days-based one at the end of the UTC day.
func window(r *types.RotationRulesType, next time.Time) time.Duration {
	if r != nil {
		if m := durationRE.FindStringSubmatch(aws.ToString(r.Duration)); m != nil {
			h, _ := strconv.Atoi(m[1]) // the pattern admits only digits
			return time.Duration(h) * time.Hour
		}
		if strings.Contains(aws.ToString(r.ScheduleExpression), "hour") {
			return time.Hour
		}
	}
	next = next.UTC()
	endOfDay := time.Date(next.Year(), next.Month(), next.Day()+1, 0, 0, 0, 0, time.UTC)
	return endOfDay.Sub(next)
}

var lambdaARNRE = regexp.MustCompile(`^arn:aws[a-zA-Z-]*:lambda:([a-z0-9-]+):([0-9]{12}):function:([A-Za-z0-9_-]+)(:[A-Za-z0-9$_-]+)?$`)

func lambdaName(arn string) string {
	if m := lambdaARNRE.FindStringSubmatch(arn); m != nil {
		return m[3]
	}
	return arn
}

func checkFunction(ctx context.Context, s *state) outcome {
	if s.describe == nil {
		return skip("the app secret could not be described")
	}
	d := s.describe
	fn := aws.ToString(d.RotationLambdaARN)
	if !aws.ToBool(d.RotationEnabled) || fn == "" {
		fn = s.t.RotationLambdaARN
	}
	if fn == "" {
		if s.appLoginOK && s.adminLoginOK {
			return pass("local rotator: it runs the four steps from here, through the tunnel the checks above reached")
		}
		return skip("local rotator: it reaches the database exactly as the checks above do, and they did not get through")
	}
	m := lambdaARNRE.FindStringSubmatch(fn)
	if m == nil {
		return fail(fmt.Sprintf("%q is not a Lambda function ARN", fn), fixFunctionARN)
	}
	if region := s.region(); m[1] != region {
		return fail(fmt.Sprintf("function %s is in %s but the secret is in %s; Secrets Manager invokes functions in its own region",
			m[3], m[1], region), fixFunctionRegion(region))
	}
	current, pending, _ := stages(d.VersionIdsToStages)
	if pending != "" && pending != current && s.unfinished(ctx).Stale {
		return skip("function " + m[3] + " is not to blame for the label left behind (see the last rotation)")
	}
	if pending != "" && pending != current {
		return fail("function "+m[3]+" started a rotation that did not finish (judged from the secret's versions)",
			fixFunctionNetwork(m[3]))
	}
	if d.LastRotatedDate != nil && aws.ToBool(d.RotationEnabled) {
		return pass("function " + m[3] + " finished the last rotation, so it reached Secrets Manager and the database then")
	}
	return skip("function " + m[3] + " has not rotated this secret yet; a rotation is the only way to judge it from outside")
}

// withLastError adds to a failed rotation's finding the function's last error, from its log,
// and the heading that error belongs under.
func (s *state) withLastError(ctx context.Context, o outcome) outcome {
	msg := s.lastError(ctx, s.functionARN(), aws.ToString(s.describe.ARN))
	if msg == "" {
		return o
	}
	o.detail += "; the function's last error: " + trimLog(msg)
	return o.under(headingForLog(msg))
}
