package secretsmanager

import (
	"net/http"

	"rotation-tutor/sandbox/sigv4"
)

// AccessKey is an access key pair the endpoint accepts signatures from.
type AccessKey struct{ ID, Secret string }

// newVerifier checks signatures against keys, in the service's region. Signing times are
// compared with clock, the wall clock: the service's own Clock may be a test's or a scaled
// one, and a client signs with the time on its wall.
func newVerifier(region string, keys []AccessKey, clock Clock) *sigv4.Verifier {
	secrets := make(map[string]string, len(keys))
	for _, k := range keys {
		secrets[k.ID] = k.Secret
	}
	return &sigv4.Verifier{
		Region: region, Service: "secretsmanager", Now: clock.Now,
		SecretKey: func(id string) (string, bool) { s, ok := secrets[id]; return s, ok },
	}
}

// authError is a refused signature in the JSON protocol's words.
func authError(f *sigv4.Failure) *apiError {
	typ := map[sigv4.Kind]string{
		sigv4.Missing:    typeMissingAuth,
		sigv4.Incomplete: typeIncompleteSig,
		sigv4.UnknownKey: typeUnrecognizedClient,
		sigv4.Mismatch:   typeInvalidSignature,
	}[f.Kind]
	return &apiError{Type: typ, Status: http.StatusBadRequest, Message: f.Message}
}
