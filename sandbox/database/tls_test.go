package database_test

import (
	"context"
	"errors"
	"sync/atomic"
	"testing"

	"github.com/go-sql-driver/mysql"

	"rotation-tutor/dbclient"
	"rotation-tutor/internal/certs"
	"rotation-tutor/internal/testenv"
	"rotation-tutor/sandbox/database"
)

// testCertificate is a server certificate for db.internal, from a CA of the test's, and that
// CA's bundle.
func testCertificate(t *testing.T) (certs.Server, *dbclient.CABundle) {
	t.Helper()
	ca, err := certs.NewCA("database test CA")
	if err != nil {
		t.Fatal(err)
	}
	srv, err := ca.Issue("db.internal")
	if err != nil {
		t.Fatal(err)
	}
	bundle, err := dbclient.NewCABundle("test-ca.pem", ca.CertPEM())
	if err != nil {
		t.Fatal(err)
	}
	return srv, bundle
}

// tlsServer starts engine with a certificate for db.internal (the name target dials) from a
// CA of the test's, and returns the admin's login, verified with the CA's bundle.
func tlsServer(t *testing.T, engine string, require bool) (*database.Server, dbclient.Target) {
	t.Helper()
	if engine == database.EngineMariaDB {
		testenv.RequireTool(t, "/usr/sbin/mariadbd")
	}
	srv, bundle := testCertificate(t)
	s := start(t, database.Options{StateDir: t.TempDir(), AdminUser: "admin", AdminPassword: "pw", Engine: engine,
		TLS: &srv, RequireSecureTransport: require})
	admin := target("admin", "pw")
	admin.CA = bundle
	return s, admin
}

// A database that requires TLS refuses a plain-text login with the error its real server
// gives — MySQL's 3159 with MySQL's words (the embedded engine), MariaDB's 1045 — and lets
// the same login in over TLS, its certificate verified for the name dialled; and it says
// require_secure_transport is ON when asked.
func TestRequireSecureTransport(t *testing.T) {
	ctx := context.Background()
	for _, engine := range engines(t) {
		t.Run(engine, func(t *testing.T) {
			s, admin := tlsServer(t, engine, true)

			plain := admin
			plain.TLS = dbclient.TLSOff
			err := dbclient.Login(ctx, s.Dial, plain)
			var tr *dbclient.TLSRequiredError
			if !errors.As(err, &tr) || !tr.ServerWide {
				t.Fatalf("plain text: %v, want the database's refusal for want of TLS", err)
			}
			want := map[string]uint16{database.EngineGMS: 3159, database.EngineMariaDB: 1045}[engine]
			if tr.Number != want {
				t.Errorf("plain text refused with error %d, want %d", tr.Number, want)
			}

			tlsOnly := admin
			tlsOnly.TLS = dbclient.TLSRequired
			sec, err := dbclient.LoginWithSecurity(ctx, s.Dial, tlsOnly)
			if err != nil || !sec.TLS || !sec.Verified {
				t.Fatalf("over TLS: %+v, %v", sec, err)
			}
			db := open(t, s, admin) // no ssl key: TLS first
			if on, err := dbclient.RequiresSecureTransport(ctx, db); err != nil || !on {
				t.Errorf("require_secure_transport: %v, %v; want ON", on, err)
			}
		})
	}
}

// MySQL checks the password before the transport: a wrong password over plain text is an
// access denied (1045), a right one 3159 with MySQL's words, and a session never opens.
func TestSecureTransportCheckedAfterThePassword(t *testing.T) {
	s, _ := tlsServer(t, database.EngineGMS, true)
	ctx := context.Background()
	wrong := target("admin", "wrong")
	wrong.TLS = dbclient.TLSOff
	var me *mysql.MySQLError
	if err := dbclient.Login(ctx, s.Dial, wrong); !errors.As(err, &me) || me.Number != 1045 {
		t.Errorf("wrong password over plain text: %v, want 1045", err)
	}
	// The right password, by the driver itself: number, state and words as MySQL 8 sends them.
	cfg := mysql.NewConfig()
	cfg.Net, cfg.Addr, cfg.User, cfg.Passwd = "tcp", "db.internal:3306", "admin", "pw"
	cfg.DialFunc = s.Dial
	c, err := mysql.NewConnector(cfg)
	if err != nil {
		t.Fatal(err)
	}
	conn, err := c.Connect(ctx)
	if err == nil {
		conn.Close()
		t.Fatal("the right password over plain text opened a session")
	}
	if !errors.As(err, &me) || me.Number != 3159 || string(me.SQLState[:]) != "HY000" ||
		me.Message != "Connections using insecure transport are prohibited while --require_secure_transport=ON." {
		t.Errorf("the server's answer: %v", err)
	}
}

// A database with a certificate but no requirement, as RDS before MySQL 9.7: TLS when the
// client asks (verified), plain text when it does not, and require_secure_transport OFF.
func TestTLSOffered(t *testing.T) {
	ctx := context.Background()
	for _, engine := range engines(t) {
		t.Run(engine, func(t *testing.T) {
			s, admin := tlsServer(t, engine, false)
			if sec, err := dbclient.LoginWithSecurity(ctx, s.Dial, admin); err != nil || !sec.TLS || !sec.Verified {
				t.Errorf("no ssl key: %+v, %v; want verified TLS", sec, err)
			}
			plain := admin
			plain.TLS = dbclient.TLSOff
			if sec, err := dbclient.LoginWithSecurity(ctx, s.Dial, plain); err != nil || sec.TLS {
				t.Errorf("ssl false: %+v, %v; want plain text", sec, err)
			}
			if on, err := dbclient.RequiresSecureTransport(ctx, open(t, s, admin)); err != nil || on {
				t.Errorf("require_secure_transport: %v, %v; want OFF", on, err)
			}
		})
	}
}

func TestRequireSecureTransportNeedsACertificate(t *testing.T) {
	_, err := database.Start(context.Background(), database.Options{AdminUser: "admin", AdminPassword: "pw", RequireSecureTransport: true})
	if err == nil {
		t.Fatal("a server that requires TLS started without a certificate")
	}
}

// The embedded engine asks RequireSecureTransportNow at each login, so a parameter changed
// while it runs applies to the next login, as RDS applies a dynamic parameter at once.
func TestSecureTransportChangesWhileRunning(t *testing.T) {
	srv, _ := testCertificate(t)
	var on atomic.Bool
	s := start(t, database.Options{AdminUser: "admin", AdminPassword: "pw", TLS: &srv, RequireSecureTransportNow: on.Load})
	ctx := context.Background()
	plain := target("admin", "pw")
	plain.TLS = dbclient.TLSOff
	for _, required := range []bool{false, true, false} {
		on.Store(required)
		err := dbclient.Login(ctx, s.Dial, plain)
		var tr *dbclient.TLSRequiredError
		if required != errors.As(err, &tr) || !required && err != nil {
			t.Errorf("require_secure_transport %v: a plain-text login says %v", required, err)
		}
	}
}
