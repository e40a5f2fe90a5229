package secretsmanager

import (
	"testing"
	"time"
)

func TestScheduleNext(t *testing.T) {
	at := func(s string) time.Time {
		v, err := time.Parse(time.RFC3339, s)
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	cases := []struct {
		expr, after, want string
	}{
		{"rate(10 days)", "2026-03-02T10:00:00Z", "2026-03-12T10:00:00Z"},
		{"rate(1 day)", "2026-03-02T10:00:00Z", "2026-03-03T10:00:00Z"},
		{"rate(4 hours)", "2026-03-02T10:00:00Z", "2026-03-02T14:00:00Z"},
		{"cron(0 16 1,15 * ? *)", "2026-03-02T10:00:00Z", "2026-03-15T16:00:00Z"},
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
		got, ok := sch.next(at(tc.after))
		if !ok || !got.Equal(at(tc.want)) {
			t.Errorf("%s after %s = %v, want %s", tc.expr, tc.after, got, tc.want)
		}
	}
	for _, bad := range []string{"rate(2 hours)", "rate(1001 days)", "rate(1 week)", "cron(0 0 * * * *)", "cron(0 0 ? * ? *)",
		"cron(0 25 * * ? *)", "cron(0 0 * *)", "every day", "cron(0 0 ? * 9#1 *)", "rate(x days)"} {
		if _, err := parseSchedule(bad); err == nil {
			t.Errorf("%s was accepted", bad)
		}
	}
}
