package database

import (
	"context"
	"sync"

	"github.com/dolthub/vitess/go/mysql"
	"github.com/dolthub/vitess/go/sqltypes"
	querypb "github.com/dolthub/vitess/go/vt/proto/query"
)

// serialize runs one statement at a time. GMS's memory backend silently loses
// writes made by concurrent connections (about half of them, measured) and has
// no transactions; one lock around each statement fixes that. A slow statement
// makes the others wait, which is fine for a tutorial's database.
func serialize(h mysql.Handler) (mysql.Handler, error) {
	return &serialHandler{Handler: h}, nil
}

type serialHandler struct {
	mysql.Handler
	mu sync.Mutex
}

func (s *serialHandler) ComQuery(ctx context.Context, c *mysql.Conn, query string, cb mysql.ResultSpoolFn) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.Handler.ComQuery(ctx, c, query, cb)
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
