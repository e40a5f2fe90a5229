package certs_test

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"io"
	"testing"

	"rotation-tutor/internal/certs"
)

// A client that trusts the CA's bundle completes a TLS handshake with a
// server holding an issued certificate when it dials one of the
// certificate's names, over a real socket; another name, or another CA's
// bundle, is refused.
func TestIssuedCertificateVerifies(t *testing.T) {
	ca, err := certs.NewCA("test CA")
	if err != nil {
		t.Fatal(err)
	}
	srv, err := ca.Issue("db.example.internal", "127.0.0.1")
	if err != nil {
		t.Fatal(err)
	}
	pair, err := srv.TLSCertificate()
	if err != nil {
		t.Fatal(err)
	}
	l, err := tls.Listen("tcp", "127.0.0.1:0", &tls.Config{Certificates: []tls.Certificate{pair}})
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	done := make(chan struct{})
	go func() { // ends when the listener closes
		defer close(done)
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			_ = c.(*tls.Conn).Handshake()
			_, _ = io.WriteString(c, "ok")
			c.Close()
		}
	}()
	defer func() { l.Close(); <-done }()

	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(ca.CertPEM()) {
		t.Fatal("the CA's PEM holds no certificate")
	}
	other, err := certs.NewCA("another CA")
	if err != nil {
		t.Fatal(err)
	}
	otherPool := x509.NewCertPool()
	otherPool.AppendCertsFromPEM(other.CertPEM())

	dial := func(name string, roots *x509.CertPool) error {
		c, err := tls.Dial("tcp", l.Addr().String(), &tls.Config{ServerName: name, RootCAs: roots})
		if err != nil {
			return err
		}
		defer c.Close()
		_, err = io.ReadAll(c)
		return err
	}
	if err := dial("db.example.internal", pool); err != nil {
		t.Errorf("by DNS name: %v", err)
	}
	if err := dial("127.0.0.1", pool); err != nil {
		t.Errorf("by IP address: %v", err)
	}
	var host x509.HostnameError
	if err := dial("other.example.internal", pool); !errors.As(err, &host) {
		t.Errorf("another name: %v, want a hostname error", err)
	}
	var unknown x509.UnknownAuthorityError
	if err := dial("db.example.internal", otherPool); !errors.As(err, &unknown) {
		t.Errorf("another CA: %v, want an unknown authority error", err)
	}
}

func TestIssueNeedsAName(t *testing.T) {
	ca, err := certs.NewCA("test CA")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := ca.Issue(); err == nil {
		t.Fatal("a certificate without a name was issued")
	}
}

// A CA kept as its certificate and a key held elsewhere: LoadCA takes it
// back only for that key; a CA made again for the same key verifies what
// the first one issued, and another key's does not.
func TestCAKeptAcrossRestarts(t *testing.T) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	first, err := certs.NewCAWithKey("kept CA", key)
	if err != nil {
		t.Fatal(err)
	}
	loaded, err := certs.LoadCA(first.CertPEM(), key)
	if err != nil || string(loaded.CertPEM()) != string(first.CertPEM()) {
		t.Fatalf("LoadCA of its own certificate: %v", err)
	}
	other, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := certs.LoadCA(first.CertPEM(), other); err == nil {
		t.Error("LoadCA took a certificate for another key")
	}
	srv, err := first.Issue("db.example.internal")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := certs.LoadCA(srv.CertPEM, key); err == nil {
		t.Error("LoadCA took a server certificate as a CA")
	}
	if _, err := certs.LoadCA([]byte("not PEM"), key); err == nil {
		t.Error("LoadCA took something that is not PEM")
	}

	verify := func(ca *certs.CA) error {
		pool := x509.NewCertPool()
		pool.AppendCertsFromPEM(ca.CertPEM())
		block, _ := pem.Decode(srv.CertPEM)
		leaf, err := x509.ParseCertificate(block.Bytes)
		if err != nil {
			t.Fatal(err)
		}
		_, err = leaf.Verify(x509.VerifyOptions{DNSName: "db.example.internal", Roots: pool})
		return err
	}
	again, err := certs.NewCAWithKey("kept CA", key)
	if err != nil {
		t.Fatal(err)
	}
	if err := verify(again); err != nil {
		t.Errorf("the CA made again for the same key: %v", err)
	}
	stranger, err := certs.NewCAWithKey("kept CA", other)
	if err != nil {
		t.Fatal(err)
	}
	if err := verify(stranger); err == nil {
		t.Error("a CA of the same name and another key verified the certificate")
	}
}
