package iampolicy

import (
	"fmt"
	"net/netip"
	"strconv"
	"strings"
	"time"
)

// setQualifier is how a condition treats a key with several values.
type setQualifier int

const (
	single    setQualifier = iota
	anyValue               // ForAnyValue: some value of the request's matches
	allValues              // ForAllValues: every value of the request's matches
)

// operator is a parsed condition operator.
type operator struct {
	set      setQualifier
	base     string // canonical name, e.g. "StringEquals"
	ifExists bool
}

// baseOperators are the operators supported, by lower-case name; negated ones hold when
// no policy value matches.
var baseOperators = func() map[string]string {
	m := map[string]string{}
	for _, name := range []string{
		"StringEquals", "StringNotEquals", "StringEqualsIgnoreCase", "StringNotEqualsIgnoreCase",
		"StringLike", "StringNotLike",
		"NumericEquals", "NumericNotEquals", "NumericLessThan", "NumericLessThanEquals",
		"NumericGreaterThan", "NumericGreaterThanEquals",
		"DateEquals", "DateNotEquals", "DateLessThan", "DateLessThanEquals",
		"DateGreaterThan", "DateGreaterThanEquals",
		"Bool", "BinaryEquals", "IpAddress", "NotIpAddress",
		"ArnEquals", "ArnLike", "ArnNotEquals", "ArnNotLike", "Null",
	} {
		m[strings.ToLower(name)] = name
	}
	return m
}()

func parseOperator(name string) (operator, error) {
	var op operator
	rest := name
	if q, r, ok := strings.Cut(rest, ":"); ok {
		switch strings.ToLower(q) {
		case "foranyvalue":
			op.set = anyValue
		case "forallvalues":
			op.set = allValues
		default:
			return op, fmt.Errorf("%q is not a condition operator: the only qualifiers are ForAnyValue: and ForAllValues:", name)
		}
		rest = r
	}
	lower := strings.ToLower(rest)
	if base, ok := strings.CutSuffix(lower, "ifexists"); ok && base != "" {
		op.ifExists = true
		lower = base
	}
	base, ok := baseOperators[lower]
	if !ok {
		return op, fmt.Errorf("%q is not a condition operator (for example StringEquals, StringLike, ArnLike, Bool, IpAddress, Null)", name)
	}
	if base == "Null" && (op.ifExists || op.set != single) {
		return op, fmt.Errorf("%q: Null takes neither IfExists nor a set qualifier", name)
	}
	op.base = base
	return op, nil
}

func (op operator) negated() bool {
	switch op.base {
	case "StringNotEquals", "StringNotEqualsIgnoreCase", "StringNotLike", "NumericNotEquals",
		"DateNotEquals", "NotIpAddress", "ArnNotEquals", "ArnNotLike":
		return true
	}
	return false
}

// holds evaluates the condition against the request's keys (lower-case names). As AWS
// does: a key the request lacks makes a condition false, except a negated one (true), one
// with IfExists (true), ForAllValues (true) and Null (which tests exactly that).
func (c *Condition) holds(ctx map[string][]string) bool {
	vals := ctx[strings.ToLower(c.Key)]
	if c.op.base == "Null" {
		for _, v := range c.Values {
			if strings.EqualFold(v, "true") == (len(vals) == 0) {
				return true
			}
		}
		return false
	}
	if len(vals) == 0 {
		return c.op.set == allValues || (c.op.set == single && (c.op.ifExists || c.op.negated()))
	}
	// test is the condition for one request value: it matches one of the policy's values,
	// or, negated, none of them.
	test := func(v string) bool {
		for _, pv := range c.Values {
			if c.op.matches(v, pv) {
				return !c.op.negated()
			}
		}
		return c.op.negated()
	}
	switch c.op.set {
	case allValues:
		for _, v := range vals {
			if !test(v) {
				return false
			}
		}
		return true
	default:
		// A single-valued key has one value; ForAnyValue needs one that passes.
		for _, v := range vals {
			if test(v) {
				return true
			}
		}
		return false
	}
}

