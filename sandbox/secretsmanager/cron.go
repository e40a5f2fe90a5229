package secretsmanager

import (
	"fmt"
	"math/bits"
	"strconv"
	"strings"
	"time"
)

// cron is an AWS six-field cron expression (minutes hours day-of-month month
// day-of-week year), in UTC. Day-of-week counts 1-7 from Sunday; one of the
// two day fields must be "?". Supported: * ? lists, ranges, steps, names,
// "L" (last day of the month) and "d#n" (n-th weekday of the month).
type cron struct {
	minutes, hours, dom, months, dow uint64       // bit sets
	years                            map[int]bool // nil = any year
	lastDOM                          bool
	nthDOW                           []nth // from "d#n"
	anyDOM, anyDOW                   bool
}

type nth struct{ weekday, n int }

var (
	monthNames = map[string]int{"JAN": 1, "FEB": 2, "MAR": 3, "APR": 4, "MAY": 5, "JUN": 6,
		"JUL": 7, "AUG": 8, "SEP": 9, "OCT": 10, "NOV": 11, "DEC": 12}
	dayNames = map[string]int{"SUN": 1, "MON": 2, "TUE": 3, "WED": 4, "THU": 5, "FRI": 6, "SAT": 7}
)

func parseCron(s string) (schedule, error) {
	f := strings.Fields(s)
	if len(f) != 6 {
		return nil, fmt.Errorf("a cron expression has six fields: minutes hours day-of-month month day-of-week year")
	}
	c := &cron{}
	var err error
	if c.minutes, err = parseField(f[0], 0, 59, nil); err != nil {
		return nil, fmt.Errorf("minutes: %w", err)
	}
	if c.hours, err = parseField(f[1], 0, 23, nil); err != nil {
		return nil, fmt.Errorf("hours: %w", err)
	}
	if (f[2] == "?") == (f[4] == "?") {
		return nil, fmt.Errorf("exactly one of day-of-month and day-of-week must be ?")
	}
	switch {
	case f[2] == "?":
		c.anyDOM = true
	case f[2] == "L":
		c.lastDOM = true
	default:
		if c.dom, err = parseField(f[2], 1, 31, nil); err != nil {
			return nil, fmt.Errorf("day-of-month: %w", err)
		}
	}
	if c.months, err = parseField(f[3], 1, 12, monthNames); err != nil {
		return nil, fmt.Errorf("month: %w", err)
	}
	switch {
	case f[4] == "?":
		c.anyDOW = true
	case strings.Contains(f[4], "#"):
		for _, part := range strings.Split(f[4], ",") {
			d, n, ok := strings.Cut(part, "#")
			wd, err1 := parseValue(d, 1, 7, dayNames)
			k, err2 := strconv.Atoi(n)
			if !ok || err1 != nil || err2 != nil || k < 1 || k > 5 {
				return nil, fmt.Errorf("day-of-week: %q is not of the form day#n", part)
			}
			c.nthDOW = append(c.nthDOW, nth{wd, k})
		}
	default:
		if c.dow, err = parseField(f[4], 1, 7, dayNames); err != nil {
			return nil, fmt.Errorf("day-of-week: %w", err)
		}
	}
	if f[5] != "*" {
		// Years do not fit a 64-bit set, so they go into a map.
		c.years = map[int]bool{}
		if err := eachInField(f[5], 1970, 2199, nil, func(y int) { c.years[y] = true }); err != nil {
			return nil, fmt.Errorf("year: %w", err)
		}
	}
	return c, nil
}

// parseField reads one field into a bit set (values up to 63).
func parseField(s string, lo, hi int, names map[string]int) (uint64, error) {
	var bits uint64
	err := eachInField(s, lo, hi, names, func(v int) {
		if v < 64 {
			bits |= 1 << uint(v)
		}
	})
	return bits, err
}

// eachInField calls add for every value the field selects.
func eachInField(s string, lo, hi int, names map[string]int, add func(int)) error {
	for _, part := range strings.Split(s, ",") {
		rng, stepStr, hasStep := strings.Cut(part, "/")
		step := 1
		if hasStep {
			n, err := strconv.Atoi(stepStr)
			if err != nil || n < 1 {
				return fmt.Errorf("bad step %q", stepStr)
			}
			step = n
		}
		from, to := lo, hi
		switch {
		case rng == "*":
		case strings.Contains(rng, "-"):
			a, b, _ := strings.Cut(rng, "-")
			var err error
			if from, err = parseValue(a, lo, hi, names); err != nil {
				return err
			}
			if to, err = parseValue(b, lo, hi, names); err != nil {
				return err
			}
			if to < from {
				return fmt.Errorf("range %q runs backwards", rng)
			}
		default:
			v, err := parseValue(rng, lo, hi, names)
			if err != nil {
				return err
			}
			from = v
			if !hasStep {
				to = v
			}
		}
		for v := from; v <= to; v += step {
			add(v)
		}
	}
	return nil
}

func parseValue(s string, lo, hi int, names map[string]int) (int, error) {
	if v, ok := names[strings.ToUpper(s)]; ok {
		return v, nil
	}
	v, err := strconv.Atoi(s)
	if err != nil || v < lo || v > hi {
		return 0, fmt.Errorf("%q is not a value from %d to %d", s, lo, hi)
	}
	return v, nil
}

// first is the first opening after anchor; windows that closed before from
// (each lasts at most a day) are skipped.
func (c *cron) first(anchor, from time.Time) (time.Time, bool) {
	if skip := from.Add(-24 * time.Hour); skip.After(anchor) {
		anchor = skip
	}
	return c.next(anchor)
}

// length is a window's default length: an hour for a schedule in hours
// (more than one hour a day), the rest of the day otherwise.
func (c *cron) length() time.Duration {
	if bits.OnesCount64(c.hours) > 1 {
		return time.Hour
	}
	return 24 * time.Hour
}

// next finds the first matching minute after t, searching up to 5 years.
func (c *cron) next(after time.Time) (time.Time, bool) {
	t := after.UTC().Truncate(time.Minute).Add(time.Minute)
	day := time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, time.UTC)
	for i := 0; i < 5*366; i++ {
		d := day.AddDate(0, 0, i)
		if !c.dayMatches(d) {
			continue
		}
		for h := 0; h < 24; h++ {
			if c.hours&(1<<uint(h)) == 0 {
				continue
			}
			for m := 0; m < 60; m++ {
				if c.minutes&(1<<uint(m)) == 0 {
					continue
				}
				cand := d.Add(time.Duration(h)*time.Hour + time.Duration(m)*time.Minute)
				if !cand.Before(t) {
					return cand, true
				}
			}
		}
	}
	return time.Time{}, false
}

func (c *cron) dayMatches(d time.Time) bool {
	if c.years != nil && !c.years[d.Year()] {
		return false
	}
	if c.months&(1<<uint(d.Month())) == 0 {
		return false
	}
	wd := int(d.Weekday()) + 1 // AWS counts Sunday as 1
	switch {
	case c.lastDOM:
		return d.AddDate(0, 0, 1).Month() != d.Month()
	case !c.anyDOM:
		return c.dom&(1<<uint(d.Day())) != 0
	case len(c.nthDOW) > 0:
		for _, n := range c.nthDOW {
			if n.weekday == wd && (d.Day()-1)/7+1 == n.n {
				return true
			}
		}
		return false
	default:
		return c.dow&(1<<uint(wd)) != 0
	}
}
