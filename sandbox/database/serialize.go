package database

import (
	"context"
	"strings"
	"sync"

	"github.com/dolthub/vitess/go/mysql"
	"github.com/dolthub/vitess/go/sqltypes"
	querypb "github.com/dolthub/vitess/go/vt/proto/query"
)

// serializeWith runs one statement at a time, with a password rule checked before each.
// GMS's memory backend silently loses writes made by concurrent connections (about half of
// them, measured) and has no transactions; one lock around each statement fixes that. A slow
// statement makes the others wait, which is fine for a tutorial's database.
func serializeWith(rejected func() string) func(mysql.Handler) (mysql.Handler, error) {
	return func(h mysql.Handler) (mysql.Handler, error) {
		return &serialHandler{Handler: h, rejected: rejected}, nil
	}
}

type serialHandler struct {
	mysql.Handler
	mu       sync.Mutex
	rejected func() string // characters refused in a password; nil: none
}

func (s *serialHandler) ComQuery(ctx context.Context, c *mysql.Conn, query string, cb mysql.ResultSpoolFn) error {
	if err := s.checkPassword(query); err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.Handler.ComQuery(ctx, c, query, cb)
}

// checkPassword refuses a statement that sets a password holding a refused character, with
// the error MySQL's password validation gives.
func (s *serialHandler) checkPassword(query string) error {
	if s.rejected == nil {
		return nil
	}
	bad := s.rejected()
	if bad == "" {
		return nil
	}
	upper := strings.ToUpper(query)
	i := strings.Index(upper, "IDENTIFIED BY ")
	if i < 0 || !strings.HasPrefix(strings.TrimSpace(upper), "ALTER USER") && !strings.HasPrefix(strings.TrimSpace(upper), "CREATE USER") {
		return nil
	}
	if pw, ok := unquote(query[i+len("IDENTIFIED BY "):]); ok && strings.ContainsAny(pw, bad) {
		return mysql.NewSQLError(erNotValidPassword, mysql.SSUnknownSQLState, "Your password does not satisfy the current policy requirements")
	}
	return nil
}

// erNotValidPassword is MySQL's ER_NOT_VALID_PASSWORD.
const erNotValidPassword = 1819

// unquote reads the single-quoted string literal at the start of s.
func unquote(s string) (string, bool) {
	s = strings.TrimSpace(s)
	if !strings.HasPrefix(s, "'") {
		return "", false
	}
	var b strings.Builder
	for i := 1; i < len(s); i++ {
		switch c := s[i]; {
		case c == '\\' && i+1 < len(s):
			i++
			b.WriteByte(s[i])
		case c == '\'' && i+1 < len(s) && s[i+1] == '\'':
			i++
			b.WriteByte('\'')
		case c == '\'':
			return b.String(), true
		default:
			b.WriteByte(c)
		}
	}
	return "", false
}

func (s *serialHandler) ComMultiQuery(ctx context.Context, c *mysql.Conn, query string, cb mysql.ResultSpoolFn) (string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.Handler.ComMultiQuery(ctx, c, query, cb)
}

func (s *serialHandler) ComPrepare(ctx context.Context, c *mysql.Conn, query string, p *mysql.PrepareData) ([]*querypb.Field, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.Handler.ComPrepare(ctx, c, query, p)
}

func (s *serialHandler) ComStmtExecute(ctx context.Context, c *mysql.Conn, p *mysql.PrepareData, cb func(*sqltypes.Result) error) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.Handler.ComStmtExecute(ctx, c, p, cb)
}
