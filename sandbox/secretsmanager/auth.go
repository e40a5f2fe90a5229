package secretsmanager

import (
	"fmt"
	"net/http"

	"rotation-tutor/internal/iampolicy"
	"rotation-tutor/sandbox/sigv4"
)

// AccessKey is an access key pair the endpoint accepts signatures from, and who signs with
// it: secrets' resource policies are evaluated against the principal of the key that signed
// each request.
type AccessKey struct {
	ID, Secret string
	// Principal is the identity's ARN, as AWS names it in a refusal: a user
	// (arn:aws:iam::ACCOUNT:user/NAME), a role's session
	// (arn:aws:sts::ACCOUNT:assumed-role/ROLE/SESSION) or an account's root user
	// (arn:aws:iam::ACCOUNT:root, also what "" stands for). Its account may be another than
	// the service's: a principal of another account needs a secret's policy to allow it.
	Principal string
}

// signingKey is an accepted key's secret and its principal, parsed.
type signingKey struct {
	secret    string
	principal iampolicy.Principal
}

// newKeyring indexes keys by id; a key without a principal is the account's root user.
func newKeyring(keys []AccessKey, account string) (map[string]signingKey, error) {
	out := make(map[string]signingKey, len(keys))
	for _, k := range keys {
		p := iampolicy.AccountRoot(account)
		if k.Principal != "" {
			var err error
			if p, err = iampolicy.ParsePrincipal(k.Principal); err != nil {
				return nil, fmt.Errorf("access key %s: %w", k.ID, err)
			}
		}
		out[k.ID] = signingKey{secret: k.Secret, principal: p}
	}
	return out, nil
}

// SecretKey returns the secret key of an access key the endpoint accepts: what signatures
// are checked against, here and by the sandbox's other endpoints (RDS), which the same
// identities call.
func (s *Service) SecretKey(accessKeyID string) (string, bool) {
	k, ok := s.keys[accessKeyID]
	return k.secret, ok
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
