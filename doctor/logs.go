package doctor

import (
	"context"
	"errors"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs"
	"github.com/aws/smithy-go"
)

// LogsAPI reads a rotation function's log group.
type LogsAPI interface {
	FilterLogEvents(ctx context.Context, in *cloudwatchlogs.FilterLogEventsInput, optFns ...func(*cloudwatchlogs.Options)) (*cloudwatchlogs.FilterLogEventsOutput, error)
}

// lastError is the newest error the function logged about the secret in the last week: the
// failing step's message, as `aws logs tail` shows it. "" when there is none or no log to read.
func (s *state) lastError(ctx context.Context, fn, secretARN string) string {
	if s.t.Logs == nil || fn == "" {
		return ""
	}
	in := &cloudwatchlogs.FilterLogEventsInput{LogGroupName: aws.String("/aws/lambda/" + lambdaName(fn)),
		StartTime: aws.Int64(s.now.Add(-7 * 24 * time.Hour).UnixMilli())}
	var last string
	for pages := 0; pages < 20; pages++ {
		out, err := s.t.Logs.FilterLogEvents(ctx, in)
		if err != nil {
			return ""
		}
		for _, e := range out.Events {
			m := aws.ToString(e.Message)
			if (strings.HasPrefix(m, "[ERROR]") && (secretARN == "" || strings.Contains(m, secretARN) || !strings.Contains(m, "arn:aws:secretsmanager"))) ||
				strings.Contains(m, "Task timed out") {
				last = m
			}
		}
		if out.NextToken == nil {
			break
		}
		in.NextToken = out.NextToken
	}
	return last
}

// trimLog drops the runtime's prefix ([ERROR], time, request id) from a log line.
func trimLog(m string) string {
	parts := strings.Split(m, "\t")
	if len(parts) >= 4 && strings.HasPrefix(parts[0], "[") {
		return strings.Join(parts[3:], " ")
	}
	return strings.TrimPrefix(m, "[ERROR] ")
}

// isNotFound says an AWS API answered ResourceNotFoundException.
func isNotFound(err error) bool {
	var api smithy.APIError
	return errors.As(err, &api) && api.ErrorCode() == "ResourceNotFoundException"
}
