package dbclient_test

import (
	"context"
	"database/sql"
	"testing"

	"rotation-tutor/dbclient"
)

// BenchmarkBastionHandshakeTunnelFirstQuery is the cold path a learner
// waits for: SSH connect and login to the bastion, a tunnelled MySQL login,
// the first query, and closing it all.
func BenchmarkBastionHandshakeTunnelFirstQuery(b *testing.B) {
	w := newSandboxWorld(b)
	ctx := context.Background()
	for b.Loop() {
		tun, err := dbclient.OpenTunnel(ctx, w.sshConfig())
		if err != nil {
			b.Fatal(err)
		}
		db, err := dbclient.Open(ctx, tun.DialContext, w.admin())
		if err != nil {
			b.Fatal(err)
		}
		selectOne(b, db)
		db.Close()
		tun.Close()
	}
}

// BenchmarkQueryThroughTunnel and BenchmarkQueryDirect compare one query on
// a warm pooled connection with and without the SSH hop.
func BenchmarkQueryThroughTunnel(b *testing.B) {
	w := newSandboxWorld(b)
	tun := w.tunnel(b)
	db, err := dbclient.Open(context.Background(), tun.DialContext, w.admin())
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	for b.Loop() {
		selectOne(b, db)
	}
}

func BenchmarkQueryDirect(b *testing.B) {
	w := newSandboxWorld(b)
	db, err := dbclient.Open(context.Background(), w.db.Dial, w.admin())
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	for b.Loop() {
		selectOne(b, db)
	}
}

// BenchmarkLoginThroughTunnel is one probe client's login: a fresh channel
// and MySQL handshake on an open tunnel, and a ping.
func BenchmarkLoginThroughTunnel(b *testing.B) {
	w := newSandboxWorld(b)
	tun := w.tunnel(b)
	for b.Loop() {
		if err := dbclient.LoginPing(context.Background(), tun.DialContext, w.admin()); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkMariaDBLoginThroughTunnel is the same login to a real MariaDB
// through our bastion: plain text, then TLS without and with verification
// (what the probe's clients pay per login on RDS requiring TLS).
func BenchmarkMariaDBLoginThroughTunnel(b *testing.B) {
	w := newTLSWorld(b)
	tun := w.tunnel(b)
	w.setRequireTLS(b, tun, false)
	for _, bc := range []struct {
		name string
		t    dbclient.Target
	}{
		{"plain", w.root(dbclient.TLSOff, nil)},
		{"tls-unverified", w.root(dbclient.TLSRequired, nil)},
		{"tls-verified", w.root(dbclient.TLSRequired, w.bundle)},
	} {
		b.Run(bc.name, func(b *testing.B) {
			for b.Loop() {
				if err := dbclient.Login(context.Background(), tun.DialContext, bc.t); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

func selectOne(b *testing.B, db *sql.DB) {
	var n int
	if err := db.QueryRow("SELECT 1").Scan(&n); err != nil || n != 1 {
		b.Fatal(n, err)
	}
}
