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
// only way in is a Unix socket in a 0700 directory under the state directory.
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
	p, err := mariadbd.Start(ctx, mariadbd.Options{
		Dir: dir, RootPassword: rand.Text(), Setup: append(setup, sampleSchema(o.DBName)...), SocketDir: sockDir,
	})
	if err != nil {
		os.RemoveAll(dir)
		return nil, fmt.Errorf("database: engine %q: %w", EngineMariaDB, err)
	}
	return &Server{
		dial:   p.Dial,
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
