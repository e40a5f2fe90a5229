package regex

import (
	"fmt"
	"iter"
	"regexp"
	"regexp/syntax"
	"unicode/utf8"
)

// pattern is a compiled regular expression that can start a search anywhere in a text and
// still see the character before the start, as ICU's find(start) does: whether "^", "\b" or
// "\B" holds at the start position depends on that character. Go's regexp only searches from
// the beginning of a string, and slicing the text would make every start a beginning.
type pattern struct {
	fromStart *regexp.Regexp
	// afterStart is `\A(?s:.)(?s:.)*?(` + the pattern + `)`, run on the text from one
	// character before the start: that character is context, the lazy loop skips forward
	// as an unanchored search does, and group 1 is the match.
	afterStart *regexp.Regexp
}

const knownFlags = RegexFlags_Unix_Lines | RegexFlags_Case_Insensitive | RegexFlags_Multiline | RegexFlags_Dot_All

func compile(expr string, flags RegexFlags) (*pattern, error) {
	if unknown := flags &^ knownFlags; unknown != 0 {
		return nil, ErrInvalidRegex.New(fmt.Sprintf("unsupported flags %#x", uint32(unknown)))
	}
	// Parsed alone first, so that the error names the pattern as written, and so that the
	// wrapping below cannot give meaning to an unbalanced pattern such as "a)|(b".
	if _, err := syntax.Parse(expr, syntax.Perl); err != nil {
		return nil, ErrInvalidRegex.New(describe(err))
	}
	withFlags := goFlags(flags) + expr
	fromStart, err := regexp.Compile(withFlags)
	if err != nil {
		return nil, ErrInvalidRegex.New(describe(err))
	}
	afterStart, err := regexp.Compile(`\A(?s:.)(?s:.)*?(` + withFlags + `)`)
	if err != nil {
		return nil, ErrInvalidRegex.New(describe(err))
	}
	return &pattern{fromStart: fromStart, afterStart: afterStart}, nil
}

// goFlags writes ICU's flags as Go's inline flags. Unix lines needs none: "\n" is the only
// line end Go's regexp knows.
func goFlags(flags RegexFlags) string {
	var f string
	if flags&RegexFlags_Case_Insensitive != 0 {
		f += "i"
	}
	if flags&RegexFlags_Multiline != 0 {
		f += "m"
	}
	if flags&RegexFlags_Dot_All != 0 {
		f += "s"
	}
	if f == "" {
		return ""
	}
	return "(?" + f + ")"
}

// describe drops the "error parsing regexp:" that Go puts before each parse error, and says
// why ICU syntax that RE2 lacks is refused.
func describe(err error) string {
	se, ok := err.(*syntax.Error)
	if !ok {
		return err.Error()
	}
	msg := string(se.Code) + ": `" + se.Expr + "`"
	switch se.Code {
	case syntax.ErrInvalidEscape, syntax.ErrInvalidPerlOp, syntax.ErrInvalidRepeatOp, syntax.ErrInvalidNamedCapture:
		msg += " (REGEXP here uses RE2 syntax: no back-references, look-around, atomic groups or possessive quantifiers)"
	}
	return msg
}

// find returns the leftmost match that starts at or after byte offset from, as byte offsets
// into text of the match and of each group (-1 for a group that took no part), or nil.
func (p *pattern) find(text string, from int) []int {
	if from == 0 {
		return p.fromStart.FindStringSubmatchIndex(text)
	}
	_, size := utf8.DecodeLastRuneInString(text[:from])
	context := from - size
	loc := p.afterStart.FindStringSubmatchIndex(text[context:])
	if loc == nil {
		return nil
	}
	loc = loc[2:] // group 1 of the wrapper is the match
	for i := range loc {
		if loc[i] >= 0 {
			loc[i] += context
		}
	}
	return loc
}

// matches yields the matches at or after byte offset from, in the order ICU's findNext finds
// them: each search starts where the last match ended, or one character further after an
// empty match, so an empty match may directly follow a longer one (Go's FindAll skips it).
func (p *pattern) matches(text string, from int) iter.Seq[[]int] {
	return func(yield func([]int) bool) {
		for from <= len(text) {
			loc := p.find(text, from)
			if loc == nil || !yield(loc) {
				return
			}
			from = loc[1]
			if loc[0] == loc[1] {
				if from == len(text) {
					return
				}
				_, size := utf8.DecodeRuneInString(text[from:])
				from += size
			}
		}
	}
}

// byteOffset returns where the character at 0-based index chars starts in text; the index
// one past the last character is the text's end.
func byteOffset(text string, chars int) (int, bool) {
	if chars < 0 {
		return 0, false
	}
	for i := range text {
		if chars == 0 {
			return i, true
		}
		chars--
	}
	return len(text), chars == 0
}

func charCount(s string) int { return utf8.RuneCountInString(s) }
