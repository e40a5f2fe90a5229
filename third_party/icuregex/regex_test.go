package regex

import (
	"context"
	"strings"
	"testing"
)

var ctx = context.Background()

// compiled returns a Regex with pattern and text set, failing the test if either is refused.
func compiled(t *testing.T, pattern string, flags RegexFlags, text string) Regex {
	t.Helper()
	re := CreateRegex(1024)
	t.Cleanup(func() { re.Close() })
	if err := re.SetRegexString(ctx, pattern, flags); err != nil {
		t.Fatalf("SetRegexString(%q): %v", pattern, err)
	}
	if err := re.SetMatchString(ctx, text); err != nil {
		t.Fatalf("SetMatchString(%q): %v", text, err)
	}
	return re
}

func TestIndexOfCountsCharactersFromOne(t *testing.T) {
	for _, tc := range []struct {
		text, pattern     string
		start, occurrence int
		end               bool
		want              int
	}{
		{"dog cat dog", "dog", 1, 1, false, 1},
		{"dog cat dog", "dog", 1, 1, true, 4},
		{"dog cat dog", "dog", 2, 1, false, 9},
		{"dog cat dog", "dog", 1, 2, false, 9},
		{"dog cat dog", "dog", 1, 3, false, 0},
		{"dog cat dog", "dog", 1, 0, false, 1},  // less than 1 is the first
		{"dog cat dog", "dog", 1, -1, false, 1}, // as MySQL
		{"dog cat dog", "doggo", 1, 1, false, 0},
		{"aa aaa aaaa", "a{4}", 1, 1, false, 8},
		{"aaaa", "aa", 2, 1, false, 2}, // a match may start inside where an earlier one would have been
		{"ñandú ñu", "ñu", 1, 1, false, 7},
		{"ñandú ñu", "ñu", 1, 1, true, 9},
		{"日本語のテキスト", "テ", 3, 1, false, 5},
		{"abc", "$", 4, 1, false, 4}, // one past the end is a position too
	} {
		re := compiled(t, tc.pattern, RegexFlags_None, tc.text)
		got, err := re.IndexOf(ctx, tc.start, tc.occurrence, tc.end)
		if err != nil || got != tc.want {
			t.Errorf("IndexOf(%q in %q, start %d, occurrence %d, end %v) = %d, %v; want %d",
				tc.pattern, tc.text, tc.start, tc.occurrence, tc.end, got, err, tc.want)
		}
	}
}

// A search that starts inside the text still sees the character before it, as ICU's
// find(start) does: "^" does not match there, and "\b" looks at that character.
func TestSearchFromAPositionSeesTheCharacterBefore(t *testing.T) {
	for _, tc := range []struct {
		text, pattern string
		flags         RegexFlags
		start, want   int
	}{
		{"aXa", "^a", RegexFlags_None, 2, 0},
		{"aXa", "^a", RegexFlags_None, 1, 1},
		{"x\nab", "^a", RegexFlags_Multiline, 2, 3},
		{"xab", "^a", RegexFlags_Multiline, 2, 0},
		{"cat concat", `\bcat`, RegexFlags_None, 2, 0},
		{"cat concat", `\Bcat`, RegexFlags_None, 2, 8},
		{"cat cat", `\bcat`, RegexFlags_None, 4, 5},
		{"über über", `\bü`, RegexFlags_None, 2, 0}, // RE2's \b is ASCII: ü is not a word character
	} {
		re := compiled(t, tc.pattern, tc.flags, tc.text)
		got, err := re.IndexOf(ctx, tc.start, 1, false)
		if err != nil || got != tc.want {
			t.Errorf("IndexOf(%q in %q from %d) = %d, %v; want %d", tc.pattern, tc.text, tc.start, got, err, tc.want)
		}
	}
}

func TestFlags(t *testing.T) {
	for _, tc := range []struct {
		text, pattern string
		flags         RegexFlags
		want          bool
	}{
		{"testing", "TESTING", RegexFlags_None, false},
		{"testing", "TESTING", RegexFlags_Case_Insensitive, true},
		{"ÉTÉ", "été", RegexFlags_Case_Insensitive, true},
		{"one\ntwo", "^two$", RegexFlags_None, false},
		{"one\ntwo", "^two$", RegexFlags_Multiline, true},
		{"one\ntwo", "one.two", RegexFlags_None, false},
		{"one\ntwo", "one.two", RegexFlags_Dot_All, true},
		{"one\ntwo", "one.two", RegexFlags_Unix_Lines, false},
		{"ONE\nTWO", "^one.two$", RegexFlags_Case_Insensitive | RegexFlags_Multiline | RegexFlags_Dot_All | RegexFlags_Unix_Lines, true},
		{"one\ntwo", "(?s)one.two", RegexFlags_None, true}, // inline flags work as in ICU
	} {
		re := compiled(t, tc.pattern, tc.flags, tc.text)
		got, err := re.Matches(ctx, 0, 0)
		if err != nil || got != tc.want {
			t.Errorf("Matches(%q in %q, flags %d) = %v, %v; want %v", tc.pattern, tc.text, tc.flags, got, err, tc.want)
		}
	}
}

