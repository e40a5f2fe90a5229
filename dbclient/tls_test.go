package dbclient_test

import (
	"context"
	"crypto/x509"
	"errors"
	"net"
	"os/exec"
	"strconv"
	"strings"
	"testing"
	"time"

	"rotation-tutor/dbclient"
	"rotation-tutor/internal/testenv"
	"rotation-tutor/sandbox/bastion"
	"rotation-tutor/sandbox/lambda"
)

// otherHost is routed by our bastion to the same database, under a name its
// certificate does not carry.
const otherHost = "replica.sandbox.internal"

// tlsWorld is a real mariadbd that requires TLS, with a certificate for the
// database's internal name (and localhost, for clients at the end of an
// ssh -L), behind our bastion.
type tlsWorld struct {
	*sandboxWorld
	m      *testenv.MariaDB
	bundle *dbclient.CABundle
}

func newTLSWorld(t testing.TB) *tlsWorld {
	t.Helper()
	if testing.Short() {
		t.Skip("starts mariadbd")
	}
	m := testenv.StartMariaDBWith(t, testenv.MariaDBOptions{TLSNames: []string{dbHost, "localhost"}, RequireSecureTransport: true})
	bundle, err := dbclient.LoadCABundle(m.CAFile)
	if err != nil {
		t.Fatal(err)
	}
	w := startBastion(t, map[string]dbclient.DialFunc{
		net.JoinHostPort(dbHost, strconv.Itoa(dbPort)):    lambda.TCPRoute(m.Addr),
		net.JoinHostPort(otherHost, strconv.Itoa(dbPort)): lambda.TCPRoute(m.Addr),
	})
	return &tlsWorld{sandboxWorld: w, m: m, bundle: bundle}
}

func (w *tlsWorld) root(mode dbclient.TLSMode, ca *dbclient.CABundle) dbclient.Target {
	return dbclient.Target{Host: dbHost, Port: dbPort, User: "root", Password: w.m.RootPassword, TLS: mode, CA: ca}
}

// setRequireTLS switches require_secure_transport, logged in over verified
// TLS through the tunnel.
func (w *tlsWorld) setRequireTLS(t testing.TB, tun *dbclient.Tunnel, on bool) {
	t.Helper()
	db, err := dbclient.Open(context.Background(), tun.DialContext, w.root(dbclient.TLSRequired, w.bundle))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	v := "OFF"
	if on {
		v = "ON"
	}
	if _, err := db.Exec("SET GLOBAL require_secure_transport = " + v); err != nil {
		t.Fatal(err)
	}
}

