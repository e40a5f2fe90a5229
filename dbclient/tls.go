package dbclient

import (
	"crypto/tls"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"os"
	"time"
)

// TLSMode says whether a login encrypts the MySQL session itself with TLS.
// It is a database secret's ssl key, read as AWS's MySQL rotation templates
// read it (rotation.Secret.TLSMode does the reading).
type TLSMode int

const (
	// TLSPreferred tries TLS first and falls back to plain text when the
	// server offers no TLS or the TLS handshake fails (the certificate did
	// not verify, for instance): the templates' behaviour when the secret
	// has no ssl key, or one that is neither a boolean nor "true"/"false".
	TLSPreferred TLSMode = iota
	// TLSRequired uses TLS or fails: ssl is true or "true".
	TLSRequired
	// TLSOff uses plain text only: ssl is false or "false".
	TLSOff
)

func (m TLSMode) String() string {
	switch m {
	case TLSRequired:
		return "TLS only"
	case TLSOff:
		return "plain text only"
	}
	return "TLS first, plain text if TLS fails"
}

// CABundle is a set of CA certificates that verifies a database's TLS
// certificate: for RDS, the global bundle RDS publishes (see the README).
// RDS's CAs are its own, in no operating system's store, so the system
// store is never used in its place.
type CABundle struct {
	File  string // where it was read from, for messages
	pool  *x509.CertPool
	count int
	// sessions lets a new connection resume a TLS session this bundle
	// verified, as an application's TLS library does: the resumed handshake
	// skips the certificate and its signatures, most of what TLS costs a login.
	sessions tls.ClientSessionCache
}

// LoadCABundle reads a PEM file of CA certificates.
func LoadCABundle(file string) (*CABundle, error) {
	pemBytes, err := os.ReadFile(file)
	if err != nil {
		return nil, &Error{Hop: HopDatabaseTLS, What: fmt.Sprintf(whatBundleUnreadable, file), Fix: fixGetBundle, Err: err}
	}
	return NewCABundle(file, pemBytes)
}

// NewCABundle makes a bundle of the PEM certificates in pemBytes; name says
// where they came from.
func NewCABundle(name string, pemBytes []byte) (*CABundle, error) {
	b := &CABundle{File: name, pool: x509.NewCertPool(), sessions: tls.NewLRUClientSessionCache(sessionsKept)}
	for rest := pemBytes; ; {
		var cert *x509.Certificate
		var err error
		cert, rest, err = nextCertificate(rest)
		if err != nil {
			return nil, &Error{Hop: HopDatabaseTLS, What: fmt.Sprintf(whatBundleBroken, name), Fix: fixGetBundle, Err: err}
		}
		if cert == nil {
			break
		}
		b.pool.AddCert(cert)
		b.count++
	}
	if b.count == 0 {
		return nil, &Error{Hop: HopDatabaseTLS, What: fmt.Sprintf(whatBundleEmpty, name), Fix: fixGetBundle}
	}
	return b, nil
}

// sessionsKept is how many TLS sessions a bundle keeps to resume, one a
// server name: a sandbox has two databases, a workshop's one per attendee.
const sessionsKept = 64

// Certificates is how many CA certificates the bundle holds.
func (b *CABundle) Certificates() int { return b.count }

func (b *CABundle) sessionCache() tls.ClientSessionCache {
	if b == nil {
		return nil
	}
	return b.sessions
}

// verify checks the server's chain against the bundle, for serverName.
func (b *CABundle) verify(cs tls.ConnectionState, serverName string) error {
	if len(cs.PeerCertificates) == 0 {
		return &CertificateError{ServerName: serverName, Bundle: b.File, Err: errors.New("the server sent no certificate")}
	}
	if cs.DidResume && time.Now().Before(cs.PeerCertificates[0].NotAfter) {
		// A session resumes only from this bundle's cache, for the same server
		// name, and was kept only after its chain verified here.
		return nil
	}
	opts := x509.VerifyOptions{DNSName: serverName, Roots: b.pool, Intermediates: x509.NewCertPool()}
	for _, c := range cs.PeerCertificates[1:] {
		opts.Intermediates.AddCert(c)
	}
	if _, err := cs.PeerCertificates[0].Verify(opts); err != nil {
		return &CertificateError{ServerName: serverName, Bundle: b.File, Err: err}
	}
	return nil
}

// CertificateError says the database's certificate did not verify against
// the CA bundle for the database's endpoint name. Err is x509's verdict: an
// x509.UnknownAuthorityError, x509.HostnameError or
// x509.CertificateInvalidError.
type CertificateError struct {
	ServerName string // the name the certificate had to carry
	Bundle     string // the bundle's file
	Err        error
}

func (e *CertificateError) Error() string {
	return fmt.Sprintf("the certificate of %s does not verify against %s: %v", e.ServerName, e.Bundle, e.Err)
}

func (e *CertificateError) Unwrap() error { return e.Err }

// tlsConfig is the TLS side of one login attempt: the endpoint's name as the
// TLS server name (never the address dialled, which through a tunnel is the
// tunnel's), and the certificate checked against t.CA by verifyConnection,
// whose verdict and the session's facts the attempt records.
func tlsConfig(t Target, a *attempt) *tls.Config {
	return &tls.Config{
		ServerName: t.Host,
		// nil without a bundle: an unverified session is never resumed.
		ClientSessionCache: t.CA.sessionCache(),
		// crypto/tls would check against the system store, which holds none
		// of RDS's CAs; the check is made below, against t.CA, so that the
		// verdict is ours to report.
		InsecureSkipVerify: true, //nolint:gosec // verified in VerifyConnection
		VerifyConnection: func(cs tls.ConnectionState) error {
			a.tls = &cs
			if t.CA == nil {
				return nil
			}
			a.verifyErr = t.CA.verify(cs, t.Host)
			return a.verifyErr
		},
	}
}

// nextCertificate returns the first certificate in the PEM data and what
// follows it; nil at the end. Blocks of other kinds are skipped.
func nextCertificate(data []byte) (*x509.Certificate, []byte, error) {
	for {
		block, rest := pem.Decode(data)
		if block == nil {
			return nil, nil, nil
		}
		if block.Type != "CERTIFICATE" {
			data = rest
			continue
		}
		cert, err := x509.ParseCertificate(block.Bytes)
		return cert, rest, err
	}
}