// matches compares one request value with one policy value in the positive sense of the
// operator (StringNotEquals compares as StringEquals; holds negates).
func (op operator) matches(req, pol string) bool {
	switch op.base {
	case "StringEquals", "StringNotEquals":
		return req == pol
	case "StringEqualsIgnoreCase", "StringNotEqualsIgnoreCase":
		return strings.EqualFold(req, pol)
	case "StringLike", "StringNotLike":
		return glob(pol, req, false)
	case "ArnEquals", "ArnLike", "ArnNotEquals", "ArnNotLike":
		return arnLike(pol, req)
	case "Bool":
		return strings.EqualFold(req, pol)
	case "BinaryEquals":
		return req == pol
	case "IpAddress", "NotIpAddress":
		return inPrefix(req, pol)
	}
	if name, ok := strings.CutPrefix(op.base, "Numeric"); ok {
		a, err1 := strconv.ParseFloat(req, 64)
		b, err2 := strconv.ParseFloat(pol, 64)
		return err1 == nil && err2 == nil && compare(name, cmpFloat(a, b))
	}
	if name, ok := strings.CutPrefix(op.base, "Date"); ok {
		a, ok1 := parseDate(req)
		b, ok2 := parseDate(pol)
		return ok1 && ok2 && compare(name, a.Compare(b))
	}
	return false
}

func cmpFloat(a, b float64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// compare applies a Numeric or Date operator's comparison (the name without its prefix).
func compare(name string, c int) bool {
	switch name {
	case "Equals", "NotEquals":
		return c == 0
	case "LessThan":
		return c < 0
	case "LessThanEquals":
		return c <= 0
	case "GreaterThan":
		return c > 0
	case "GreaterThanEquals":
		return c >= 0
	}
	return false
}

// parseDate reads a date as the policy language takes them: ISO 8601 or epoch seconds.
func parseDate(s string) (time.Time, bool) {
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02T15:04:05Z0700", "2006-01-02"} {
		if t, err := time.Parse(layout, s); err == nil {
			return t, true
		}
	}
	if n, err := strconv.ParseInt(s, 10, 64); err == nil {
		return time.Unix(n, 0), true
	}
	return time.Time{}, false
}

// inPrefix reports whether the address ip lies in cidr (or is the address cidr names).
func inPrefix(ip, cidr string) bool {
	addr, err := netip.ParseAddr(ip)
	if err != nil {
		return false
	}
	if p, err := netip.ParsePrefix(cidr); err == nil {
		return p.Contains(addr.Unmap())
	}
	a, err := netip.ParseAddr(cidr)
	return err == nil && a.Unmap() == addr.Unmap()
}

// arnLike matches an ARN against a pattern component by component (partition, service,
// region, account, resource), each with the * and ? wildcards, as ArnLike does.
func arnLike(pattern, arn string) bool {
	if pattern == "*" {
		return true
	}
	pp := strings.SplitN(pattern, ":", 6)
	ap := strings.SplitN(arn, ":", 6)
	if len(pp) != 6 || len(ap) != 6 {
		return false
	}
	for i := range pp {
		if !glob(pp[i], ap[i], false) {
			return false
		}
	}
	return true
}

// glob matches s against pattern, where * matches any run of characters and ? any one;
// fold makes the match case-insensitive.
func glob(pattern, s string, fold bool) bool {
	if fold {
		pattern, s = strings.ToLower(pattern), strings.ToLower(s)
	}
	p, t := []rune(pattern), []rune(s)
	// The usual linear matcher: on a mismatch, go back to just after the last *.
	pi, ti, star, mark := 0, 0, -1, 0
	for ti < len(t) {
		switch {
		case pi < len(p) && (p[pi] == '?' || p[pi] == t[ti]):
			pi++
			ti++
		case pi < len(p) && p[pi] == '*':
			star, mark = pi, ti
			pi++
		case star >= 0:
			pi = star + 1
			mark++
			ti = mark
		default:
			return false
		}
	}
	for pi < len(p) && p[pi] == '*' {
		pi++
	}
	return pi == len(p)
}