// TestTLSThroughOurBastion: TLS inside the tunnel to a server that requires
// it, verified for the database's endpoint name (not the loopback address
// the bastion really dials), and the secret's ssl key honoured as AWS's
// template does.
func TestTLSThroughOurBastion(t *testing.T) {
	w := newTLSWorld(t)
	tun := w.tunnel(t)
	ctx := context.Background()

	t.Run("verified", func(t *testing.T) {
		for _, mode := range []dbclient.TLSMode{dbclient.TLSRequired, dbclient.TLSPreferred} {
			sec, err := dbclient.LoginWithSecurity(ctx, tun.DialContext, w.root(mode, w.bundle))
			if err != nil {
				t.Fatalf("%v: %v", mode, err)
			}
			if !sec.TLS || !sec.Verified || sec.ServerName != dbHost || !sec.Tunnelled || !strings.HasPrefix(sec.Version, "TLS 1.") {
				t.Errorf("%v: %+v", mode, sec)
			}
			if s := sec.String(); !strings.Contains(s, "certificate verified") || !strings.Contains(s, dbHost) {
				t.Errorf("%v: %q", mode, s)
			}
		}
	})

	t.Run("without a bundle TLS is used unverified, and says why the path is protected", func(t *testing.T) {
		for _, mode := range []dbclient.TLSMode{dbclient.TLSRequired, dbclient.TLSPreferred} {
			sec, err := dbclient.LoginWithSecurity(ctx, tun.DialContext, w.root(mode, nil))
			if err != nil {
				t.Fatalf("%v: %v", mode, err)
			}
			s := sec.String()
			if !sec.TLS || sec.Verified || !strings.Contains(s, "not verified") || !strings.Contains(s, "SSH tunnel") {
				t.Errorf("%v: %+v: %q", mode, sec, s)
			}
		}
	})

	t.Run("ssl false: plain text is refused, and the refusal is named", func(t *testing.T) {
		err := dbclient.Login(ctx, tun.DialContext, w.root(dbclient.TLSOff, w.bundle))
		var tr *dbclient.TLSRequiredError
		if !errors.As(err, &tr) {
			t.Fatalf("plain login: %v, want a TLSRequiredError", err)
		}
		// MariaDB 10.11 answers 1045, the wrong-password error; a login over
		// TLS told it apart, and the server said the requirement is its own.
		if tr.Number != 1045 || !tr.ServerWide || !strings.Contains(tr.Server, "MariaDB") {
			t.Errorf("%+v", tr)
		}
		ce := dbclient.Classify(err)
		if ce == nil || ce.Hop != dbclient.HopDatabaseTLS || ce.What != dbclient.WhatTLSRequired ||
			!strings.Contains(ce.Fix, "--db-ca-bundle") || !strings.Contains(ce.Fix, "require_secure_transport") {
			t.Errorf("Classify: %+v", ce)
		}
		// A wrong password over plain text is still a wrong password.
		bad := w.root(dbclient.TLSOff, w.bundle)
		bad.Password = "wrong"
		err = dbclient.Login(ctx, tun.DialContext, bad)
		if errors.As(err, &tr) || dbclient.Classify(err).Hop != dbclient.HopDatabaseAuth {
			t.Errorf("wrong password: %v", err)
		}
	})

	t.Run("a user that requires TLS, on a server that does not", func(t *testing.T) {
		db, err := dbclient.Open(ctx, tun.DialContext, w.root(dbclient.TLSRequired, w.bundle))
		if err != nil {
			t.Fatal(err)
		}
		defer db.Close()
		if _, err := db.Exec("CREATE USER 'tlsuser'@'%' IDENTIFIED BY 'pw' REQUIRE SSL"); err != nil {
			t.Fatal(err)
		}
		w.setRequireTLS(t, tun, false)
		defer w.setRequireTLS(t, tun, true)
		err = dbclient.Login(ctx, tun.DialContext, dbclient.Target{Host: dbHost, Port: dbPort, User: "tlsuser", Password: "pw", TLS: dbclient.TLSOff})
		var tr *dbclient.TLSRequiredError
		if !errors.As(err, &tr) || tr.ServerWide || !strings.Contains(dbclient.Classify(err).Fix, "REQUIRE NONE") {
			t.Fatalf("REQUIRE SSL user over plain text: %v (%+v)", err, tr)
		}
	})

	t.Run("verification fails on a wrong bundle or a wrong name", func(t *testing.T) {
		other, err := dbclient.LoadCABundle(testenv.OtherCAFile(t))
		if err != nil {
			t.Fatal(err)
		}
		err = dbclient.Login(ctx, tun.DialContext, w.root(dbclient.TLSRequired, other))
		var unknown x509.UnknownAuthorityError
		if ce := dbclient.Classify(err); !errors.As(err, &unknown) || ce.Hop != dbclient.HopDatabaseTLS ||
			!strings.Contains(ce.What, "not signed by a CA in") {
			t.Errorf("wrong bundle: %v", err)
		}
		wrongName := w.root(dbclient.TLSRequired, w.bundle)
		wrongName.Host = otherHost
		err = dbclient.Login(ctx, tun.DialContext, wrongName)
		var host x509.HostnameError
		if ce := dbclient.Classify(err); !errors.As(err, &host) || ce.Hop != dbclient.HopDatabaseTLS ||
			!strings.Contains(ce.What, "not for "+otherHost) || !strings.Contains(ce.What, dbHost) {
			t.Errorf("wrong name: %v", err)
		}
		// Without an ssl key the template falls back to plain text, which a
		// server requiring TLS refuses: the certificate is what to fix.
		err = dbclient.Login(ctx, tun.DialContext, w.root(dbclient.TLSPreferred, other))
		if ce := dbclient.Classify(err); !errors.As(err, &unknown) || ce.Hop != dbclient.HopDatabaseTLS ||
			!strings.Contains(err.Error(), "then without TLS") {
			t.Errorf("wrong bundle, no ssl key: %v", err)
		}
		// A server that lets plain text in gets it, and the session says so.
		w.setRequireTLS(t, tun, false)
		defer w.setRequireTLS(t, tun, true)
		sec, err := dbclient.LoginWithSecurity(ctx, tun.DialContext, w.root(dbclient.TLSPreferred, other))
		if err != nil || sec.TLS || !errors.As(sec.FellBack, &unknown) || !strings.Contains(sec.String(), "TLS failed") {
			t.Errorf("fallback to plain text: %+v, %v", sec, err)
		}
	})
}

