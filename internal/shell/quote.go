// Package shell builds the text of commands a person pastes into a POSIX shell.
package shell

import "strings"

// Quote returns s as one shell word: as it is when every character is safe unquoted
// (paths, ARNs, host names, flags), else in single quotes.
func Quote(s string) string {
	if s != "" && strings.IndexFunc(s, func(r rune) bool { return !safe(r) }) < 0 {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

// safe are the characters no POSIX shell gives a meaning to outside quotes.
func safe(r rune) bool {
	return r >= '0' && r <= '9' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' ||
		strings.ContainsRune("/.-_+:=,@%", r)
}
