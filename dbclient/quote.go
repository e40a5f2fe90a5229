package dbclient

import "strings"

// QuoteString returns s as a single-quoted SQL string literal that MySQL,
// MariaDB and go-mysql-server all read back as exactly s.
//
// It escapes the backslash, the quote, NUL, CR, LF and Ctrl-Z with
// backslash escapes (as mysql_real_escape_string does) and nothing else: in
// particular never % or _, which MySQL keeps with their backslash inside a
// string literal. It assumes the server does not run with
// NO_BACKSLASH_ESCAPES, which RDS, MariaDB and go-mysql-server do not.
// A password may hold any bytes, but only valid UTF-8 reaches the server
// unchanged over a utf8mb4 connection.
func QuoteString(s string) string {
	var b strings.Builder
	b.Grow(len(s) + 2)
	b.WriteByte('\'')
	for i := 0; i < len(s); i++ {
		switch c := s[i]; c {
		case '\\':
			b.WriteString(`\\`)
		case '\'':
			b.WriteString(`\'`)
		case 0:
			b.WriteString(`\0`)
		case '\n':
			b.WriteString(`\n`)
		case '\r':
			b.WriteString(`\r`)
		case 0x1a:
			b.WriteString(`\Z`)
		default:
			b.WriteByte(c)
		}
	}
	b.WriteByte('\'')
	return b.String()
}

// QuoteIdent returns s as a backtick-quoted identifier (a database or table
// name), doubling any backtick inside. MySQL forbids NUL in identifiers; a
// name holding one is passed through and the server rejects it.
func QuoteIdent(s string) string {
	return "`" + strings.ReplaceAll(s, "`", "``") + "`"
}

// Account is 'user'@'%', the only host part the tutorial uses: the database
// sees connections coming from the bastion (or the rotation function), never
// from the learner's machine.
func Account(user string) string {
	return QuoteString(user) + "@'%'"
}
