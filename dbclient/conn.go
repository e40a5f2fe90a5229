package dbclient

import (
	"context"
	"crypto/tls"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"io"
	"net"
	"strconv"
	"time"

	"github.com/go-sql-driver/mysql"
)

// DialFunc opens a connection to addr (host:port): Tunnel.DialContext through
// a bastion, or a net.Dialer's DialContext for a direct path.
type DialFunc func(ctx context.Context, network, addr string) (net.Conn, error)

// Target is a database login.
type Target struct {
	Host     string
	Port     int
	User     string
	Password string
	Database string // optional
	// TLS, when set, encrypts the MySQL session itself (RDS with
	// require_secure_transport). nil is plain MySQL: through a tunnel the SSH
	// connection already encrypts it.
	TLS *tls.Config
}

// Addr is host:port, with 3306 when Port is 0.
func (t Target) Addr() string {
	p := t.Port
	if p == 0 {
		p = 3306
	}
	return net.JoinHostPort(t.Host, strconv.Itoa(p))
}

// String names the login without its password.
func (t Target) String() string { return t.User + "@" + t.Addr() }

// dialTimeout bounds a connection attempt when the caller's ctx has no deadline.
const dialTimeout = 15 * time.Second

func connector(dial DialFunc, t Target) (driver.Connector, error) {
	cfg := mysql.NewConfig()
	cfg.Net, cfg.Addr = "tcp", t.Addr()
	cfg.User, cfg.Passwd, cfg.DBName = t.User, t.Password, t.Database
	cfg.TLS = t.TLS
	cfg.Timeout = dialTimeout
	cfg.ParseTime = true
	// The driver otherwise prints connection trouble to stderr, over the TUI;
	// the errors still reach the caller.
	cfg.Logger = &mysql.NopLogger{}
	if dial == nil {
		var d net.Dialer
		dial = d.DialContext
	}
	cfg.DialFunc = wrapDirectDial(dial, t)
	return mysql.NewConnector(cfg)
}

// wrapDirectDial gives plain dial errors the database-tcp hop. A tunnel's
// errors are already *Error with their own hop and pass through.
func wrapDirectDial(dial DialFunc, t Target) DialFunc {
	return func(ctx context.Context, network, addr string) (net.Conn, error) {
		c, err := dial(ctx, network, addr)
		if err == nil {
			return c, nil
		}
		var e *Error
		if errors.As(err, &e) {
			return nil, err
		}
		if ce := classifyNet(err, HopDatabaseTCP, HopDatabaseTCP, "the database at "+t.Addr()); ce != nil {
			return nil, ce
		}
		return nil, &Error{Hop: HopDatabaseTCP, What: "cannot connect to the database at " + t.Addr(),
			Fix: "Check the host and port.", Err: err}
	}
}

// Open returns a connection pool whose every connection is dialled with dial,
// after checking that t can log in (a ping). Errors are *Error.
func Open(ctx context.Context, dial DialFunc, t Target) (*sql.DB, error) {
	c, err := connector(dial, t)
	if err != nil {
		return nil, &Error{Hop: HopDatabase, What: "bad connection settings", Err: err}
	}
	db := sql.OpenDB(c)
	if err := db.PingContext(ctx); err != nil {
		db.Close()
		return nil, loginError(t, err)
	}
	return db, nil
}

// Login checks that t can log in, on one fresh connection that is closed
// afterwards: connect, SELECT 1, close. No pool, so nothing stays open and a
// changed password is noticed at once.
func Login(ctx context.Context, dial DialFunc, t Target) error {
	c, err := connector(dial, t)
	if err != nil {
		return &Error{Hop: HopDatabase, What: "bad connection settings", Err: err}
	}
	conn, err := c.Connect(ctx)
	if err != nil {
		return loginError(t, err)
	}
	defer conn.Close()
	q, ok := conn.(driver.QueryerContext)
	if !ok {
		return &Error{Hop: HopDatabase, What: "the MySQL driver cannot run queries", Err: errors.ErrUnsupported}
	}
	rows, err := q.QueryContext(ctx, "SELECT 1", nil)
	if err != nil {
		return loginError(t, err)
	}
	defer rows.Close()
	dest := make([]driver.Value, len(rows.Columns()))
	if err := rows.Next(dest); err != nil && err != io.EOF {
		return loginError(t, err)
	}
	return nil
}

// loginError names the login (never its password) and gives err its hop.
func loginError(t Target, err error) error {
	var e *Error
	switch {
	case errors.As(err, &e): // from the dial: the tunnel or wrapDirectDial
	case errors.Is(err, mysql.ErrInvalidConn), errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF):
		err = &Error{Hop: HopDatabase, What: "the connection closed during the MySQL login",
			Fix: "Check that the port is a MySQL server's (3306) and that the server is up.", Err: err}
	case classifyMySQL(err) != nil:
		err = classifyMySQL(err)
	case errors.Is(err, context.DeadlineExceeded), errors.Is(err, context.Canceled):
		err = &Error{Hop: HopDatabase, What: "the database did not answer in time",
			Fix: "Check that the port is a MySQL server's and that it is not overloaded.", Err: err}
	}
	return fmt.Errorf("log in to %s: %w", t, err)
}
