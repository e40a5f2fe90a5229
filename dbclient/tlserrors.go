package dbclient

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"strings"

	"github.com/go-sql-driver/mysql"
)

// TLSRequiredError says the database refused a plain-text login because it
// wants TLS: MySQL's error 3159 (require_secure_transport), or a 1045 that a
// login over TLS then passed (MariaDB under require_secure_transport, or a
// user created REQUIRE SSL). It is matched by those facts, never by the
// server's message.
type TLSRequiredError struct {
	Number uint16 // what the server answered: 3159, or 1045
	// ServerWide says require_secure_transport is ON; otherwise the user
	// itself requires TLS.
	ServerWide bool
	User       string // the login refused
	Server     string // VERSION(), when the login over TLS could ask
}

func (e *TLSRequiredError) Error() string {
	return fmt.Sprintf("the database refused a plain-text login because it requires TLS (error %d)", e.Number)
}

// What and Fix explain e in a person's words: what happened, and both ways
// out (log in with TLS; or let plain text in).
func (e *TLSRequiredError) What() string {
	if e.ServerWide {
		return WhatTLSRequired
	}
	return fmt.Sprintf(whatUserTLS, e.User)
}

// Fix is what to do about e.
func (e *TLSRequiredError) Fix() string {
	if e.ServerWide {
		return FixTLSRequired + FixTLSRequiredServer
	}
	return FixTLSRequired + fmt.Sprintf(fixTLSRequiredUser, Account(e.User))
}

// classifyTLS explains the TLS rules' failures: the server wants TLS, the
// certificate did not verify, the handshake failed, or TLS was asked for and
// not offered.
func classifyTLS(err error) *Error {
	var tr *TLSRequiredError
	if errors.As(err, &tr) {
		return &Error{Hop: HopDatabaseTLS, What: tr.What(), Fix: tr.Fix(), Err: err}
	}
	var ce *CertificateError
	if errors.As(err, &ce) {
		return classifyCertificate(ce)
	}
	if errors.Is(err, mysql.ErrNoTLS) {
		return &Error{Hop: HopDatabaseTLS, What: whatNoTLSOffered, Fix: fixNoTLSOffered, Err: err}
	}
	var me *mysql.MySQLError
	if errors.As(err, &me) && me.Number == erSecureTransport {
		return &Error{Hop: HopDatabaseTLS, What: WhatTLSRequired, Fix: FixTLSRequired + FixTLSRequiredServer, Err: err}
	}
	if isHandshakeRefusal(err) {
		return &Error{Hop: HopDatabaseTLS, What: whatTLSFailed, Fix: fixTLSFailed, Err: err}
	}
	return nil
}

// isHandshakeRefusal says the server broke off a TLS handshake: it sent an
// alert, or answered with something that is not TLS.
func isHandshakeRefusal(err error) bool {
	var alert tls.AlertError
	var record tls.RecordHeaderError
	return errors.As(err, &alert) || errors.As(err, &record)
}

func classifyCertificate(ce *CertificateError) *Error {
	var (
		unknown x509.UnknownAuthorityError
		name    x509.HostnameError
		invalid x509.CertificateInvalidError
	)
	switch {
	case errors.As(ce.Err, &unknown):
		return &Error{Hop: HopDatabaseTLS, What: fmt.Sprintf(whatUnknownCA, ce.Bundle), Fix: fixUnknownCA, Err: ce}
	case errors.As(ce.Err, &name):
		return &Error{Hop: HopDatabaseTLS, What: fmt.Sprintf(whatWrongName, certificateNames(name.Certificate), ce.ServerName),
			Fix: fixWrongName, Err: ce}
	case errors.As(ce.Err, &invalid):
		return &Error{Hop: HopDatabaseTLS, What: fmt.Sprintf(whatBadCert, invalid), Fix: fixBadCert, Err: ce}
	}
	return &Error{Hop: HopDatabaseTLS, What: fmt.Sprintf(whatUnknownCA, ce.Bundle), Fix: fixUnknownCA, Err: ce}
}

// certificateNames lists the names a certificate is for, for a message.
func certificateNames(c *x509.Certificate) string {
	if c == nil {
		return "another name"
	}
	var names []string
	names = append(names, c.DNSNames...)
	for _, ip := range c.IPAddresses {
		names = append(names, ip.String())
	}
	if len(names) == 0 && c.Subject.CommonName != "" {
		names = append(names, c.Subject.CommonName)
	}
	return strings.Join(names, ", ")
}
