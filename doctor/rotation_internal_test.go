package doctor

import (
	"context"
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
