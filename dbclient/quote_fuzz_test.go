package dbclient_test

import (
	"context"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/dolthub/vitess/go/vt/sqlparser"

	"rotation-tutor/dbclient"
)

// mysqlUnquote reads one single-quoted literal at the start of q the way
// MySQL's lexer does (https://dev.mysql.com/doc/refman/8.0/en/string-literals.html),
// and returns its value and what follows it.
func mysqlUnquote(q string) (val, rest string, ok bool) {
	if !strings.HasPrefix(q, "'") {
		return "", "", false
	}
	var b strings.Builder
	for i := 1; i < len(q); i++ {
		switch c := q[i]; c {
		case '\\':
			if i+1 >= len(q) {
				return "", "", false
			}
			i++
			switch e := q[i]; e {
			case '0':
				b.WriteByte(0)
			case 'b':
				b.WriteByte('\b')
			case 'n':
				b.WriteByte('\n')
			case 'r':
				b.WriteByte('\r')
			case 't':
				b.WriteByte('\t')
			case 'Z':
				b.WriteByte(0x1a)
			case '%', '_': // MySQL keeps the backslash
				b.WriteByte('\\')
				b.WriteByte(e)
			default:
				b.WriteByte(e)
			}
		case '\'':
			if i+1 < len(q) && q[i+1] == '\'' {
				b.WriteByte('\'')
				i++
				continue
			}
			return b.String(), q[i+1:], true
		default:
			b.WriteByte(c)
		}
	}
	return "", "", false
}

// FuzzQuoteString checks QuoteString against MySQL's rules for string
// literals and against go-mysql-server's own parser.
func FuzzQuoteString(f *testing.F) {
	for _, s := range hardPasswords {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		q := dbclient.QuoteString(s)
		got, rest, ok := mysqlUnquote(q)
		if !ok || rest != "" || got != s {
			t.Fatalf("MySQL reads %q as %q (rest %q, ok %v), want %q", q, got, rest, ok, s)
		}
		stmt, err := sqlparser.Parse("SELECT " + q + " AS v")
		if err != nil {
			t.Fatalf("parse SELECT %s: %v", q, err)
		}
		sel, ok := stmt.(*sqlparser.Select)
		if !ok || len(sel.SelectExprs) != 1 {
			t.Fatalf("parse SELECT %s: %T", q, stmt)
		}
		val, ok := sel.SelectExprs[0].(*sqlparser.AliasedExpr).Expr.(*sqlparser.SQLVal)
		if !ok || string(val.Val) != s {
			t.Fatalf("go-mysql-server reads %q as %v, want %q", q, sel.SelectExprs[0], s)
		}
	})
}

// FuzzPasswordRoundTrip sets each input as a real password on the embedded
// server and logs in with it. Only valid UTF-8 travels unchanged over a
// utf8mb4 connection, so other inputs are skipped.
func FuzzPasswordRoundTrip(f *testing.F) {
	for _, s := range hardPasswords {
		f.Add(s)
	}
	s := startGMS(f)
	admin := s.admin(f)
	ctx := context.Background()
	if err := dbclient.CreateUser(ctx, admin, "fuzz", "start"); err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, pw string) {
		if pw == "" || !utf8.ValidString(pw) {
			t.Skip("not a password a client can send unchanged")
		}
		if err := dbclient.SetPassword(ctx, admin, "fuzz", pw); err != nil {
			t.Fatalf("set %q: %v", pw, err)
		}
		if err := dbclient.Login(ctx, s.dial, s.target("fuzz", pw)); err != nil {
			t.Fatalf("login with %q: %v", pw, err)
		}
	})
}

func TestQuoteIdent(t *testing.T) {
	for in, want := range map[string]string{"tutorial": "`tutorial`", "a`b": "`a``b`", "": "``", "sp ace": "`sp ace`"} {
		if got := dbclient.QuoteIdent(in); got != want {
			t.Errorf("QuoteIdent(%q) = %s, want %s", in, got, want)
		}
	}
}
