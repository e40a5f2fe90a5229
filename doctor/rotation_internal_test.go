package doctor

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager/types"
)

func TestWindow(t *testing.T) {
	next := time.Date(2026, 3, 2, 10, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		name string
		r    *types.RotationRulesType
		want time.Duration
	}{
		{"duration", &types.RotationRulesType{ScheduleExpression: aws.String("rate(2 days)"), Duration: aws.String("2h")}, 2 * time.Hour},
		{"hours schedule", &types.RotationRulesType{ScheduleExpression: aws.String("rate(4 hours)")}, time.Hour},
		{"days: end of the UTC day", &types.RotationRulesType{AutomaticallyAfterDays: aws.Int64(30)}, 14 * time.Hour},
		{"no rules", nil, 14 * time.Hour},
	} {
		if got := window(tc.r, next); got != tc.want {
			t.Errorf("%s: window = %v, want %v", tc.name, got, tc.want)
		}
	}
}

func TestLastRotationOverdue(t *testing.T) {
	due := time.Date(2026, 3, 2, 10, 0, 0, 0, time.UTC)
	d := &secretsmanager.DescribeSecretOutput{
		Name:               aws.String("app"),
		RotationEnabled:    aws.Bool(true),
		RotationLambdaARN:  aws.String("arn:aws:lambda:eu-west-1:000000000000:function:rot"),
		RotationRules:      &types.RotationRulesType{ScheduleExpression: aws.String("rate(2 days)"), Duration: aws.String("2h")},
		NextRotationDate:   aws.Time(due),
		LastRotatedDate:    aws.Time(due.Add(-48 * time.Hour)),
		VersionIdsToStages: map[string][]string{"v2": {"AWSCURRENT", "AWSPENDING"}, "v1": {"AWSPREVIOUS"}},
	}
	within := checkLastRotation(context.Background(), &state{describe: d, now: due.Add(time.Hour)})
	if !within.ok {
		t.Errorf("inside the window: %+v", within)
	}
	late := checkLastRotation(context.Background(), &state{describe: d, now: due.Add(3 * time.Hour)})
	if late.ok || late.fix == "" {
		t.Errorf("after the window: %+v, want overdue with a fix", late)
	}
}

// MariaDB's SHOW GRANTS carries each user's password hash; the comparison must ignore it
// (the two users' hashes always differ) and never show it.
func TestNormaliseGrantsIgnoresPasswordHashes(t *testing.T) {
	base := normaliseGrants([]string{
		"GRANT USAGE ON *.* TO `appuser`@`%` IDENTIFIED BY PASSWORD '*14EDA6BA80708EF068B7E5DF86702E7824BAECE0'",
		"GRANT SELECT ON `tutorial`.* TO `appuser`@`%`",
	}, "appuser")
	clone := normaliseGrants([]string{
		"GRANT USAGE ON *.* TO `appuser_clone`@`%` IDENTIFIED BY PASSWORD '*A4E6991F60B9F8F9DDBC8C17EF5AAD87564FB9F7'",
		"GRANT SELECT ON `tutorial`.* TO `appuser_clone`@`%`",
	}, "appuser_clone")
	onlyBase, onlyClone := diff(base, clone)
	if len(onlyBase)+len(onlyClone) != 0 {
		t.Fatalf("same grants compare different: %q vs %q", onlyBase, onlyClone)
	}
	for _, l := range append(base, clone...) {
		if strings.Contains(l, "PASSWORD") || strings.Contains(l, "*14EDA") {
			t.Fatalf("a password hash survived normalisation: %q", l)
		}
	}
	if a, b := diff(normaliseGrants([]string{"GRANT SELECT, INSERT ON `tutorial`.* TO 'appuser'@'%'"}, "appuser"),
		normaliseGrants([]string{"GRANT SELECT ON `tutorial`.* TO 'appuser_clone'@'%'"}, "appuser_clone")); len(a) != 1 || len(b) != 1 {
		t.Fatalf("different grants must stay different: %q vs %q", a, b)
	}
}