// TestTLSThroughOpenSSH: the same, through a real OpenSSH sshd, which
// resolves the endpoint name itself.
func TestTLSThroughOpenSSH(t *testing.T) {
	if testing.Short() {
		t.Skip("starts sshd and mariadbd")
	}
	m := testenv.StartMariaDBWith(t, testenv.MariaDBOptions{TLSNames: []string{"localhost"}, RequireSecureTransport: true})
	sshd := testenv.StartSSHD(t)
	ctx := context.Background()
	tun, err := dbclient.OpenTunnel(ctx, dbclient.SSHConfig{Addr: sshd.Addr, User: sshd.User, KeyFile: sshd.KeyFile,
		KnownHostsFile: sshd.KnownHostsFile, Timeout: 10 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	defer tun.Close()
	bundle, err := dbclient.LoadCABundle(m.CAFile)
	if err != nil {
		t.Fatal(err)
	}
	_, port := splitHostPort(t, m.Addr)
	// sshd resolves "localhost"; the certificate names it, not 127.0.0.1.
	root := dbclient.Target{Host: "localhost", Port: port, User: "root", Password: m.RootPassword, TLS: dbclient.TLSRequired, CA: bundle}
	sec, err := dbclient.LoginWithSecurity(ctx, tun.DialContext, root)
	if err != nil || !sec.TLS || !sec.Verified || !sec.Tunnelled {
		t.Fatalf("TLS through sshd: %+v, %v", sec, err)
	}
	byIP := root
	byIP.Host = "127.0.0.1"
	var host x509.HostnameError
	if err := dbclient.Login(ctx, tun.DialContext, byIP); !errors.As(err, &host) {
		t.Errorf("by IP address: %v, want a hostname error", err)
	}
	plain := root
	plain.TLS = dbclient.TLSOff
	var tr *dbclient.TLSRequiredError
	if err := dbclient.Login(ctx, tun.DialContext, plain); !errors.As(err, &tr) {
		t.Errorf("plain text through sshd: %v", err)
	}
}

// TestSSLKeyWithoutTLSOnTheServer: the three ssl behaviours against a server
// that offers no TLS (the sandbox's embedded database).
func TestSSLKeyWithoutTLSOnTheServer(t *testing.T) {
	w := newSandboxWorld(t)
	tun := w.tunnel(t)
	ctx := context.Background()
	for _, tc := range []struct {
		mode dbclient.TLSMode
		ok   bool
		says string
	}{
		{dbclient.TLSPreferred, true, "the database offers no TLS"},
		{dbclient.TLSOff, true, "ssl key is false"},
		{dbclient.TLSRequired, false, ""},
	} {
		target := w.admin()
		target.TLS = tc.mode
		sec, err := dbclient.LoginWithSecurity(ctx, tun.DialContext, target)
		switch {
		case tc.ok && (err != nil || sec.TLS || !strings.Contains(sec.String(), tc.says)):
			t.Errorf("%v: %+v %q, %v", tc.mode, sec, sec.String(), err)
		case !tc.ok && (err == nil || dbclient.Classify(err).Hop != dbclient.HopDatabaseTLS):
			t.Errorf("%v: %v, want a %s error", tc.mode, err, dbclient.HopDatabaseTLS)
		}
	}
}

// TestMariaDBClientTLSThroughSSHForward: the real mariadb client through a
// real `ssh -L` via our bastion, to a server that requires TLS. --ssl-ca
// checks the chain; --ssl-verify-server-cert also checks the name against
// the host the client dialled, so at the tunnel's end it must be a name the
// certificate carries (localhost here), not 127.0.0.1.
func TestMariaDBClientTLSThroughSSHForward(t *testing.T) {
	w := newTLSWorld(t)
	testenv.RequireTool(t, "ssh")
	testenv.RequireTool(t, "/usr/bin/mariadb")
	_, bport := splitHostPort(t, w.b.Addr())
	local := testenv.FreePort(t)
	fwd := startProcess(t, "ssh", "-F", "/dev/null", "-o", "BatchMode=yes", "-o", "IdentitiesOnly=yes",
		"-o", "UserKnownHostsFile="+w.known, "-o", "StrictHostKeyChecking=yes", "-o", "ExitOnForwardFailure=yes",
		"-p", strconv.Itoa(bport), "-i", w.keyFile, "-N",
		"-L", "127.0.0.1:"+strconv.Itoa(local)+":"+dbHost+":3306", bastion.DefaultUser+"@127.0.0.1")
	waitListening(t, fwd, local)

	mariadb := func(host string, tlsArgs ...string) (string, error) {
		args := append([]string{"--no-defaults", "--protocol=TCP", "-h" + host, "-P" + strconv.Itoa(local),
			"-uroot", "-p" + w.m.RootPassword, "-N", "-B"}, tlsArgs...)
		args = append(args, "-e", "SELECT variable_value FROM information_schema.session_status WHERE variable_name = 'Ssl_version'")
		out, err := exec.Command("/usr/bin/mariadb", args...).CombinedOutput()
		return strings.TrimSpace(string(out)), err
	}
	if out, err := mariadb("127.0.0.1", "--ssl-ca="+w.m.CAFile); err != nil || !strings.HasPrefix(out, "TLSv1.") {
		t.Errorf("--ssl-ca: %v: %s", err, out)
	}
	if out, err := mariadb("localhost", "--ssl-ca="+w.m.CAFile, "--ssl-verify-server-cert"); err != nil || !strings.HasPrefix(out, "TLSv1.") {
		t.Errorf("--ssl-verify-server-cert to a name the certificate carries: %v: %s", err, out)
	}
	if out, err := mariadb("127.0.0.1", "--ssl-ca="+w.m.CAFile, "--ssl-verify-server-cert"); err == nil || !strings.Contains(out, "ERROR 2026") {
		t.Errorf("--ssl-verify-server-cert to 127.0.0.1: %v: %s", err, out)
	}
	if out, err := mariadb("127.0.0.1", "--ssl-ca="+testenv.OtherCAFile(t)); err == nil || !strings.Contains(out, "ERROR 2026") {
		t.Errorf("another CA: %v: %s", err, out)
	}
	if out, err := mariadb("127.0.0.1", "--skip-ssl"); err == nil || !strings.Contains(out, "ERROR 1045") {
		t.Errorf("without TLS: %v: %s", err, out)
	}
}
