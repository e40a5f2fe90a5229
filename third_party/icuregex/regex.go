// Package regex stands in for github.com/dolthub/go-icu-regex, which go-mysql-server calls
// for REGEXP, RLIKE and the REGEXP_* functions. That module runs ICU compiled to WebAssembly
// and compiles it when the program loads, which cost every start of rotation-tutor about a
// quarter of a second whether or not a query ever used a regular expression. This one offers
// the same API over Go's regexp package, so it costs nothing until a pattern is compiled.
//
// Patterns therefore follow RE2 syntax rather than ICU's: no back-references, look-around,
// possessive quantifiers or atomic groups (a pattern using them is refused with an error that
// says so), and "\n" is the only line end, as with MySQL's 'u' flag. Positions follow the
// original's conventions, which are MySQL's: they count characters (not bytes) from 1, except
// the start of Matches, which counts from 0.
package regex

import (
	"context"

	"gopkg.in/src-d/go-errors.v1"
)

// Regex is one compiled pattern and the text it searches. It is meant for one goroutine.
type Regex interface {
	// SetRegexString compiles pattern with flags; it must succeed before any other call.
	SetRegexString(ctx context.Context, pattern string, flags RegexFlags) error
	// SetMatchString sets the text that the calls below search.
	SetMatchString(ctx context.Context, text string) error
	// IndexOf finds the occurrence-th match (counting from 1; less than 1 means 1) at or after
	// character position start (from 1) and returns where it begins, or where it ends when
	// endIndex is set, counting from 1; 0 when there is no such match.
	IndexOf(ctx context.Context, start, occurrence int, endIndex bool) (int, error)
	// Matches reports whether there is an occurrence-th match at or after start, which here
	// counts from 0.
	Matches(ctx context.Context, start, occurrence int) (bool, error)
	// Replace returns the text with the replacement written over the occurrence-th match at
	// or after position start, or over every such match when occurrence is 0. "$n" and
	// "${name}" in the replacement insert a group of the match; a backslash makes the next
	// character literal.
	Replace(ctx context.Context, replacement string, start, occurrence int) (string, error)
	// Substring returns the occurrence-th match at or after position start, and false when
	// there is none.
	Substring(ctx context.Context, start, occurrence int) (string, bool, error)
	// Close forgets the pattern and the text. Calling it again does nothing.
	Close() error
}

// RegexFlags change how a pattern matches; combine them with |. The values are ICU's.
type RegexFlags uint32

const (
	RegexFlags_None RegexFlags = 0
	// RegexFlags_Unix_Lines makes "\n" the only line end for ".", "^" and "$". Go's regexp
	// never knows another, so the flag is accepted and changes nothing.
	RegexFlags_Unix_Lines RegexFlags = 1
	// RegexFlags_Case_Insensitive ignores case (Unicode simple case folding).
	RegexFlags_Case_Insensitive RegexFlags = 2
	// RegexFlags_Multiline lets "^" and "$" match at line ends inside the text too.
	RegexFlags_Multiline RegexFlags = 8
	// RegexFlags_Dot_All lets "." match a line end.
	RegexFlags_Dot_All RegexFlags = 32
)

var (
	// ErrInvalidRegex is returned for a pattern that does not compile, with the reason.
	ErrInvalidRegex = errors.NewKind("invalid regular expression: %s")
	// ErrRegexNotYetSet is returned when a call needs a pattern and SetRegexString has not succeeded.
	ErrRegexNotYetSet = errors.NewKind("no regular expression: SetRegexString must succeed first")
	// ErrMatchNotYetSet is returned when a call needs a text and SetMatchString has not been called.
	ErrMatchNotYetSet = errors.NewKind("no text to search: SetMatchString must be called first")
	// ErrIndexOutOfBounds is returned for a start position outside the text, as MySQL does.
	ErrIndexOutOfBounds = errors.NewKind("Index out of bounds for regular expression search: position %d, text of %d characters.")
	// ErrInvalidReplacement is returned for a replacement that refers to a group wrongly.
	ErrInvalidReplacement = errors.NewKind("invalid replacement %q: %s")
)

