package database

import (
	"context"
	"errors"
	"fmt"
	"net"

	"rotation-tutor/internal/certs"
)

// Engines Start knows.
const (
	EngineGMS     = "gms"
	EngineMariaDB = "mariadb"
)

// DBName is the database an engine creates, with the sample table, when
// Options.DBName is empty: the current tutorial's.
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
	// DBName is the database made with the sample table; "" means DBName.
	DBName string
	// RejectedPasswordCharacters, if set, returns characters the server refuses in a
	// password now, as an engine's password rules would (the embedded engine only): a
	// statement that sets one is answered with MySQL's error 1819.
	RejectedPasswordCharacters func() string
	// TLS, when set, is the certificate (and key) the server offers TLS
	// with, as an RDS instance does for its endpoint name; nil offers none.
	TLS *certs.Server
	// RequireSecureTransport refuses logins that are not over TLS, with the
	// error the engine's real server gives (MySQL's 3159, MariaDB's 1045),
	// as require_secure_transport=ON does on RDS for MySQL 9.7 and RDS for
	// MariaDB 11.8. It needs TLS.
	RequireSecureTransport bool
	// RequireSecureTransportNow, if set, replaces RequireSecureTransport for the embedded
	// engine, which asks it at each login: the parameter can change while the server runs,
	// as RDS applies a dynamic parameter at once. A mariadbd takes RequireSecureTransport at
	// start.
	RequireSecureTransportNow func() bool
}

// Server is a running database. It has no address: nothing outside this
// process reaches it, except through Dial (the embedded engine), or a Unix
// socket in a private directory (mariadb; a loopback port when it requires
// secure transport, which MariaDB does not apply to its socket).
type Server struct {
	dial   func(ctx context.Context, network, addr string) (net.Conn, error)
	engine string
	close  func() error
}

// Start starts the database and returns once it accepts logins.
func Start(ctx context.Context, o Options) (*Server, error) {
	if o.AdminUser == "" || o.AdminPassword == "" {
		return nil, errors.New("database: admin user and password are required")
	}
	if o.DBName == "" {
		o.DBName = DBName
	}
	if o.RequireSecureTransport && o.TLS == nil {
		return nil, errors.New("database: requiring secure transport needs a TLS certificate")
	}
	switch o.Engine {
	case "", EngineGMS:
		return startGMS(ctx, o)
	case EngineMariaDB:
		return startMariaDB(ctx, o)
	}
	return nil, fmt.Errorf("database: unknown engine %q (want %q or %q)", o.Engine, EngineGMS, EngineMariaDB)
}

// Dial connects to the database, as something inside the sandbox's VPC does
// (the bastion's forward, a rotation function). It has the shape of
// dbclient.DialFunc; the network and address asked for are not needed, since
// there is only one place to go.
func (s *Server) Dial(ctx context.Context, network, addr string) (net.Conn, error) {
	return s.dial(ctx, network, addr)
}

// Engine says what runs behind Dial: "gms" or "mariadb".
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
