package steps

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net"
	"sync"

	"rotation-tutor/dbclient"
	"rotation-tutor/rotation"
)

// adminConn is the session's way to the database: the SSH tunnel through
// the bastion and an admin session over it. The simulated clients and every
// login test dial through it too, so a reconnect never strands them on a
// closed tunnel.
type adminConn struct {
	connectMu sync.Mutex // one connect at a time: two would open two tunnels

	mu       sync.Mutex
	tunnel   *dbclient.Tunnel
	db       *sql.DB
	user     string
	security string // how the admin session is protected, as the connect step shows it
	target   string // the database and admin secret the session is for (targetOf)
	// requiresTLS is the database's require_secure_transport, as the session found it.
	requiresTLS bool
}

// targetOf names what an admin session on env is: a tutorial switched on the welcome
// screen has another database, or another admin, and needs a session of its own.
func targetOf(env *Env) string {
	return fmt.Sprintf("%s:%d %s", env.DBHost, env.DBPort, env.AdminSecretARN)
}

// openFor returns the admin session if it is open for env's database and admin.
func (c *adminConn) openFor(env *Env) (*dbclient.Tunnel, *sql.DB, string, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.tunnel, c.db, c.user, c.db != nil && c.target == targetOf(env)
}

// open returns the tunnel and the admin session, if open.
func (c *adminConn) open() (*dbclient.Tunnel, *sql.DB, string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.tunnel, c.db, c.user
}

// errNotConnected is what a dial gets before the connect step (or a
// reconnect) opened the tunnel.
var errNotConnected = errors.New("the tunnel through the bastion is not open")

// Dial opens a connection through the current tunnel; it satisfies
// dbclient.DialFunc.
func (c *adminConn) Dial(ctx context.Context, network, addr string) (net.Conn, error) {
	t, _, _ := c.open()
	if t == nil {
		return nil, errNotConnected
	}
	return t.DialContext(ctx, network, addr)
}

// ensure opens the tunnel and the admin session unless they are open.
func (c *adminConn) ensure(ctx context.Context, env *Env) (*sql.DB, error) {
	c.connectMu.Lock()
	defer c.connectMu.Unlock()
	if _, db, _, ok := c.openFor(env); ok {
		return db, nil
	}
	if _, err := c.connect(ctx, env); err != nil {
		return nil, err
	}
	_, db, _ := c.open()
	return db, nil
}

// connected says what the connect step found or opened.
type connected struct {
	Fingerprint, SSHVersion, AdminUser, ServerVersion string
	Security                                          string // how the admin session is protected (TLS or not)
	RequiresTLS                                       bool   // the database refuses plain text
	Reused                                            bool   // the tunnel was open already and still works
}

// check re-checks an open tunnel and admin session, and opens them again
// when they no longer work. It never closes a tunnel that works: the
// simulated clients may be using it.
func (c *adminConn) check(ctx context.Context, env *Env) (connected, error) {
	c.connectMu.Lock()
	defer c.connectMu.Unlock()
	if t, db, user, ok := c.openFor(env); t != nil && ok {
		if v, err := dbclient.ServerVersion(ctx, db); err == nil {
			c.mu.Lock()
			security, requiresTLS := c.security, c.requiresTLS
			c.mu.Unlock()
			return connected{Fingerprint: t.HostKeyFingerprint(), SSHVersion: t.ServerVersion(), AdminUser: user,
				ServerVersion: v, Security: security, RequiresTLS: requiresTLS, Reused: true}, nil
		}
	}
	return c.connect(ctx, env)
}

// connect opens a new tunnel and admin session and puts them in place of
// the old ones. Call it with connectMu held.
func (c *adminConn) connect(ctx context.Context, env *Env) (connected, error) {
	if err := awaitAvailable(ctx, env); err != nil {
		return connected{}, err
	}
	tun, err := dbclient.OpenTunnel(ctx, env.SSH)
	if err != nil {
		return connected{}, failFix("open the SSH tunnel through "+env.SSH.Addr, fixTunnel, err)
	}
	admin, err := readAdminSecret(ctx, env)
	if err != nil {
		tun.Close()
		return connected{}, err
	}
	db, security, err := dbclient.OpenWithSecurity(ctx, tun.DialContext, dbclient.Target{Host: env.DBHost, Port: env.DBPort,
		User: admin.Username, Password: admin.Password, Database: env.DBName, CA: env.DBCA})
	if err != nil {
		tun.Close()
		return connected{}, fail(fmt.Sprintf("log in to %s:%d as %s through the tunnel", env.DBHost, env.DBPort, admin.Username), err)
	}
	version, err := dbclient.ServerVersion(ctx, db)
	if err != nil {
		db.Close()
		tun.Close()
		return connected{}, fail("ask the database for its version", err)
	}
	// What the secrets this walkthrough stores say about TLS depends on it; a server that
	// will not say is taken not to require TLS, which a secret without an ssl key survives.
	requiresTLS, _ := dbclient.RequiresSecureTransport(ctx, db)
	c.replace(tun, db, admin.Username, security.String(), targetOf(env), requiresTLS)
	return connected{Fingerprint: tun.HostKeyFingerprint(), SSHVersion: tun.ServerVersion(), AdminUser: admin.Username,
		ServerVersion: version, Security: security.String(), RequiresTLS: requiresTLS}, nil
}

// requiresTLSFor says whether the database of env refuses plain text, as the admin session
// open for it found; false while none is open.
func (c *adminConn) requiresTLSFor(env *Env) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.db != nil && c.target == targetOf(env) && c.requiresTLS
}

func (c *adminConn) replace(t *dbclient.Tunnel, db *sql.DB, user, security, target string, requiresTLS bool) {
	c.mu.Lock()
	oldT, oldDB := c.tunnel, c.db
	c.tunnel, c.db, c.user, c.security, c.target, c.requiresTLS = t, db, user, security, target, requiresTLS
	c.mu.Unlock()
	if oldDB != nil && oldDB != db {
		oldDB.Close()
	}
	if oldT != nil && oldT != t {
		oldT.Close()
	}
}

func (c *adminConn) close() { c.replace(nil, nil, "", "", "", false) }

// readAdminSecret reads the admin user's credentials from the admin secret.
// An RDS-managed secret holds only username and password.
func readAdminSecret(ctx context.Context, env *Env) (rotation.Secret, error) {
	if env.AdminSecretARN == "" {
		return rotation.Secret{}, failFix("read the admin secret", fixNoAdminSecret, errors.New("RDS manages no secret for "+env.DBInstance+", and none was given"))
	}
	sec, _, err := readSecret(ctx, env, env.AdminSecretARN, rotation.StageCurrent, "")
	if err != nil {
		return rotation.Secret{}, failFix("read the admin secret "+env.AdminSecretARN, fixAdminSecret, err)
	}
	if len(sec.Missing("username", "password")) > 0 {
		return rotation.Secret{}, failFix("read the admin secret "+env.AdminSecretARN, fixAdminSecret,
			errors.New("its value is not JSON with a username and a password"))
	}
	return sec, nil
}
