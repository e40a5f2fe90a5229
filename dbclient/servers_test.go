package dbclient_test

import (
	"context"
	"database/sql"
	"net"
	"strconv"
	"testing"

	"rotation-tutor/dbclient"
	"rotation-tutor/internal/testenv"
	"rotation-tutor/sandbox/database"
)

// server is a database the admin SQL is proven against.
type server struct {
	name      string
	addr      string
	dial      dbclient.DialFunc // nil: TCP to addr; the embedded database has no address
	adminUser string
	adminPW   string
}

func (s server) target(user, pw string) dbclient.Target {
	host, port, _ := net.SplitHostPort(s.addr)
	p, _ := strconv.Atoi(port)
	return dbclient.Target{Host: host, Port: p, User: user, Password: pw}
}

func (s server) admin(t testing.TB) *sql.DB {
	t.Helper()
	db, err := dbclient.Open(context.Background(), s.dial, s.target(s.adminUser, s.adminPW))
	if err != nil {
		t.Fatalf("%s admin: %v", s.name, err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

func startGMS(t testing.TB) server {
	t.Helper()
	db, err := database.Start(context.Background(), database.Options{StateDir: t.TempDir(), AdminUser: "admin", AdminPassword: "admin-pw"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return server{name: "gms", addr: "db.internal:3306", dial: db.Dial, adminUser: "admin", adminPW: "admin-pw"}
}

// servers runs f against go-mysql-server and, unless -short, a real MariaDB.
func servers(t *testing.T, f func(t *testing.T, s server)) {
	t.Run("gms", func(t *testing.T) { f(t, startGMS(t)) })
	if testing.Short() {
		return
	}
	t.Run("mariadb", func(t *testing.T) {
		m := testenv.StartMariaDB(t)
		s := server{name: "mariadb", addr: m.Addr, adminUser: "root", adminPW: m.RootPassword}
		for _, q := range []string{
			"CREATE DATABASE IF NOT EXISTS tutorial",
			"CREATE TABLE IF NOT EXISTS tutorial.items (id INT PRIMARY KEY, name VARCHAR(40))",
		} {
			if _, err := s.admin(t).Exec(q); err != nil {
				t.Fatal(err)
			}
		}
		f(t, s)
	})
}
