package world_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"rotation-tutor/dbclient"
	"rotation-tutor/internal/certs"
	"rotation-tutor/world"
)

// --db-ca-bundle: the bundle verifies the database's certificate in every
// login of the walkthrough; a file that is not one stops the start with a
// clear error, before AWS is called.
func TestAWSLoadsTheDBCABundle(t *testing.T) {
	isolate(t)
	url, _ := endpoint(t)
	ca, err := certs.NewCA("bundle test CA")
	if err != nil {
		t.Fatal(err)
	}
	bundle := filepath.Join(t.TempDir(), "global-bundle.pem")
	if err := os.WriteFile(bundle, ca.CertPEM(), 0o600); err != nil {
		t.Fatal(err)
	}
	start := func(file string) (*dbclient.CABundle, error) {
		w := world.AWS(world.AWSOptions{Region: testRegion, EndpointURL: url, Bastion: "ec2-user@bastion.example.com",
			KeyFile: keyFile(t), DBCABundle: file})
		defer w.Close()
		env, err := w.Start(context.Background(), nil)
		if err != nil {
			return nil, err
		}
		if env.RDS == nil {
			t.Error("no RDS client for the local rotator")
		}
		return env.DBCA, nil
	}
	if got, err := start(bundle); err != nil || got == nil || got.Certificates() != 1 || got.File != bundle {
		t.Fatalf("bundle: %+v, %v", got, err)
	}
	if got, err := start(""); err != nil || got != nil {
		t.Fatalf("no bundle: %+v, %v", got, err)
	}
	_, err = start(filepath.Join(t.TempDir(), "missing.pem"))
	if ce := dbclient.Classify(err); ce == nil || ce.Hop != dbclient.HopDatabaseTLS || !strings.Contains(ce.Fix, dbclient.RDSBundleURL) {
		t.Fatalf("missing bundle: %v", err)
	}
}
