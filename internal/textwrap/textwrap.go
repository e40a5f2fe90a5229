// Package textwrap lays words out in lines of a given width, for values and commands that
// must be read whole on a narrow screen: a line breaks only between words, and a word wider
// than a line is cut where it reads best (after a ':', '/' or ','), never dropped.
package textwrap

import (
	"strings"

	"github.com/charmbracelet/x/ansi"
)

// Indent starts every line that continues the one before it.
const Indent = "  "

// Lay puts words on lines of at most width columns, separated by one space. A line that the
// next one continues ends with cont ("" for none; " \\" for a shell), which counts in the
// width; continuation lines start with Indent.
func Lay(words []string, width int, cont string) string {
	width = max(width, 20)
	var out []string
	line, lead := "", ""
	for i, word := range words {
		switch {
		case i == 0:
			line = word
		case ansi.StringWidth(line)+1+ansi.StringWidth(word)+len(cont) <= width:
			line += " " + word
		default:
			out = append(out, line+cont)
			line, lead = Indent+word, Indent
		}
		for ansi.StringWidth(line) > width { // one word wider than a line
			head, rest := cut(line, width, len(lead))
			out = append(out, head)
			line, lead = Indent+rest, Indent
		}
	}
	return strings.Join(append(out, line), "\n")
}

// Spaces lays out each line of s with its words split at each space.
func Spaces(s string, width int) string {
	lines := strings.Split(s, "\n")
	for i, l := range lines {
		lines[i] = Lay(strings.Split(l, " "), width, "")
	}
	return strings.Join(lines, "\n")
}

// cut splits a line that is too wide after the last ':', '/' or ',' that fits (where an ARN
// or a URL breaks naturally), or at the width when there is none past the indent.
func cut(line string, width, indent int) (head, rest string) {
	at, w := -1, 0
	for i, r := range line {
		w += ansi.StringWidth(string(r))
		if w > width {
			break
		}
		if (r == ':' || r == '/' || r == ',') && i >= indent {
			at = i + len(string(r))
		}
	}
	if at < 0 {
		return ansi.Truncate(line, width, ""), ansi.Cut(line, width, ansi.StringWidth(line))
	}
	return line[:at], line[at:]
}
