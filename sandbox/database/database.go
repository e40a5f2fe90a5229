package database

import (
	"context"
	"errors"
	"fmt"
)

// Engines Start knows.
const (
	EngineGMS     = "gms"
	EngineMariaDB = "mariadb"
)

// DBName is the database every engine creates, with the sample table.
const DBName = "tutorial"

// Options configure Start.
type Options struct {
	// StateDir keeps users, grants and passwords across restarts (GMS). Empty
	// means nothing is kept.
	StateDir string
	// AdminUser and AdminPassword are the RDS-style master user, created as
	// AdminUser@'%' with every privilege WITH GRANT OPTION. The caller keeps
	// the password only in the admin secret; Start sets it on every start so
	// that the secret stays the source of truth.
	AdminUser, AdminPassword string
	// Engine is "" or "gms" (in-process) or "mariadb" (a mariadbd child).
	Engine string
}

// Server is a running database.
type Server struct {
	addr   string
	engine string
	close  func() error
}

// Start starts the database and returns once it accepts logins.
func Start(ctx context.Context, o Options) (*Server, error) {
	if o.AdminUser == "" || o.AdminPassword == "" {
		return nil, errors.New("database: admin user and password are required")
	}
	switch o.Engine {
	case "", EngineGMS:
		return startGMS(ctx, o)
	case EngineMariaDB:
		return startMariaDB(ctx, o)
	}
	return nil, fmt.Errorf("database: unknown engine %q (want %q or %q)", o.Engine, EngineGMS, EngineMariaDB)
}

// Addr is the loopback address the server listens on, 127.0.0.1:port.
func (s *Server) Addr() string { return s.addr }

// Engine says what runs behind Addr: "gms" or "mariadb".
func (s *Server) Engine() string { return s.engine }

// Close stops the server; no goroutine or child process is left. It is safe
// to call more than once.
func (s *Server) Close() error {
	if s.close == nil {
		return nil
	}
	c := s.close
	s.close = nil
	return c()
}
