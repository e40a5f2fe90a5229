package secretsmanager

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// validateRules checks RotationRules the way the service does: days or a
// schedule expression (not both), and a window Duration of 1-24 hours.
func validateRules(r *rotationRules) *apiError {
	if r == nil {
		return nil
	}
	if r.AutomaticallyAfterDays != nil && r.ScheduleExpression != nil {
		return errorf(typeInvalidParameter, "You can't specify both AutomaticallyAfterDays and ScheduleExpression in RotationRules.")
	}
	if d := r.AutomaticallyAfterDays; d != nil && (*d < 1 || *d > 1000) {
		return errorf(typeInvalidParameter, "AutomaticallyAfterDays must be between 1 and 1000.")
	}
	if x := r.ScheduleExpression; x != nil {
		if len(*x) < 1 || len(*x) > 256 {
			return validationf("rotationRules.scheduleExpression", "Member must have length between 1 and 256")
		}
		if _, err := parseSchedule(*x); err != nil {
			return errorf(typeInvalidParameter, "Invalid ScheduleExpression %q: %v.", sanitize(*x), err)
		}
	}
	if d := r.Duration; d != nil {
		h, ok := strings.CutSuffix(*d, "h")
		n, err := strconv.Atoi(h)
		if !ok || err != nil || len(h) < 1 || len(h) > 2 || n < 1 || n > 24 {
			return errorf(typeInvalidParameter, "Duration must be a number of hours from 1h to 24h, such as 2h.")
		}
	}
	return nil
}

// nextRotation is NextRotationDate: the first time the rules allow after
// the secret's anchor (last rotation, last change of AWSCURRENT, or when
// the rules were set). The sandbox starts a window at its opening instead
// of at a random moment inside it, so a demo runs the same every time.
func nextRotation(sec *secret) (time.Time, bool) {
	r := sec.Rules
	if r == nil || sec.Anchor.IsZero() {
		return time.Time{}, false
	}
	switch {
	case r.AutomaticallyAfterDays != nil:
		return sec.Anchor.Add(time.Duration(*r.AutomaticallyAfterDays) * 24 * time.Hour), true
	case r.ScheduleExpression != nil:
		sch, err := parseSchedule(*r.ScheduleExpression)
		if err != nil {
			return time.Time{}, false
		}
		return sch.next(sec.Anchor)
	}
	return time.Time{}, false
}

// schedule is a parsed rate() or cron() expression.
type schedule interface {
	next(after time.Time) (time.Time, bool)
}

func parseSchedule(expr string) (schedule, error) {
	expr = strings.TrimSpace(expr)
	switch {
	case strings.HasPrefix(expr, "rate(") && strings.HasSuffix(expr, ")"):
		return parseRate(expr[len("rate(") : len(expr)-1])
	case strings.HasPrefix(expr, "cron(") && strings.HasSuffix(expr, ")"):
		return parseCron(expr[len("cron(") : len(expr)-1])
	}
	return nil, fmt.Errorf("use rate(N days), rate(N hours) or cron(minutes hours day-of-month month day-of-week year)")
}

type rate time.Duration

func (r rate) next(after time.Time) (time.Time, bool) { return after.Add(time.Duration(r)), true }

// parseRate reads "N days" or "N hours"; Secrets Manager rotates at most
// every 4 hours and at least every 1000 days.
func parseRate(s string) (schedule, error) {
	f := strings.Fields(s)
	if len(f) != 2 {
		return nil, fmt.Errorf("a rate is a number and a unit, such as rate(10 days)")
	}
	n, err := strconv.Atoi(f[0])
	if err != nil || n < 1 {
		return nil, fmt.Errorf("the rate must be a positive whole number")
	}
	switch f[1] {
	case "day", "days":
		if n > 1000 {
			return nil, fmt.Errorf("the rate can be at most 1000 days")
		}
		return rate(time.Duration(n) * 24 * time.Hour), nil
	case "hour", "hours":
		if n < 4 || n > 23 {
			return nil, fmt.Errorf("an hourly rate must be between 4 and 23 hours")
		}
		return rate(time.Duration(n) * time.Hour), nil
	}
	return nil, fmt.Errorf("the unit must be hours or days")
}