// Matches's start counts from 0, as in the original: REGEXP_LIKE passes 0.
func TestMatchesStartsFromZero(t *testing.T) {
	re := compiled(t, "a", RegexFlags_None, "ab")
	for start, want := range []bool{true, false, false} {
		if got, err := re.Matches(ctx, start, 1); err != nil || got != want {
			t.Errorf("Matches(start %d) = %v, %v; want %v", start, got, err, want)
		}
	}
	if got, _ := re.Matches(ctx, 0, 2); got {
		t.Error("Matches(occurrence 2) of one match = true")
	}
}

func TestSubstring(t *testing.T) {
	for _, tc := range []struct {
		text, pattern     string
		start, occurrence int
		want              string
		found             bool
	}{
		{"abc def ghi", "[a-z]+", 1, 1, "abc", true},
		{"abc def ghi", "[a-z]+", 1, 3, "ghi", true},
		{"abc def ghi", "[a-z]+", 2, 2, "def", true},
		{"abc def ghi", "[j-z]+", 1, 1, "", false},
		{"prix: 12€, 7€", `\d+€`, 1, 2, "7€", true},
		{"abc", "x*", 1, 1, "", true}, // an empty match is a match
	} {
		re := compiled(t, tc.pattern, RegexFlags_None, tc.text)
		got, found, err := re.Substring(ctx, tc.start, tc.occurrence)
		if err != nil || got != tc.want || found != tc.found {
			t.Errorf("Substring(%q in %q, %d, %d) = %q, %v, %v; want %q, %v", tc.pattern, tc.text, tc.start, tc.occurrence, got, found, err, tc.want, tc.found)
		}
	}
}

