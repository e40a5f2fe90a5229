// Package textwrap lays words out in lines of a given width, for values and commands that
// must be read whole on a narrow screen: a line breaks only at a space between words, and a
// word wider than a line is cut where it reads best (after a ':', '/' or ','), never dropped.
package textwrap

import (
	"strings"

	"github.com/charmbracelet/x/ansi"
)

// Indent starts every line that continues the one before it, where nothing forbids it.
const Indent = "  "

// A Word follows a space. When the line breaks at that space, the line ends with End and the
// next begins with Start: for plain text "" and Indent; a shell needs more (see shell.Wrap).
type Word struct {
	Text       string
	End, Start string
}

// Lay puts words on lines of at most width columns, separated by one space. whole is false
// when a word wider than a line had to be cut.
func Lay(words []Word, width int) (text string, whole bool) {
	width = max(width, 20)
	reserve := 0 // the widest ending a line may need, kept free on every line
	for _, w := range words {
		reserve = max(reserve, ansi.StringWidth(w.End))
	}
	var out []string
	line, lead, whole := "", 0, true
	for i, w := range words {
		switch {
		case i == 0:
			line = w.Text
		case ansi.StringWidth(line)+1+ansi.StringWidth(w.Text)+reserve <= width:
			line += " " + w.Text
		default:
			out = append(out, line+w.End)
			line, lead = w.Start+w.Text, len(w.Start)
		}
		limit := width - reserve // room for the ending the next break may add
		if i == len(words)-1 {
			limit = width
		}
		for ansi.StringWidth(line) > limit { // one word wider than a line
			whole = false
			head, rest := cut(line, limit, lead)
			out = append(out, head)
			line, lead = Indent+rest, len(Indent)
		}
	}
	return strings.Join(append(out, line), "\n"), whole
}

// Words lays out each line of s with its words split at each space, and continuation lines
// not indented: for values (host names, ARNs) set beside a label or in a box.
func Words(s string, width int) string { return lay(s, width, "") }

// Spaces lays out each line of s with its words split at each space, continuation lines
// indented.
func Spaces(s string, width int) string { return lay(s, width, Indent) }

func lay(s string, width int, indent string) string {
	lines := strings.Split(s, "\n")
	for i, l := range lines {
		var words []Word
		for _, t := range strings.Split(l, " ") {
			words = append(words, Word{Text: t, Start: indent})
		}
		lines[i], _ = Lay(words, width)
	}
	return strings.Join(lines, "\n")
}

// cut splits a line that is too wide after the last ':', '/' or ',' that fits (where an ARN
// or a URL breaks naturally), or at the width when there is none past the lead.
func cut(line string, width, lead int) (head, rest string) {
	at, w := -1, 0
	for i, r := range line {
		w += ansi.StringWidth(string(r))
		if w > width {
			break
		}
		if (r == ':' || r == '/' || r == ',') && i >= lead {
			at = i + len(string(r))
		}
	}
	if at < 0 {
		return ansi.Truncate(line, width, ""), ansi.Cut(line, width, ansi.StringWidth(line))
	}
	return line[:at], line[at:]
}
