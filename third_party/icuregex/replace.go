package regex

import (
	"fmt"
	"strconv"
	"unicode/utf8"
)

// replacement is REGEXP_REPLACE's replacement string, parsed by ICU's rules (which MySQL
// follows): "$n" inserts group n, taking as many digits as still name a group of the pattern
// ("$10" is group 1 then "0" when there are fewer than ten groups); "${name}" inserts a named
// group; a backslash makes the next character literal, except that "\uhhhh" and "\Uhhhhhhhh"
// write that code point; a backslash at the very end is dropped.
type replacement []replacementPart

// replacementPart is literal text, or a group of the match when group >= 0.
type replacementPart struct {
	literal string
	group   int
}

func parseReplacement(s string, p *pattern) (replacement, error) {
	var parts replacement
	var lit []byte
	flush := func() {
		if len(lit) > 0 {
			parts = append(parts, replacementPart{literal: string(lit), group: -1})
			lit = nil
		}
	}
	groups := p.fromStart.NumSubexp()
	for i := 0; i < len(s); {
		switch s[i] {
		case '\\':
			i++
			if i == len(s) {
				continue // a backslash at the end is dropped
			}
			if r, n, ok := codePointEscape(s[i:]); ok {
				lit = utf8.AppendRune(lit, r)
				i += n
				continue
			}
			_, size := utf8.DecodeRuneInString(s[i:])
			lit = append(lit, s[i:i+size]...)
			i += size
		case '$':
			n, size, err := groupReference(s[i+1:], p, groups)
			if err != nil {
				return nil, ErrInvalidReplacement.New(s, err.Error())
			}
			flush()
			parts = append(parts, replacementPart{group: n})
			i += 1 + size
		default:
			lit = append(lit, s[i])
			i++
		}
	}
	flush()
	return parts, nil
}

// codePointEscape reads "uhhhh" or "Uhhhhhhhh" (what follows a backslash) and returns the
// code point and how many bytes it took; ok is false when s is not such an escape.
func codePointEscape(s string) (r rune, size int, ok bool) {
	digits := 0
	switch {
	case s[0] == 'u':
		digits = 4
	case s[0] == 'U':
		digits = 8
	default:
		return 0, 0, false
	}
	if len(s) < 1+digits {
		return 0, 0, false
	}
	v, err := strconv.ParseUint(s[1:1+digits], 16, 32)
	if err != nil || v > utf8.MaxRune {
		return 0, 0, false
	}
	return rune(v), 1 + digits, true
}

// groupReference reads what follows a "$": a group number or "{name}". It returns the group
// and how many bytes it took.
func groupReference(s string, p *pattern, groups int) (n, size int, err error) {
	if s != "" && s[0] == '{' {
		end := 1
		for end < len(s) && isNameByte(s[end]) {
			end++
		}
		if end == len(s) || s[end] != '}' || end == 1 {
			return 0, 0, fmt.Errorf("${ must be followed by a group name and }")
		}
		name := s[1:end]
		if n = p.fromStart.SubexpIndex(name); n < 0 {
			return 0, 0, fmt.Errorf("the pattern has no group named %q", name)
		}
		return n, end + 1, nil
	}
	for size < len(s) && s[size] >= '0' && s[size] <= '9' {
		next := n*10 + int(s[size]-'0')
		if next > groups {
			break
		}
		n, size = next, size+1
	}
	switch {
	case size > 0:
		return n, size, nil
	case s != "" && s[0] >= '0' && s[0] <= '9':
		return 0, 0, fmt.Errorf("$%c refers to a group the pattern does not have (it has %d)", s[0], groups)
	default:
		return 0, 0, fmt.Errorf(`$ must be followed by a group number or {name}; write \$ for a dollar sign`)
	}
}

func isNameByte(c byte) bool {
	return c == '_' || c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z'
}

// expand appends the replacement for one match to out. A group that took no part in the
// match inserts nothing.
func (r replacement) expand(out []byte, text string, loc []int) []byte {
	for _, part := range r {
		if part.group < 0 {
			out = append(out, part.literal...)
			continue
		}
		if start := loc[2*part.group]; start >= 0 {
			out = append(out, text[start:loc[2*part.group+1]]...)
		}
	}
	return out
}
