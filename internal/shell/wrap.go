package shell

import (
	"strings"

	"rotation-tutor/internal/textwrap"
)

// Wrap breaks a command into lines of at most width columns for a screen, so that the lines
// still paste into a shell as the same command. It breaks only at spaces, each the way the
// shell reads it back:
//   - between words: the line ends with " \" and the next is indented;
//   - inside "…": the line ends with " \" (the space stays in the string, the backslash and
//     the newline vanish) and the next starts at its first column;
//   - inside '…', where a backslash is only a backslash: the quote is closed before the
//     backslash and opened again on the next line, so the two pieces join into one word.
//
// A word with no space wider than a line is cut where it reads best, and the command no
// longer pastes as shown: pasteable says so (copy it whole instead).
func Wrap(cmd string, width int) (text string, pasteable bool) {
	lines := strings.Split(cmd, "\n")
	pasteable = true
	for i, l := range lines {
		var whole bool
		lines[i], whole = textwrap.Lay(words(l), width)
		pasteable = pasteable && whole
	}
	return strings.Join(lines, "\n"), pasteable
}

// How a line breaks at a space, by where the space is.
var (
	betweenWords = textwrap.Word{End: " \\", Start: textwrap.Indent}
	inDouble     = textwrap.Word{End: " \\", Start: ""}
	inSingle     = textwrap.Word{End: " '\\", Start: "'"}
)

// words splits a command at its spaces, each word knowing how a break before it is written:
// states are tracked through single and double quotes, backslash escapes and $( … ) at any
// depth (inside $( … ) the shell reads a command of its own, even within double quotes).
// Runs of spaces between words count as one; inside quotes every space is kept.
func words(cmd string) []textwrap.Word {
	const (
		bare   = iota // unquoted: the command itself, or inside $( … )
		single        // inside '…'
		double        // inside "…"
	)
	stack := []int{bare}
	var out []textwrap.Word
	start, gap := 0, betweenWords
	emit := func(end int, next textwrap.Word) {
		if end > start || next != betweenWords {
			w := gap
			w.Text = cmd[start:end]
			out = append(out, w)
			gap = next
		}
		start = end + 1
	}
	for i := 0; i < len(cmd); i++ {
		top := stack[len(stack)-1]
		c := cmd[i]
		switch {
		case top == single:
			switch c {
			case '\'':
				stack = stack[:len(stack)-1]
			case ' ':
				emit(i, inSingle)
			}
		case c == '\\':
			i++ // the next byte is escaped
		case c == '$' && i+1 < len(cmd) && cmd[i+1] == '(':
			stack = append(stack, bare)
			i++
		case top == double:
			switch c {
			case '"':
				stack = stack[:len(stack)-1]
			case ' ':
				emit(i, inDouble)
			}
		case c == '\'':
			stack = append(stack, single)
		case c == '"':
			stack = append(stack, double)
		case c == ')' && len(stack) > 1:
			stack = stack[:len(stack)-1]
		case c == ' ':
			emit(i, betweenWords)
		}
	}
	if start < len(cmd) {
		emit(len(cmd), betweenWords)
	}
	return out
}
