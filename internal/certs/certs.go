// Package certs is a private certificate authority, made on the spot: it
// issues a database server the certificate for the names its clients dial,
// and its own certificate is the bundle those clients trust. It stands in
// for RDS's CAs and their global bundle wherever a server of ours (a test's
// mariadbd, the sandbox's database) must speak TLS the way RDS does.
package certs

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"fmt"
	"math/big"
	"net"
	"time"
)

// How long what this package issues stays valid: a CA outlives many server
// certificates, which can be issued again at any start.
const (
	caValidity   = 10 * 365 * 24 * time.Hour
	leafValidity = 2 * 365 * 24 * time.Hour
	// clockSkew backdates every certificate, so a peer whose clock runs a
	// little behind still finds it valid.
	clockSkew = time.Hour
)

// CA is a certificate authority: a self-signed certificate and its key.
type CA struct {
	cert    *x509.Certificate
	key     crypto.Signer
	certPEM []byte
}

// NewCA makes a CA whose certificate carries name as its common name
// (what a person sees when a client names the issuer).
func NewCA(name string) (*CA, error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, fmt.Errorf("certs: CA key: %w", err)
	}
	return NewCAWithKey(name, key)
}

// NewCAWithKey makes a CA certificate for a key the caller keeps (the
// sandbox derives its CA's key rather than store it), so that a CA made
// again with the same key verifies what the earlier one issued.
func NewCAWithKey(name string, key *ecdsa.PrivateKey) (*CA, error) {
	serial, err := serialNumber()
	if err != nil {
		return nil, err
	}
	now := time.Now()
	tmpl := &x509.Certificate{
		SerialNumber:          serial,
		Subject:               pkix.Name{CommonName: name},
		NotBefore:             now.Add(-clockSkew),
		NotAfter:              now.Add(caValidity),
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageCRLSign,
		BasicConstraintsValid: true,
		IsCA:                  true,
		MaxPathLenZero:        true,
		SubjectKeyId:          keyID(&key.PublicKey),
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		return nil, fmt.Errorf("certs: CA certificate: %w", err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		return nil, fmt.Errorf("certs: CA certificate: %w", err)
	}
	return &CA{cert: cert, key: key, certPEM: pemBlock("CERTIFICATE", der)}, nil
}

// LoadCA is the CA whose certificate (PEM, as CertPEM wrote it) belongs to
// key. It refuses a certificate that is not a CA's, is for another key, or
// is not valid from now until a server certificate issued now would expire:
// the caller then makes a new one with NewCAWithKey.
func LoadCA(certPEM []byte, key *ecdsa.PrivateKey) (*CA, error) {
	block, _ := pem.Decode(certPEM)
	if block == nil || block.Type != "CERTIFICATE" {
		return nil, errors.New("certs: no PEM certificate")
	}
	cert, err := x509.ParseCertificate(block.Bytes)
	if err != nil {
		return nil, fmt.Errorf("certs: CA certificate: %w", err)
	}
	pub, ok := cert.PublicKey.(*ecdsa.PublicKey)
	switch {
	case !cert.IsCA:
		return nil, errors.New("certs: the certificate is not a CA's")
	case !ok || !pub.Equal(&key.PublicKey):
		return nil, errors.New("certs: the CA certificate is for another key")
	case time.Now().Before(cert.NotBefore) || time.Now().Add(leafValidity).After(cert.NotAfter):
		return nil, fmt.Errorf("certs: the CA certificate is valid from %s to %s only", cert.NotBefore.Format(time.DateOnly), cert.NotAfter.Format(time.DateOnly))
	}
	return &CA{cert: cert, key: key, certPEM: pemBlock("CERTIFICATE", block.Bytes)}, nil
}

// CertPEM is the CA's certificate in PEM: the bundle a client trusts, as
// RDS's global-bundle.pem is for RDS.
func (ca *CA) CertPEM() []byte { return append([]byte(nil), ca.certPEM...) }

// Server is a server's certificate and private key, in PEM.
type Server struct {
	CertPEM, KeyPEM []byte
}

// TLSCertificate is s for a Go server's tls.Config.
func (s Server) TLSCertificate() (tls.Certificate, error) {
	return tls.X509KeyPair(s.CertPEM, s.KeyPEM)
}

// Issue makes a server certificate for names: DNS names, or IP addresses
// (which a client checks against the certificate's IP entries instead).
// The first name is also the certificate's common name.
func (ca *CA) Issue(names ...string) (Server, error) {
	if len(names) == 0 {
		return Server{}, errors.New("certs: a server certificate needs at least one name")
	}
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return Server{}, fmt.Errorf("certs: server key: %w", err)
	}
	serial, err := serialNumber()
	if err != nil {
		return Server{}, err
	}
	now := time.Now()
	tmpl := &x509.Certificate{
		SerialNumber:   serial,
		Subject:        pkix.Name{CommonName: names[0]},
		NotBefore:      now.Add(-clockSkew),
		NotAfter:       now.Add(leafValidity),
		KeyUsage:       x509.KeyUsageDigitalSignature,
		ExtKeyUsage:    []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		SubjectKeyId:   keyID(&key.PublicKey),
		AuthorityKeyId: ca.cert.SubjectKeyId,
	}
	if tmpl.NotAfter.After(ca.cert.NotAfter) {
		tmpl.NotAfter = ca.cert.NotAfter
	}
	for _, n := range names {
		if ip := net.ParseIP(n); ip != nil {
			tmpl.IPAddresses = append(tmpl.IPAddresses, ip)
		} else {
			tmpl.DNSNames = append(tmpl.DNSNames, n)
		}
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, ca.cert, &key.PublicKey, ca.key)
	if err != nil {
		return Server{}, fmt.Errorf("certs: server certificate: %w", err)
	}
	keyDER, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		return Server{}, fmt.Errorf("certs: encode server key: %w", err)
	}
	return Server{CertPEM: pemBlock("CERTIFICATE", der), KeyPEM: pemBlock("PRIVATE KEY", keyDER)}, nil
}

func serialNumber() (*big.Int, error) {
	n, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 127))
	if err != nil {
		return nil, fmt.Errorf("certs: serial number: %w", err)
	}
	return n.Add(n, big.NewInt(1)), nil // never zero
}

// keyID is the SHA-256 of the public key, cut to the usual 20 bytes: it
// links a certificate to its issuer's (OpenSSL builds chains with it).
func keyID(pub *ecdsa.PublicKey) []byte {
	der, _ := x509.MarshalPKIXPublicKey(pub) // an ECDSA P-256 key always encodes
	sum := sha256.Sum256(der)
	return sum[:20]
}

func pemBlock(kind string, der []byte) []byte {
	return pem.EncodeToMemory(&pem.Block{Type: kind, Bytes: der})
}
