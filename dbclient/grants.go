package dbclient

import (
	"fmt"
	"strings"
)

// RewriteGrant turns one line of SHOW GRANTS FOR from into the same grant
// for to@'%'. It reads both servers' formats:
//
//	GRANT SELECT ON `tutorial`.* TO `appuser`@`%`                         (MySQL 8, go-mysql-server)
//	GRANT USAGE ON *.* TO `appuser`@`%` IDENTIFIED BY PASSWORD '*6B…'    (MariaDB)
//	GRANT ALL PRIVILEGES ON *.* TO 'root'@'%' WITH GRANT OPTION          (older servers)
//
// Everything before TO is kept byte for byte; the grantee is replaced; an
// IDENTIFIED … clause is dropped (the clone must not get the original's
// password hash); a WITH … clause (GRANT OPTION, ADMIN OPTION, limits) is
// kept. The line is tokenised with its quotes, so a quoted name holding
// " TO " cannot mislead it, and the grantee must be from.
func RewriteGrant(line, from, to string) (string, error) {
	toks := tokenize(line)
	if len(toks) == 0 || !toks[0].is("GRANT") {
		return "", fmt.Errorf("not a GRANT statement: %q", line)
	}
	at := -1
	for i, t := range toks {
		if t.is("TO") {
			at = i
			break
		}
	}
	if at < 0 || at+1 >= len(toks) {
		return "", fmt.Errorf("no grantee in %q", line)
	}
	// The grantee: user, or user@host, written with no spaces.
	user, next := toks[at+1], at+2
	if next < len(toks) && toks[next].text == "@" && toks[next].glued {
		next++
		if next < len(toks) && toks[next].glued {
			next++
		}
	} else if strings.Contains(user.text, "@") && user.quote == 0 {
		user.text = user.text[:strings.Index(user.text, "@")]
	}
	if user.value() != from {
		return "", fmt.Errorf("grant is for %q, not %q: %q", user.value(), from, line)
	}
	// Keep the rest as written, minus an IDENTIFIED … clause, which runs
	// until the next clause keyword or the end.
	rest := ""
	if next < len(toks) {
		rest = line[toks[next].start:]
		idFrom, idTo := -1, len(line)
		for _, t := range toks[next:] {
			if idFrom < 0 && t.is("IDENTIFIED") {
				idFrom = t.start
			} else if idFrom >= 0 && (t.is("WITH") || t.is("REQUIRE") || t.is("AS")) {
				idTo = t.start
				break
			}
		}
		if idFrom >= 0 {
			rest = line[toks[next].start:idFrom] + line[idTo:]
		}
	}
	out := line[:toks[at].start] + "TO " + Account(to)
	if rest = strings.TrimSpace(rest); rest != "" {
		out += " " + rest
	}
	return out, nil
}

type token struct {
	raw   string // as written, quotes included
	text  string // raw without its quotes (escapes not decoded)
	quote byte   // ` ' " or 0
	start int    // offset in the line
	glued bool   // no space before it
}

func (t token) is(word string) bool { return t.quote == 0 && strings.EqualFold(t.text, word) }

// value decodes a quoted token: doubled quotes, and backslash escapes in
// string literals.
func (t token) value() string {
	switch t.quote {
	case '`':
		return strings.ReplaceAll(t.text, "``", "`")
	case '\'', '"':
		var b strings.Builder
		for i := 0; i < len(t.text); i++ {
			c := t.text[i]
			if c == '\\' && i+1 < len(t.text) {
				i++
				b.WriteByte(unescape(t.text[i]))
				continue
			}
			if c == t.quote && i+1 < len(t.text) && t.text[i+1] == t.quote {
				i++
			}
			b.WriteByte(c)
		}
		return b.String()
	}
	return t.text
}

func unescape(c byte) byte {
	switch c {
	case '0':
		return 0
	case 'n':
		return '\n'
	case 'r':
		return '\r'
	case 'Z':
		return 0x1a
	case 't':
		return '\t'
	case 'b':
		return '\b'
	}
	return c
}

// tokenize splits a SHOW GRANTS line into words, quoted names and single
// punctuation marks ("@", ",", ".", "(", ")"), keeping offsets.
func tokenize(s string) []token {
	var toks []token
	for i := 0; i < len(s); {
		c := s[i]
		if c == ' ' || c == '\t' || c == '\n' {
			i++
			continue
		}
		glued := i > 0 && s[i-1] != ' ' && s[i-1] != '\t' && s[i-1] != '\n'
		start := i
		switch {
		case c == '`' || c == '\'' || c == '"':
			j := i + 1
			for j < len(s) {
				if s[j] == '\\' && c != '`' {
					j += 2
					continue
				}
				if s[j] == c {
					if j+1 < len(s) && s[j+1] == c { // doubled quote
						j += 2
						continue
					}
					break
				}
				j++
			}
			end := min(j+1, len(s))
			toks = append(toks, token{raw: s[start:end], text: s[start+1 : min(j, len(s))], quote: c, start: start, glued: glued})
			i = end
		case strings.IndexByte("@,.()", c) >= 0:
			toks = append(toks, token{raw: s[i : i+1], text: s[i : i+1], start: start, glued: glued})
			i++
		default:
			j := i
			for j < len(s) && strings.IndexByte(" \t\n`'\"@,.()", s[j]) < 0 {
				j++
			}
			toks = append(toks, token{raw: s[i:j], text: s[i:j], start: start, glued: glued})
			i = j
		}
	}
	return toks
}
