package database_test

import (
	"context"
	"database/sql"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"

	"rotation-tutor/dbclient"
	"rotation-tutor/internal/testenv"
	"rotation-tutor/sandbox/database"
	"rotation-tutor/sandbox/database/mariadbd"
)

func start(t *testing.T, o database.Options) *database.Server {
	t.Helper()
	s, err := database.Start(context.Background(), o)
	if err != nil {
		t.Fatalf("start: %v", err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// target is a login to the database by its internal name; only its Dial reaches it.
func target(user, pw string) dbclient.Target {
	return dbclient.Target{Host: "db.internal", Port: 3306, User: user, Password: pw}
}

func open(t *testing.T, s *database.Server, tg dbclient.Target) *sql.DB {
	t.Helper()
	db, err := dbclient.Open(context.Background(), s.Dial, tg)
	if err != nil {
		t.Fatalf("open as %s: %v", tg.User, err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

func engines(t *testing.T) []string {
	if testing.Short() {
		return []string{database.EngineGMS}
	}
	return []string{database.EngineGMS, database.EngineMariaDB}
}

func TestAdminAndSampleTable(t *testing.T) {
	for _, engine := range engines(t) {
		t.Run(engine, func(t *testing.T) {
			if engine == database.EngineMariaDB {
				testenv.RequireTool(t, "/usr/sbin/mariadbd")
			}
			s := start(t, database.Options{StateDir: t.TempDir(), AdminUser: "admin", AdminPassword: "s3cr'et\\%", Engine: engine})
			if s.Engine() != engine {
				t.Errorf("Engine() = %q, want %q", s.Engine(), engine)
			}
			db := open(t, s, target("admin", "s3cr'et\\%"))
			var n int
			if err := db.QueryRow("SELECT COUNT(*) FROM tutorial.items").Scan(&n); err != nil || n == 0 {
				t.Fatalf("sample table: %d rows, %v", n, err)
			}
			grants, err := dbclient.ShowGrants(context.Background(), db, "admin")
			if err != nil {
				t.Fatal(err)
			}
			if !strings.Contains(strings.Join(grants, "\n"), "WITH GRANT OPTION") {
				t.Errorf("admin grants lack WITH GRANT OPTION: %q", grants)
			}
			if err := dbclient.Login(context.Background(), s.Dial, target("admin", "wrong")); dbclient.Classify(err) == nil ||
				dbclient.Classify(err).Hop != dbclient.HopDatabaseAuth {
				t.Errorf("wrong password: %v, want a %s error", err, dbclient.HopDatabaseAuth)
			}
		})
	}
}

func TestUsersPersistAcrossRestarts(t *testing.T) {
	dir := t.TempDir()
	ctx := context.Background()
	o := database.Options{StateDir: dir, AdminUser: "admin", AdminPassword: "first"}
	s := start(t, o)
	admin := open(t, s, target("admin", "first"))
	if err := dbclient.CreateUser(ctx, admin, "appuser", "app-pw"); err != nil {
		t.Fatal(err)
	}
	if err := dbclient.GrantSelect(ctx, admin, database.DBName, "appuser"); err != nil {
		t.Fatal(err)
	}
	admin.Close()
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	fi, err := os.Stat(filepath.Join(dir, "database-users.bin"))
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Perm() != 0o600 {
		t.Errorf("users file mode %v, want 0600", fi.Mode().Perm())
	}

	// The caller's admin password wins over the saved one: the admin secret
	// is the source of truth.
	o.AdminPassword = "second"
	s = start(t, o)
	if err := dbclient.Login(ctx, s.Dial, target("admin", "first")); err == nil {
		t.Error("old admin password still logs in")
	}
	app := open(t, s, dbclient.Target{Host: "db.internal", Port: 3306, User: "appuser", Password: "app-pw", Database: database.DBName})
	var name string
	if err := app.QueryRow("SELECT name FROM items WHERE id = 1").Scan(&name); err != nil {
		t.Fatalf("appuser after restart: %v", err)
	}
	if _, err := app.Exec("INSERT INTO items VALUES (99, 'x', 1)"); err == nil {
		t.Error("appuser could INSERT with only SELECT granted")
	}
}

// TestConcurrentWritesAreKept guards the statement lock: without it GMS's
// memory backend drops about half of concurrent inserts.
func TestConcurrentWritesAreKept(t *testing.T) {
	s := start(t, database.Options{AdminUser: "admin", AdminPassword: "pw"})
	db := open(t, s, target("admin", "pw"))
	db.SetMaxOpenConns(8)
	var wg sync.WaitGroup
	errs := make(chan error, 8)
	for w := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 25 {
				if _, err := db.Exec(fmt.Sprintf("INSERT INTO tutorial.items VALUES (%d, 'w', 1)", 1000+w*100+i)); err != nil {
					errs <- err
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	var n int
	if err := db.QueryRow("SELECT COUNT(*) FROM tutorial.items WHERE id >= 1000").Scan(&n); err != nil || n != 200 {
		t.Fatalf("%d rows kept of 200 (%v)", n, err)
	}
}

func TestCloseLeavesNoGoroutine(t *testing.T) {
	before := runtime.NumGoroutine()
	s, err := database.Start(context.Background(), database.Options{AdminUser: "admin", AdminPassword: "pw"})
	if err != nil {
		t.Fatal(err)
	}
	db, err := dbclient.Open(context.Background(), s.Dial, target("admin", "pw"))
	if err != nil {
		t.Fatal(err)
	}
	db.SetMaxIdleConns(4)
	conns := make([]*sql.Conn, 3) // open server-side connections at Close time
	for i := range conns {
		if conns[i], err = db.Conn(context.Background()); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	for _, c := range conns {
		c.Close()
	}
	db.Close()
	testenv.WaitGoroutines(t, before)
}

func TestBadOptions(t *testing.T) {
	ctx := context.Background()
	if _, err := database.Start(ctx, database.Options{AdminUser: "admin", AdminPassword: "pw", Engine: "oracle"}); err == nil {
		t.Error("unknown engine accepted")
	}
	if _, err := database.Start(ctx, database.Options{AdminUser: "admin"}); err == nil {
		t.Error("empty admin password accepted")
	}
	if mariadbd.Installed() != nil {
		_, err := database.Start(ctx, database.Options{AdminUser: "admin", AdminPassword: "pw", Engine: database.EngineMariaDB})
		if err == nil || !strings.Contains(err.Error(), "not installed") {
			t.Errorf("mariadb without mariadbd: %v", err)
		}
	}
}

// BenchmarkStartGMS is the embedded server's start (after package init),
// with the sample schema and a saved user file, and its Close.
func BenchmarkStartGMS(b *testing.B) {
	dir := b.TempDir()
	o := database.Options{StateDir: dir, AdminUser: "admin", AdminPassword: "pw"}
	for b.Loop() {
		s, err := database.Start(context.Background(), o)
		if err != nil {
			b.Fatal(err)
		}
		s.Close()
	}
}

// Databases start at once in one process (a workshop starts its attendees'
// sandboxes side by side) without racing on the engine's shared state: run
// with -race.
func TestEnginesStartSideBySide(t *testing.T) {
	const n = 4
	servers := make([]*database.Server, n)
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			servers[i], errs[i] = database.Start(context.Background(), database.Options{StateDir: t.TempDir(), AdminUser: "admin", AdminPassword: fmt.Sprint("pw", i)})
		})
	}
	wg.Wait()
	for i, s := range servers {
		if errs[i] != nil {
			t.Fatalf("start %d: %v", i, errs[i])
		}
		t.Cleanup(func() { s.Close() })
		db := open(t, s, target("admin", fmt.Sprint("pw", i)))
		if err := db.Ping(); err != nil {
			t.Errorf("database %d: %v", i, err)
		}
	}
}
