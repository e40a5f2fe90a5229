package testenv

import (
	"context"
	"crypto/rand"
	"testing"
	"time"

	"rotation-tutor/sandbox/database/mariadbd"
)

// MariaDB is a running mariadbd. Root logs in over TCP as root@'%' (all
// privileges, WITH GRANT OPTION) with RootPassword.
type MariaDB struct {
	Addr, RootPassword string
}

// StartMariaDB starts mariadbd with a temporary data directory
// (--no-defaults, --user=root when running as root, a port from a free :0,
// its socket in a short temporary directory) and stops it in t.Cleanup.
func StartMariaDB(t testing.TB) *MariaDB {
	t.Helper()
	RequireTool(t, "/usr/sbin/mariadbd")
	RequireTool(t, mariadbd.InstallProgram)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	pw := rand.Text()
	p, err := mariadbd.Start(ctx, mariadbd.Options{Dir: t.TempDir(), RootPassword: pw})
	if err != nil {
		t.Fatalf("start mariadbd: %v", err)
	}
	t.Cleanup(func() {
		if err := p.Close(); err != nil {
			t.Errorf("stop mariadbd: %v", err)
		}
	})
	return &MariaDB{Addr: p.Addr, RootPassword: pw}
}
