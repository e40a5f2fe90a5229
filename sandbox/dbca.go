package sandbox

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"

	"rotation-tutor/dbclient"
	"rotation-tutor/internal/atomicfile"
	"rotation-tutor/internal/certs"
)

// The sandbox's certificate authority for its databases stands for RDS's CAs
// (rds-ca-rsa2048-g1 and its siblings): each instance serves TLS with a certificate it
// issued for the instance's internal name, as an RDS instance does for its endpoint, and its
// certificate, kept in the state directory as database-ca.pem, is the bundle that verifies
// them, as RDS's global-bundle.pem is for RDS.
//
// Its private key is kept as the rotation functions' keys are: derived from state.key
// (HKDF-SHA256, a purpose of its own) and written nowhere, so it is this state directory's
// own, changes with --reset, and a copy of database-ca.pem gives nothing away. The
// certificate is no secret: a start that finds it missing, damaged or for another key makes
// it again, for the same key, so copies of the old one still verify. The instances'
// certificates are issued afresh at each start, their keys held in memory (a mariadbd reads
// its own from its temporary directory, 0700, removed when it stops).
const (
	caBundleFile = "database-ca.pem"
	caName       = "rotation-tutor sandbox database CA"
)

// databaseCA is the sandbox's CA and the file its certificate is kept in.
func databaseCA(dir string, stateKey []byte) (*certs.CA, string, error) {
	key, err := deriveCAKey(stateKey)
	if err != nil {
		return nil, "", err
	}
	path := filepath.Join(dir, caBundleFile)
	pemBytes, err := os.ReadFile(path)
	switch {
	case err == nil:
		if ca, err := certs.LoadCA(pemBytes, key); err == nil {
			return ca, path, nil
		}
	case !errors.Is(err, fs.ErrNotExist):
		return nil, "", fmt.Errorf("sandbox: %w", err)
	}
	ca, err := certs.NewCAWithKey(caName, key)
	if err != nil {
		return nil, "", fmt.Errorf("sandbox: the databases' CA: %w", err)
	}
	if err := atomicfile.Write(path, ca.CertPEM()); err != nil {
		return nil, "", fmt.Errorf("sandbox: %s: %w", caBundleFile, err)
	}
	return ca, path, nil
}

// deriveCAKey makes the CA's P-256 key from the state key. A derived scalar that is not a
// valid key (zero, or not below the curve's order: about one in 2^32) is passed over for
// the next purpose.
func deriveCAKey(stateKey []byte) (*ecdsa.PrivateKey, error) {
	for i := range 8 {
		d := deriveKey(stateKey, "rotation-tutor sandbox database CA key "+strconv.Itoa(i), 32)
		if key, err := ecdsa.ParseRawPrivateKey(elliptic.P256(), d); err == nil {
			return key, nil
		}
	}
	return nil, errors.New("sandbox: no valid CA key could be derived from state.key; start over with --reset")
}

// caBundle is the CA's certificate as the bundle the sandbox's own clients (the rotation
// functions) verify the databases with, named by its file.
func caBundle(ca *certs.CA, file string) (*dbclient.CABundle, error) {
	b, err := dbclient.NewCABundle(file, ca.CertPEM())
	if err != nil {
		return nil, fmt.Errorf("sandbox: %w", err)
	}
	return b, nil
}

// serveTLS gives the instance a certificate for its internal name, issued by ca.
func (i *dbInstance) serveTLS(ca *certs.CA) error {
	srv, err := ca.Issue(i.desc.Address)
	if err != nil {
		return fmt.Errorf("sandbox: certificate for %s: %w", i.desc.Identifier, err)
	}
	i.opts.TLS = &srv
	return nil
}
