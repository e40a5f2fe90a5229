package secretsmanager

import (
	"fmt"
	"hash/fnv"
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

// window is one rotation window: when it opens and closes, and the moment
// inside it that the sandbox starts the rotation.
type window struct{ open, close, at time.Time }

// maxWindows bounds the search for a window that has not closed yet: ten
// years of hourly windows, for a sandbox that was stopped a long time.
const maxWindows = 100_000

// nextWindow is the first window of sec's schedule after its anchor (the last
// rotation, the last change of AWSCURRENT, or when the rules were set) that
// is still open at from or opens later: a window the sandbox was not running
// for, or woke too late in, is missed, not run late.
//
// AWS starts the rotation at a random moment in the window. The sandbox picks
// the moment from the secret's ARN and the window, so a run repeats exactly,
// and keeps the window's last quarter free: on a fast clock a rotation takes
// virtual minutes, and it should end inside the window it started in.
func nextWindow(sec *secret, from time.Time) (window, bool) {
	r := sec.Rules
	if r == nil || sec.Anchor.IsZero() {
		return window{}, false
	}
	sch, ok := scheduleOf(r)
	if !ok {
		return window{}, false
	}
	open, ok := sch.first(sec.Anchor, from)
	for range maxWindows {
		if !ok {
			return window{}, false
		}
		w := window{open: open, close: open.Add(sch.length())}
		if r.Duration != nil {
			w.close = open.Add(durationOf(*r.Duration))
		}
		// A window never runs into the next UTC day.
		if end := utcDay(open).Add(24 * time.Hour); w.close.After(end) {
			w.close = end
		}
		if w.close.After(from) {
			w.at = w.open.Add(momentIn(sec.ARN, w))
			return w, true
		}
		open, ok = sch.next(open)
	}
	return window{}, false
}

// momentIn is how far into w the sandbox starts the rotation: a whole number
// of minutes in the window's first three quarters, from a hash of the secret
// and the window.
func momentIn(arn string, w window) time.Duration {
	minutes := int64(w.close.Sub(w.open) * 3 / 4 / time.Minute)
	if minutes <= 0 {
		return 0
	}
	h := fnv.New64a()
	h.Write([]byte(arn))
	h.Write([]byte(w.open.UTC().Format(time.RFC3339)))
	return time.Duration(h.Sum64()%uint64(minutes)) * time.Minute
}

// durationOf reads a validated Duration ("2h").
func durationOf(d string) time.Duration {
	n, _ := strconv.Atoi(strings.TrimSuffix(d, "h"))
	return time.Duration(n) * time.Hour
}

func utcDay(t time.Time) time.Time {
	t = t.UTC()
	return time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, time.UTC)
}

// schedule says when a rule's rotation windows open, and how long they last
// when RotationRules has no Duration.
type schedule interface {
	// first is the opening of the first window after a rotation at anchor;
	// it may skip windows that closed before from, for speed.
	first(anchor, from time.Time) (time.Time, bool)
	// next is the opening after the one at open.
	next(open time.Time) (time.Time, bool)
	length() time.Duration
}

func scheduleOf(r *rotationRules) (schedule, bool) {
	switch {
	case r.AutomaticallyAfterDays != nil:
		return days(*r.AutomaticallyAfterDays), true
	case r.ScheduleExpression != nil:
		sch, err := parseSchedule(*r.ScheduleExpression)
		return sch, err == nil
	}
	return nil, false
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

// days is a schedule in days (rate(N days), AutomaticallyAfterDays: N): the
// interval is added to the date of the last rotation, and the window is
// that whole UTC day, from midnight.
type days int64

func (d days) first(anchor, from time.Time) (time.Time, bool) {
	day, step := utcDay(anchor), time.Duration(d)*24*time.Hour
	k := int64(1)
	// Windows that closed before from (each lasts at most a day) are skipped.
	if late := from.Sub(day) - 24*time.Hour; late > 0 {
		k = max(k, int64(late/step)+1)
	}
	return day.Add(time.Duration(k) * step), true
}

func (d days) next(open time.Time) (time.Time, bool) {
	return open.Add(time.Duration(d) * 24 * time.Hour), true
}

func (days) length() time.Duration { return 24 * time.Hour }

// hours is a schedule in hours (rate(N hours)): windows open on the hour
// every N hours from midnight, the count starting again each UTC day as a
// cron increment of hours does, and last an hour. The next window is the
// first one at least N hours after the one the last rotation fell in.
type hours int

func (h hours) first(anchor, from time.Time) (time.Time, bool) {
	at := h.gridAtOrBefore(anchor).Add(time.Duration(h) * time.Hour)
	if skip := from.Add(-24 * time.Hour); skip.After(at) {
		at = skip
	}
	return h.gridAtOrAfter(at), true
}

func (h hours) next(open time.Time) (time.Time, bool) {
	return h.gridAtOrAfter(open.Add(time.Minute)), true
}

func (hours) length() time.Duration { return time.Hour }

// gridAtOrBefore is the last opening at or before t.
func (h hours) gridAtOrBefore(t time.Time) time.Time {
	day := utcDay(t)
	slot := int(t.Sub(day)/time.Hour) / int(h) * int(h)
	return day.Add(time.Duration(slot) * time.Hour)
}

// gridAtOrAfter is the first opening at or after t.
func (h hours) gridAtOrAfter(t time.Time) time.Time {
	day := utcDay(t)
	for slot := 0; slot < 24; slot += int(h) {
		if at := day.Add(time.Duration(slot) * time.Hour); !at.Before(t) {
			return at
		}
	}
	return day.Add(24 * time.Hour) // midnight starts the count again
}

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
		return days(n), nil
	case "hour", "hours":
		if n < 4 || n > 23 {
			return nil, fmt.Errorf("an hourly rate must be between 4 and 23 hours")
		}
		return hours(n), nil
	}
	return nil, fmt.Errorf("the unit must be hours or days")
}