func TestReplace(t *testing.T) {
	for _, tc := range []struct {
		text, pattern, replacement string
		start, occurrence          int
		want                       string
	}{
		{"0123456789", "[0-4]", "X", 1, 0, "XXXXX56789"},
		{"0123456789", "[0-4]", "X", 2, 0, "0XXXX56789"},
		{"0123456789", "[0-4]", "X", 2, 2, "01X3456789"},
		{"0123456789", "[0-4]", "X", 1, -1, "X123456789"},
		{"0123456789", "[0-4]", "X", 1, 9, "0123456789"}, // no ninth match: unchanged
		{"abc", "z", "X", 1, 0, "abc"},
		{"abc", "b*", "X", 1, 0, "XaXXcX"}, // ICU: an empty match may follow a longer one
		{"ab", "", "-", 1, 0, "-a-b-"},
		{"ñandú ñu", "ñ", "n", 2, 0, "ñandú nu"},
		{"John Smith", `(\w+) (\w+)`, "$2, $1", 1, 0, "Smith, John"},
		{"John Smith", `(?P<first>\w+) (?P<last>\w+)`, "${last} ${first}", 1, 0, "Smith John"},
		{"abc", "(b)", "[$10]", 1, 0, "a[b0]c"}, // only one group: $1 then "0"
		{"abc", "(b)", `\$1 \\ \x`, 1, 0, `a$1 \ xc`},
		{"abc", "(b)", `<\u00e9\U0001F600\u12>`, 1, 0, "a<é😀u12>c"},
		{"abc", "(x)?b", "[$1]", 1, 0, "a[]c"}, // a group that took no part inserts nothing
		{"abc", "b", `x\`, 1, 0, "axc"},        // a trailing backslash is dropped
	} {
		re := compiled(t, tc.pattern, RegexFlags_None, tc.text)
		got, err := re.Replace(ctx, tc.replacement, tc.start, tc.occurrence)
		if err != nil || got != tc.want {
			t.Errorf("Replace(%q in %q by %q, %d, %d) = %q, %v; want %q", tc.pattern, tc.text, tc.replacement, tc.start, tc.occurrence, got, err, tc.want)
		}
	}
}

func TestReplaceRefusesAWrongGroupReference(t *testing.T) {
	for _, tc := range []struct{ replacement, says string }{
		{"$", `write \$ for a dollar sign`},
		{"costs $x", `write \$ for a dollar sign`},
		{"$2", "$2 refers to a group the pattern does not have (it has 1)"},
		{"${nope}", `no group named "nope"`},
		{"${", "${ must be followed by a group name and }"},
		{"${}", "${ must be followed by a group name and }"},
	} {
		re := compiled(t, "(b)", RegexFlags_None, "xyz") // no match: refused all the same
		_, err := re.Replace(ctx, tc.replacement, 1, 0)
		if !ErrInvalidReplacement.Is(err) || !strings.Contains(err.Error(), tc.says) {
			t.Errorf("Replace(%q) error = %v; want ErrInvalidReplacement saying %q", tc.replacement, err, tc.says)
		}
	}
}

func TestAPositionOutsideTheTextIsAnError(t *testing.T) {
	re := compiled(t, "a", RegexFlags_None, "añb")
	for _, start := range []int{0, -3, 5} {
		if _, err := re.IndexOf(ctx, start, 1, false); !ErrIndexOutOfBounds.Is(err) {
			t.Errorf("IndexOf(start %d) error = %v; want ErrIndexOutOfBounds", start, err)
		}
		if _, _, err := re.Substring(ctx, start, 1); !ErrIndexOutOfBounds.Is(err) {
			t.Errorf("Substring(start %d) error = %v; want ErrIndexOutOfBounds", start, err)
		}
		if _, err := re.Replace(ctx, "x", start, 0); !ErrIndexOutOfBounds.Is(err) {
			t.Errorf("Replace(start %d) error = %v; want ErrIndexOutOfBounds", start, err)
		}
	}
	if _, err := re.Matches(ctx, 4, 1); !ErrIndexOutOfBounds.Is(err) {
		t.Errorf("Matches(start 4) error = %v; want ErrIndexOutOfBounds", err)
	}
	// The text has three characters (four bytes): position 4 is its end, and valid.
	if got, err := re.IndexOf(ctx, 4, 1, false); err != nil || got != 0 {
		t.Errorf("IndexOf(start 4) = %d, %v; want 0, nil", got, err)
	}
}

func TestUnsupportedPatternsAreRefusedWithTheReason(t *testing.T) {
	for _, tc := range []struct{ pattern, says string }{
		{`(a)\1`, "invalid escape sequence: `\\1` (REGEXP here uses RE2 syntax"},
		{`foo(?=bar)`, "invalid or unsupported Perl syntax: `(?=` (REGEXP here uses RE2 syntax"},
		{`(?<!a)b`, "invalid named capture: `(?<!a)b` (REGEXP here uses RE2 syntax"},
		{`a++`, "invalid nested repetition operator: `++` (REGEXP here uses RE2 syntax"},
		{`(abc`, "missing closing ): `(abc`"},
		{`a)|(b`, "unexpected ): `a)|(b`"},
		{`[z-a]`, "invalid character class range: `z-a`"},
	} {
		re := CreateRegex(0)
		err := re.SetRegexString(ctx, tc.pattern, RegexFlags_Case_Insensitive)
		if !ErrInvalidRegex.Is(err) || !strings.Contains(err.Error(), tc.says) {
			t.Errorf("SetRegexString(%q) error = %v; want ErrInvalidRegex saying %q", tc.pattern, err, tc.says)
		}
		if err := re.SetMatchString(ctx, "abc"); !ErrRegexNotYetSet.Is(err) {
			t.Errorf("after a refused pattern, SetMatchString error = %v; want ErrRegexNotYetSet", err)
		}
	}
	if err := CreateRegex(0).SetRegexString(ctx, "a", 4); !ErrInvalidRegex.Is(err) {
		t.Errorf("an ICU flag this module lacks (comments, 4): error = %v; want ErrInvalidRegex", err)
	}
}

func TestCallsOutOfOrderAndAfterClose(t *testing.T) {
	re := CreateRegex(0)
	if _, err := re.IndexOf(ctx, 1, 1, false); !ErrRegexNotYetSet.Is(err) {
		t.Errorf("IndexOf before SetRegexString: %v; want ErrRegexNotYetSet", err)
	}
	if err := re.SetRegexString(ctx, "a", RegexFlags_None); err != nil {
		t.Fatal(err)
	}
	if _, err := re.Matches(ctx, 0, 0); !ErrMatchNotYetSet.Is(err) {
		t.Errorf("Matches before SetMatchString: %v; want ErrMatchNotYetSet", err)
	}
	if err := re.SetMatchString(ctx, "a"); err != nil {
		t.Fatal(err)
	}
	// A new pattern forgets the text, which belonged to the old one.
	if err := re.SetRegexString(ctx, "b", RegexFlags_None); err != nil {
		t.Fatal(err)
	}
	if _, err := re.Replace(ctx, "x", 1, 0); !ErrMatchNotYetSet.Is(err) {
		t.Errorf("Replace after a new pattern: %v; want ErrMatchNotYetSet", err)
	}
	if err := re.Close(); err != nil {
		t.Fatal(err)
	}
	if err := re.Close(); err != nil {
		t.Errorf("second Close: %v", err)
	}
	if _, _, err := re.Substring(ctx, 1, 1); !ErrRegexNotYetSet.Is(err) {
		t.Errorf("Substring after Close: %v; want ErrRegexNotYetSet", err)
	}
}
