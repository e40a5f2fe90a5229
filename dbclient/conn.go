package dbclient

import (
	"context"
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
	Host     string // the database's endpoint name: what the bastion resolves and the certificate names
	Port     int
	User     string
	Password string
	Database string // optional
	// TLS says whether the MySQL session itself is encrypted (RDS with
	// require_secure_transport needs it): a secret's ssl key. The zero value
	// tries TLS first, as AWS's templates do for a secret without the key.
	TLS TLSMode
	// CA verifies the server's certificate for Host. Nil: a TLS session's
	// certificate is not verified, and Security says so.
	CA *CABundle
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
	db, _, err := OpenWithSecurity(ctx, dial, t)
	return db, err
}

// OpenWithSecurity is Open, also saying how the first connection is
// protected; the pool's later connections follow the same rules.
func OpenWithSecurity(ctx context.Context, dial DialFunc, t Target) (*sql.DB, Security, error) {
	c := newConnector(dial, t)
	db := sql.OpenDB(c)
	if err := db.PingContext(ctx); err != nil {
		db.Close()
		return nil, Security{}, loginError(t, err)
	}
	return db, c.lastSecurity(), nil
}

// Login checks that t can log in, on one fresh connection that is closed
// afterwards: connect, SELECT 1, close. No pool, so nothing stays open and a
// changed password is noticed at once.
func Login(ctx context.Context, dial DialFunc, t Target) error {
	_, err := LoginWithSecurity(ctx, dial, t)
	return err
}

// LoginWithSecurity is Login, also saying how the session was protected.
func LoginWithSecurity(ctx context.Context, dial DialFunc, t Target) (Security, error) {
	return login(ctx, dial, t, selectOne)
}

// LoginPing checks that t can log in as a connection pool checks a new
// connection: the handshake, where the server checks the password (and the
// database, when t names one), then a ping, on one fresh connection closed
// afterwards. About the credentials it tells what Login tells, and spares
// the server a statement to parse, plan and run: the live screen's simulated
// clients log in this way, which a workshop server does thousands of times
// a second.
func LoginPing(ctx context.Context, dial DialFunc, t Target) error {
	_, err := login(ctx, dial, t, ping)
	return err
}

func login(ctx context.Context, dial DialFunc, t Target, check func(context.Context, driver.Conn) error) (Security, error) {
	conn, sec, err := newConnector(dial, t).connect(ctx)
	if err != nil {
		return Security{}, loginError(t, err)
	}
	defer conn.Close()
	if err := check(ctx, conn); err != nil {
		return Security{}, loginError(t, err)
	}
	return sec, nil
}

func ping(ctx context.Context, conn driver.Conn) error {
	p, ok := conn.(driver.Pinger)
	if !ok {
		return &Error{Hop: HopDatabase, What: "the MySQL driver cannot ping", Err: errors.ErrUnsupported}
	}
	return p.Ping(ctx)
}

func selectOne(ctx context.Context, conn driver.Conn) error {
	q, ok := conn.(driver.QueryerContext)
	if !ok {
		return &Error{Hop: HopDatabase, What: "the MySQL driver cannot run queries", Err: errors.ErrUnsupported}
	}
	rows, err := q.QueryContext(ctx, "SELECT 1", nil)
	if err != nil {
		return err
	}
	defer rows.Close()
	dest := make([]driver.Value, len(rows.Columns()))
	if err := rows.Next(dest); err != nil && err != io.EOF {
		return err
	}
	return nil
}

// loginError names the login (never its password) and gives err its hop.
func loginError(t Target, err error) error {
	var e *Error
	switch {
	case errors.As(err, &e): // from the dial (the tunnel or wrapDirectDial), or the TLS rules
	case classifyTLS(err) != nil:
		err = classifyTLS(err)
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
