package dbclient

import (
	"crypto/tls"
	"fmt"
	"path/filepath"
)

// Security says how one database session is protected, for a screen or the
// doctor to show: whether the MySQL session itself uses TLS, whether its
// certificate was verified, and, when it is less than verified TLS, why and
// what protects it instead.
type Security struct {
	Mode     TLSMode // what the secret asked for
	TLS      bool    // the MySQL session is encrypted with TLS
	Version  string  // "TLS 1.3"; empty without TLS
	Verified bool    // the certificate names ServerName and chains to Bundle
	// Resumed says the TLS session resumed one this bundle verified before
	// (the certificate was not sent again).
	Resumed    bool
	ServerName string // the database's endpoint name, as the certificate must carry it
	Bundle     string // the CA bundle's file; empty when none was given
	// Tunnelled says the session runs through the SSH tunnel, which
	// encrypts it as far as the bastion whatever TLS does.
	Tunnelled bool
	// FellBack is why TLS failed, when plain text was used instead (a
	// secret without an ssl key allows it, as AWS's templates do).
	FellBack error
}

// String is one line for a screen, e.g. "TLS 1.3, certificate verified for
// db.example.com against global-bundle.pem".
func (s Security) String() string {
	var line string
	switch {
	case s.TLS && s.Verified:
		return fmt.Sprintf(secVerified, s.Version, s.ServerName, filepath.Base(s.Bundle))
	case s.TLS:
		line = fmt.Sprintf(secUnverified, s.Version)
	case s.Mode == TLSOff:
		line = secPlainAsked
	case s.FellBack != nil:
		why := s.FellBack.Error()
		if ce := Classify(s.FellBack); ce != nil {
			why = ce.What
		}
		line = fmt.Sprintf(secPlainFallback, why)
	default:
		line = secPlainNotOffered
	}
	if s.Tunnelled {
		line += secTunnelProtects
	}
	return line
}

// attempt is what one connection attempt learnt on its way, filled by the
// dial and the TLS handshake while the driver connects.
type attempt struct {
	tunnelled bool
	tls       *tls.ConnectionState // set when a TLS handshake reached the certificate
	verifyErr error                // the certificate's verdict; nil when it passed or no bundle was given
}

// security describes the session the attempt opened for t.
func (a *attempt) security(t Target) Security {
	s := Security{Mode: t.TLS, ServerName: t.Host, Tunnelled: a.tunnelled}
	if t.CA != nil {
		s.Bundle = t.CA.File
	}
	if a.tls != nil {
		s.TLS = true
		s.Version = tls.VersionName(a.tls.Version)
		s.Verified = t.CA != nil && a.verifyErr == nil
		s.Resumed = a.tls.DidResume
	}
	return s
}
