package database

import (
	"context"
	"crypto/rand"
	"fmt"
	"os"
	"path/filepath"

	"rotation-tutor/dbclient"
	"rotation-tutor/sandbox/database/mariadbd"
)

// startMariaDB runs a real mariadbd with a throwaway data directory: the same
// admin user and tutorial database as the built-in engine, nothing kept
// across restarts. Its root password is random and never shown; the admin
// user is the instance's master user, as on RDS. It opens no TCP port: its
// only way in is a Unix socket in a 0700 directory under the state directory,
// unless it must refuse plain text (RequireSecureTransport): then a loopback
// port is its way in, where MariaDB applies require_secure_transport.
func startMariaDB(ctx context.Context, o Options) (*Server, error) {
	if err := mariadbd.Installed(); err != nil {
		return nil, fmt.Errorf("database: engine %q: %w", EngineMariaDB, err)
	}
	dir, err := os.MkdirTemp("", "rotation-tutor-mariadb-")
	if err != nil {
		return nil, fmt.Errorf("database: engine %q: %w", EngineMariaDB, err)
	}
	admin := dbclient.QuoteString(o.AdminUser) + "@'%'"
	setup := []string{
		"CREATE USER " + admin + " IDENTIFIED BY " + dbclient.QuoteString(o.AdminPassword),
		"GRANT ALL PRIVILEGES ON *.* TO " + admin + " WITH GRANT OPTION",
	}
	sockDir := filepath.Join(dir, "socket")
	if o.StateDir != "" {
		sockDir = filepath.Join(o.StateDir, "mariadb-socket")
	}
	args, err := mariadbTLSArgs(dir, o)
	if err != nil {
		os.RemoveAll(dir)
		return nil, fmt.Errorf("database: engine %q: %w", EngineMariaDB, err)
	}
	p, err := mariadbd.Start(ctx, mariadbd.Options{
		Dir: dir, RootPassword: rand.Text(), Setup: append(setup, sampleSchema(o.DBName)...), SocketDir: sockDir,
		Args: args, LoopbackPort: o.RequireSecureTransport,
	})
	if err != nil {
		os.RemoveAll(dir)
		return nil, fmt.Errorf("database: engine %q: %w", EngineMariaDB, err)
	}
	dial := p.Dial
	if o.RequireSecureTransport {
		// Through the socket MariaDB would let plain text in: it counts a Unix socket as
		// secure transport. Its loopback port is where it refuses it.
		dial = p.DialTCP
	}
	return &Server{
		dial:   dial,
		engine: EngineMariaDB,
		close: func() error {
			err := p.Close()
			if rerr := os.RemoveAll(dir); err == nil {
				err = rerr
			}
			return err
		},
	}, nil
}

// mariadbTLSArgs are the server options for o's TLS: the certificate and its key written
// into dir (the server's own temporary directory, 0700, removed when it stops), and
// require_secure_transport.
func mariadbTLSArgs(dir string, o Options) ([]string, error) {
	if o.TLS == nil {
		return nil, nil
	}
	cert, key := filepath.Join(dir, "server-cert.pem"), filepath.Join(dir, "server-key.pem")
	for file, data := range map[string][]byte{cert: o.TLS.CertPEM, key: o.TLS.KeyPEM} {
		if err := os.WriteFile(file, data, 0o600); err != nil {
			return nil, fmt.Errorf("write the server's certificate: %w", err)
		}
	}
	args := []string{"--ssl-cert=" + cert, "--ssl-key=" + key}
	if o.RequireSecureTransport {
		args = append(args, "--require-secure-transport=ON")
	}
	return args, nil
}