// CreateRegex returns a Regex with no pattern yet. The original sized ICU's string buffers
// with stringBufferInBytes; Go's regexp needs none, so it is ignored.
func CreateRegex(stringBufferInBytes uint32) Regex {
	return &goRegex{}
}

// SetRegexLeakHandler is kept for the API's sake. The original calls the handler when a
// Regex holding WebAssembly memory is garbage-collected without Close; a Regex here holds
// only Go memory, so an unclosed one leaks nothing and the handler is never called.
func SetRegexLeakHandler(handler func()) {}

type goRegex struct {
	pattern *pattern // nil until SetRegexString succeeds, and after Close
	text    string
	hasText bool
}

func (r *goRegex) SetRegexString(_ context.Context, expr string, flags RegexFlags) error {
	// A new pattern starts afresh, as with ICU, where the text belongs to the compiled pattern.
	r.Close()
	p, err := compile(expr, flags)
	if err != nil {
		return err
	}
	r.pattern = p
	return nil
}

func (r *goRegex) SetMatchString(_ context.Context, text string) error {
	if r.pattern == nil {
		return ErrRegexNotYetSet.New()
	}
	r.text, r.hasText = text, true
	return nil
}

func (r *goRegex) IndexOf(_ context.Context, start, occurrence int, endIndex bool) (int, error) {
	loc, err := r.nth(start-1, occurrence)
	if err != nil || loc == nil {
		return 0, err
	}
	at := loc[0]
	if endIndex {
		at = loc[1]
	}
	return charCount(r.text[:at]) + 1, nil
}

func (r *goRegex) Matches(_ context.Context, start, occurrence int) (bool, error) {
	loc, err := r.nth(start, occurrence)
	return loc != nil, err
}

func (r *goRegex) Substring(_ context.Context, start, occurrence int) (string, bool, error) {
	loc, err := r.nth(start-1, occurrence)
	if err != nil || loc == nil {
		return "", false, err
	}
	return r.text[loc[0]:loc[1]], true, nil
}

func (r *goRegex) Replace(_ context.Context, replacement string, start, occurrence int) (string, error) {
	from, err := r.searchFrom(start - 1)
	if err != nil {
		return "", err
	}
	// Checked before searching, so that a wrong replacement fails on every row, not only on
	// the rows that happen to match.
	tmpl, err := parseReplacement(replacement, r.pattern)
	if err != nil {
		return "", err
	}
	if occurrence < 0 {
		occurrence = 1 // as ICU and MySQL: a negative occurrence is the first
	}
	var out []byte
	copied, seen, replaced := 0, 0, false
	for loc := range r.pattern.matches(r.text, from) {
		seen++
		if occurrence > 0 && seen < occurrence {
			continue
		}
		out = append(out, r.text[copied:loc[0]]...)
		out = tmpl.expand(out, r.text, loc)
		copied, replaced = loc[1], true
		if occurrence > 0 {
			break
		}
	}
	if !replaced {
		return r.text, nil
	}
	return string(append(out, r.text[copied:]...)), nil
}

func (r *goRegex) Close() error {
	*r = goRegex{}
	return nil
}

// nth returns the byte offsets of the occurrence-th match at or after 0-based character
// position start, and of its groups; nil when there is none.
func (r *goRegex) nth(start, occurrence int) ([]int, error) {
	from, err := r.searchFrom(start)
	if err != nil {
		return nil, err
	}
	seen := 0
	for loc := range r.pattern.matches(r.text, from) {
		if seen++; seen >= occurrence {
			return loc, nil
		}
	}
	return nil, nil
}

// searchFrom checks that a search can run and turns its 0-based character position into a
// byte offset. One past the last character is inside: an empty match can be found there.
func (r *goRegex) searchFrom(start int) (int, error) {
	if r.pattern == nil {
		return 0, ErrRegexNotYetSet.New()
	}
	if !r.hasText {
		return 0, ErrMatchNotYetSet.New()
	}
	from, ok := byteOffset(r.text, start)
	if !ok {
		return 0, ErrIndexOutOfBounds.New(start+1, charCount(r.text))
	}
	return from, nil
}
