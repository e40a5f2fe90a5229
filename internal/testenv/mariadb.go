package testenv

import (
	"context"
	"crypto/rand"
	"os"
	"path/filepath"
	"testing"
	"time"

	"rotation-tutor/internal/certs"
	"rotation-tutor/sandbox/database/mariadbd"
)

// MariaDB is a running mariadbd. Root logs in over TCP as root@'%' (all
// privileges, WITH GRANT OPTION) with RootPassword.
type MariaDB struct {
	Addr, RootPassword string
	// CAFile is the bundle that verifies the server's certificate (what
	// --ssl-ca and dbclient's CA bundle take); empty when the server speaks
	// no TLS.
	CAFile string
}

// MariaDBOptions shape the server StartMariaDBWith starts.
type MariaDBOptions struct {
	// TLSNames, when set, make the server offer TLS with a certificate for
	// these names (DNS names or IP addresses), issued by a CA made for the
	// test.
	TLSNames []string
	// RequireSecureTransport refuses logins that are not over TLS (MariaDB
	// still counts its Unix socket as secure), as RDS for MySQL 9.7 and RDS
	// for MariaDB 11.8 do by default. It needs TLSNames.
	RequireSecureTransport bool
}

// StartMariaDB starts mariadbd with a temporary data directory
// (--no-defaults, --user=root when running as root, a port from a free :0,
// its socket in a short temporary directory) and stops it in t.Cleanup.
func StartMariaDB(t testing.TB) *MariaDB {
	t.Helper()
	return StartMariaDBWith(t, MariaDBOptions{})
}

// StartMariaDBWith is StartMariaDB with TLS as o asks.
func StartMariaDBWith(t testing.TB, o MariaDBOptions) *MariaDB {
	t.Helper()
	RequireTool(t, "/usr/sbin/mariadbd")
	RequireTool(t, mariadbd.InstallProgram)
	if o.RequireSecureTransport && len(o.TLSNames) == 0 {
		t.Fatal("testenv: RequireSecureTransport needs TLSNames")
	}
	dir := t.TempDir()
	m := &MariaDB{RootPassword: rand.Text()}
	var args []string
	if len(o.TLSNames) > 0 {
		var cert, key string
		m.CAFile, cert, key = issueServerFiles(t, dir, o.TLSNames)
		args = append(args, "--ssl-ca="+m.CAFile, "--ssl-cert="+cert, "--ssl-key="+key)
	}
	if o.RequireSecureTransport {
		args = append(args, "--require-secure-transport=ON")
	}
	serverDir := filepath.Join(dir, "server")
	if err := os.Mkdir(serverDir, 0o700); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	p, err := mariadbd.Start(ctx, mariadbd.Options{Dir: serverDir, RootPassword: m.RootPassword, Args: args})
	if err != nil {
		t.Fatalf("start mariadbd: %v", err)
	}
	t.Cleanup(func() {
		if err := p.Close(); err != nil {
			t.Errorf("stop mariadbd: %v", err)
		}
	})
	m.Addr = p.Addr
	return m
}

// issueServerFiles makes a CA and a server certificate for names, and writes
// the CA's certificate, the server's certificate and its key into dir.
func issueServerFiles(t testing.TB, dir string, names []string) (caFile, certFile, keyFile string) {
	t.Helper()
	ca, err := certs.NewCA("rotation-tutor test CA")
	if err != nil {
		t.Fatal(err)
	}
	srv, err := ca.Issue(names...)
	if err != nil {
		t.Fatal(err)
	}
	caFile, certFile, keyFile = filepath.Join(dir, "ca.pem"), filepath.Join(dir, "server-cert.pem"), filepath.Join(dir, "server-key.pem")
	for file, data := range map[string][]byte{caFile: ca.CertPEM(), certFile: srv.CertPEM, keyFile: srv.KeyPEM} {
		if err := os.WriteFile(file, data, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	return caFile, certFile, keyFile
}

// OtherCAFile writes the certificate of a CA that issued nothing: a bundle
// that verifies no server, for tests of a wrong bundle.
func OtherCAFile(t testing.TB) string {
	t.Helper()
	ca, err := certs.NewCA("rotation-tutor unrelated CA")
	if err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(t.TempDir(), "other-ca.pem")
	if err := os.WriteFile(file, ca.CertPEM(), 0o600); err != nil {
		t.Fatal(err)
	}
	return file
}
