package dbclient

import (
	"context"
	"database/sql/driver"
	"errors"
	"fmt"
	"io"
	"net"
	"sync"

	"github.com/go-sql-driver/mysql"
)

// connector opens every connection of a pool (or the one of a login) with
// the target's TLS rules, AWS's templates' rules for the ssl key:
//
//	TLSRequired   TLS, or fail
//	TLSOff        plain text, or fail (saying when the server wants TLS)
//	TLSPreferred  TLS when offered; plain text when not offered or when the
//	              TLS handshake fails, on a second connection
//
// Each attempt gets a driver connector of its own: the driver changes its
// configuration when it falls back to plain text, and the attempt's dial
// and TLS handshake report what they saw into it.
type connector struct {
	dial DialFunc
	t    Target

	mu   sync.Mutex
	last Security // of the last connection opened
}

func newConnector(dial DialFunc, t Target) *connector {
	if dial == nil {
		var d net.Dialer
		dial = d.DialContext
	}
	return &connector{dial: wrapDirectDial(dial, t), t: t}
}

func (c *connector) Driver() driver.Driver { return &mysql.MySQLDriver{} }

func (c *connector) Connect(ctx context.Context) (driver.Conn, error) {
	conn, sec, err := c.connect(ctx)
	if err != nil {
		return nil, err
	}
	c.mu.Lock()
	c.last = sec
	c.mu.Unlock()
	return conn, nil
}

func (c *connector) lastSecurity() Security {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.last
}

// connect opens one connection by the rules above.
func (c *connector) connect(ctx context.Context) (driver.Conn, Security, error) {
	switch c.t.TLS {
	case TLSOff:
		conn, a, err := c.attempt(ctx, false, false)
		if err != nil {
			return nil, Security{}, c.plainRefused(ctx, err, true)
		}
		return conn, a.security(c.t), nil
	case TLSRequired:
		conn, a, err := c.attempt(ctx, true, false)
		if err != nil {
			return nil, Security{}, err
		}
		return conn, a.security(c.t), nil
	}
	conn, a, err := c.attempt(ctx, true, true)
	if err == nil {
		return conn, a.security(c.t), nil
	}
	if !a.failedAtTLS(err) {
		return nil, Security{}, err
	}
	tlsErr := err
	conn, a, err = c.attempt(ctx, false, false)
	if err != nil {
		// The TLS failure is what to fix; no login over TLS is tried to
		// explain the plain-text refusal, since TLS just failed.
		if ce := classifyTLS(tlsErr); ce != nil {
			tlsErr = ce
		}
		return nil, Security{}, fmt.Errorf("%w; then without TLS: %w", tlsErr, c.plainRefused(ctx, err, false))
	}
	sec := a.security(c.t)
	sec.FellBack = tlsErr
	return conn, sec, nil
}

// attempt makes one connection, with TLS when useTLS (falling back to plain
// text inside the same connection when the server offers none and fallback
// allows it).
func (c *connector) attempt(ctx context.Context, useTLS, fallback bool) (driver.Conn, *attempt, error) {
	a := &attempt{}
	cfg := mysql.NewConfig()
	cfg.Net, cfg.Addr = "tcp", c.t.Addr()
	cfg.User, cfg.Passwd, cfg.DBName = c.t.User, c.t.Password, c.t.Database
	cfg.Timeout = dialTimeout
	cfg.ParseTime = true
	// The driver otherwise prints connection trouble to stderr, over the TUI;
	// the errors still reach the caller.
	cfg.Logger = &mysql.NopLogger{}
	cfg.DialFunc = func(ctx context.Context, network, addr string) (net.Conn, error) {
		conn, err := c.dial(ctx, network, addr)
		_, a.tunnelled = conn.(*tunnelConn)
		return conn, err
	}
	if useTLS {
		cfg.TLS = tlsConfig(c.t, a)
		cfg.AllowFallbackToPlaintext = fallback
	}
	mc, err := mysql.NewConnector(cfg)
	if err != nil {
		return nil, a, &Error{Hop: HopDatabase, What: "bad connection settings", Err: err}
	}
	conn, err := mc.Connect(ctx)
	return conn, a, err
}

// failedAtTLS says the attempt's TLS handshake failed (the certificate did
// not verify, or the server broke off the handshake), as opposed to the
// connection or the login failing: only then do the templates' rules try
// plain text.
func (a *attempt) failedAtTLS(err error) bool {
	return a.verifyErr != nil || isHandshakeRefusal(err)
}

// plainRefused explains a plain-text login the server refused. MySQL says
// when it requires TLS (3159). MariaDB under require_secure_transport, and
// both servers for a user created REQUIRE SSL, answer as for a wrong
// password (1045, measured on MariaDB 10.11): when probe allows, a login
// over TLS then tells the two apart, and asks the server which it was.
func (c *connector) plainRefused(ctx context.Context, err error, probe bool) error {
	var me *mysql.MySQLError
	if !errors.As(err, &me) {
		return err
	}
	switch me.Number {
	case erSecureTransport:
		return &TLSRequiredError{Number: me.Number, ServerWide: true, User: c.t.User}
	case erAccessDenied:
		if !probe {
			break
		}
		if tr := c.confirmTLSRequired(ctx, me.Number); tr != nil {
			return tr
		}
	}
	return err
}

// confirmTLSRequired logs in over TLS; if that works, the plain-text refusal
// was about TLS, and the server says whether require_secure_transport is on.
func (c *connector) confirmTLSRequired(ctx context.Context, number uint16) *TLSRequiredError {
	conn, _, err := c.attempt(ctx, true, false)
	if err != nil {
		return nil // no TLS either: the refusal stands as it is
	}
	defer conn.Close()
	tr := &TLSRequiredError{Number: number, User: c.t.User}
	q, ok := conn.(driver.QueryerContext)
	if !ok {
		return tr
	}
	rows, err := q.QueryContext(ctx, "SELECT @@require_secure_transport, VERSION()", nil)
	if err != nil {
		return tr // a server without the variable: the user requires TLS
	}
	defer rows.Close()
	row := make([]driver.Value, 2)
	if err := rows.Next(row); err != nil && err != io.EOF {
		return tr
	}
	tr.ServerWide = isOn(row[0])
	if v, ok := row[1].([]byte); ok {
		tr.Server = string(v)
	}
	return tr
}

// isOn reads a boolean server variable as the driver returns it: 1, or ON.
func isOn(v driver.Value) bool {
	switch v := v.(type) {
	case int64:
		return v != 0
	case []byte:
		return string(v) == "1" || string(v) == "ON"
	}
	return false
}
