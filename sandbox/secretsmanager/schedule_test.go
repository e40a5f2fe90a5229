package secretsmanager

import (
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
)

func at(t *testing.T, s string) time.Time {
	t.Helper()
	v, err := time.Parse(time.RFC3339, s)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// The windows AWS documents: a rate in days (or AutomaticallyAfterDays) adds
// the days to the date of the last rotation and opens at midnight for the
// whole UTC day; a rate in hours opens on the hour from midnight and lasts an
// hour; a cron opens when it matches, for an hour if it is a schedule in
// hours, else to the end of the day; Duration shortens a window, which never
// runs into the next UTC day. A window that closed before "from" is missed.
func TestNextWindow(t *testing.T) {
	cases := []struct {
		name              string
		rules             rotationRules
		anchor, from      string
		wantOpen, wantEnd string
	}{
		{"AutomaticallyAfterDays 30", rotationRules{AutomaticallyAfterDays: aws.Int64(30)},
			"2026-03-02T10:00:00Z", "2026-03-02T10:00:00Z", "2026-04-01T00:00:00Z", "2026-04-02T00:00:00Z"},
		{"rate(2 days) with a 2-hour window", rotationRules{ScheduleExpression: aws.String("rate(2 days)"), Duration: aws.String("2h")},
			"2026-03-02T10:00:00Z", "2026-03-02T10:00:00Z", "2026-03-04T00:00:00Z", "2026-03-04T02:00:00Z"},
		{"rate(1 day)", rotationRules{ScheduleExpression: aws.String("rate(1 day)")},
			"2026-03-02T23:59:00Z", "2026-03-02T23:59:00Z", "2026-03-03T00:00:00Z", "2026-03-04T00:00:00Z"},
		{"rate(1 day), a week later: today's window is still open", rotationRules{ScheduleExpression: aws.String("rate(1 day)")},
			"2026-03-02T10:00:00Z", "2026-03-10T12:00:00Z", "2026-03-10T00:00:00Z", "2026-03-11T00:00:00Z"},
		{"rate(1 day) 2h, a week later: today's window closed, tomorrow's", rotationRules{ScheduleExpression: aws.String("rate(1 day)"), Duration: aws.String("2h")},
			"2026-03-02T10:00:00Z", "2026-03-10T12:00:00Z", "2026-03-11T00:00:00Z", "2026-03-11T02:00:00Z"},
		{"rate(10 days), missed by a few days", rotationRules{ScheduleExpression: aws.String("rate(10 days)"), Duration: aws.String("3h")},
			"2026-03-02T10:00:00Z", "2026-03-14T00:00:00Z", "2026-03-22T00:00:00Z", "2026-03-22T03:00:00Z"},
		{"rate(4 hours)", rotationRules{ScheduleExpression: aws.String("rate(4 hours)")},
			"2026-03-02T10:00:00Z", "2026-03-02T10:00:00Z", "2026-03-02T12:00:00Z", "2026-03-02T13:00:00Z"},
		{"rate(4 hours), rotated inside the 12:00 window", rotationRules{ScheduleExpression: aws.String("rate(4 hours)")},
			"2026-03-02T12:20:00Z", "2026-03-02T12:20:00Z", "2026-03-02T16:00:00Z", "2026-03-02T17:00:00Z"},
		{"rate(5 hours) starts again at midnight", rotationRules{ScheduleExpression: aws.String("rate(5 hours)")},
			"2026-03-02T22:00:00Z", "2026-03-02T22:00:00Z", "2026-03-03T05:00:00Z", "2026-03-03T06:00:00Z"},
		{"rate(4 hours), missed windows", rotationRules{ScheduleExpression: aws.String("rate(4 hours)")},
			"2026-03-02T10:00:00Z", "2026-03-05T09:30:00Z", "2026-03-05T12:00:00Z", "2026-03-05T13:00:00Z"},
		{"cron in days", rotationRules{ScheduleExpression: aws.String("cron(0 16 1,15 * ? *)")},
			"2026-03-02T10:00:00Z", "2026-03-02T10:00:00Z", "2026-03-15T16:00:00Z", "2026-03-16T00:00:00Z"},
		{"cron in hours", rotationRules{ScheduleExpression: aws.String("cron(0 4/12 * * ? *)")},
			"2026-03-02T10:00:00Z", "2026-03-02T10:00:00Z", "2026-03-02T16:00:00Z", "2026-03-02T17:00:00Z"},
		{"cron on weekdays, 3h", rotationRules{ScheduleExpression: aws.String("cron(0 8 ? * MON-FRI *)"), Duration: aws.String("3h")},
			"2026-03-06T09:00:00Z", "2026-03-06T09:00:00Z", "2026-03-09T08:00:00Z", "2026-03-09T11:00:00Z"},
		{"a window stops at midnight", rotationRules{ScheduleExpression: aws.String("cron(0 22 * * ? *)"), Duration: aws.String("4h")},
			"2026-03-02T10:00:00Z", "2026-03-02T10:00:00Z", "2026-03-02T22:00:00Z", "2026-03-03T00:00:00Z"},
		{"cron, missed by a month", rotationRules{ScheduleExpression: aws.String("cron(0 16 1,15 * ? *)")},
			"2026-03-02T10:00:00Z", "2026-04-15T18:00:00Z", "2026-04-15T16:00:00Z", "2026-04-16T00:00:00Z"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			sec := &secret{ARN: "arn:aws:secretsmanager:us-east-1:000000000000:secret:app-AbCdEf", Rules: &tc.rules, Anchor: at(t, tc.anchor)}
			w, ok := nextWindow(sec, at(t, tc.from))
			if !ok {
				t.Fatal("no window")
			}
			if !w.open.Equal(at(t, tc.wantOpen)) || !w.close.Equal(at(t, tc.wantEnd)) {
				t.Fatalf("window %v – %v, want %s – %s", w.open, w.close, tc.wantOpen, tc.wantEnd)
			}
			// The moment is a whole minute in the window's first three quarters.
			last := w.open.Add(w.close.Sub(w.open) * 3 / 4)
			if w.at.Before(w.open) || !w.at.Before(last) || w.at.Truncate(time.Minute) != w.at {
				t.Fatalf("moment %v is not a minute in [%v, %v)", w.at, w.open, last)
			}
			if again, _ := nextWindow(sec, at(t, tc.from)); again != w {
				t.Fatalf("the same window twice: %+v then %+v", w, again)
			}
		})
	}
}

