package shell

import (
	"strings"

	"rotation-tutor/internal/textwrap"
)

// Wrap breaks a command into lines of at most width columns for a screen, so that the lines
// still paste into a shell as the same command: a line breaks only at a space that the shell
// reads as a word separator (never inside quotes), ends with " \" and the next is indented.
// A word wider than a line cannot break that way; it is cut where it reads best, and that one
// command no longer pastes as shown (copy it whole instead).
func Wrap(cmd string, width int) string {
	lines := strings.Split(cmd, "\n")
	for i, l := range lines {
		lines[i] = textwrap.Lay(words(l), width, " \\")
	}
	return strings.Join(lines, "\n")
}

// words splits a command at the spaces the shell reads as separators: not inside single or
// double quotes, not escaped, at any depth of $( … ). Runs of such spaces count as one.
func words(cmd string) []string {
	const (
		bare   = iota // unquoted: the command itself, or inside $( … )
		single        // inside '…'
		double        // inside "…"
	)
	stack := []int{bare}
	var out []string
	start := 0
	for i := 0; i < len(cmd); i++ {
		top := stack[len(stack)-1]
		c := cmd[i]
		switch {
		case top == single:
			if c == '\'' {
				stack = stack[:len(stack)-1]
			}
		case c == '\\':
			i++ // the next byte is escaped
		case c == '$' && i+1 < len(cmd) && cmd[i+1] == '(':
			stack = append(stack, bare)
			i++
		case top == double:
			if c == '"' {
				stack = stack[:len(stack)-1]
			}
		case c == '\'':
			stack = append(stack, single)
		case c == '"':
			stack = append(stack, double)
		case c == ')' && len(stack) > 1:
			stack = stack[:len(stack)-1]
		case c == ' ':
			if i > start {
				out = append(out, cmd[start:i])
			}
			start = i + 1
		}
	}
	if start < len(cmd) {
		out = append(out, cmd[start:])
	}
	return out
}
