package certs_test

import (
	"crypto/tls"
	"crypto/x509"
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