func TestParseSchedule(t *testing.T) {
	for _, good := range []string{"rate(10 days)", "rate(1 day)", "rate(4 hours)", "cron(0 16 1,15 * ? *)", "cron(0 8 ? * MON-FRI *)",
		"cron(0 0 L * ? *)", "cron(30 */4 * * ? *)", "cron(0 10 ? * 6#3 *)", "cron(0 0 1 JAN ? 2028)"} {
		if _, err := parseSchedule(good); err != nil {
			t.Errorf("%s: %v", good, err)
		}
	}
	for _, bad := range []string{"rate(2 hours)", "rate(1001 days)", "rate(1 week)", "cron(0 0 * * * *)", "cron(0 0 ? * ? *)",
		"cron(0 25 * * ? *)", "cron(0 0 * *)", "every day", "cron(0 0 ? * 9#1 *)", "rate(x days)"} {
		if _, err := parseSchedule(bad); err == nil {
			t.Errorf("%s was accepted", bad)
		}
	}
}

// The cron matcher itself: the first matching minute after a time.
func TestCronNext(t *testing.T) {
	cases := []struct{ expr, after, want string }{
		{"cron(0 16 1,15 * ? *)", "2026-03-15T16:00:00Z", "2026-04-01T16:00:00Z"},
		{"cron(0 8 ? * MON-FRI *)", "2026-03-06T09:00:00Z", "2026-03-09T08:00:00Z"}, // Friday after 8 → Monday
		{"cron(0 0 L * ? *)", "2026-02-10T00:00:00Z", "2026-02-28T00:00:00Z"},
		{"cron(30 */4 * * ? *)", "2026-03-02T10:00:00Z", "2026-03-02T12:30:00Z"},
		{"cron(0 10 ? * 6#3 *)", "2026-03-01T00:00:00Z", "2026-03-20T10:00:00Z"}, // third Friday
		{"cron(0 0 1 JAN ? 2028)", "2026-03-01T00:00:00Z", "2028-01-01T00:00:00Z"},
	}
	for _, tc := range cases {
		sch, err := parseSchedule(tc.expr)
		if err != nil {
			t.Fatalf("%s: %v", tc.expr, err)
		}
		got, ok := sch.next(at(t, tc.after))
		if !ok || !got.Equal(at(t, tc.want)) {
			t.Errorf("%s after %s = %v, want %s", tc.expr, tc.after, got, tc.want)
		}
	}
}
