package bastion

import (
	"bytes"
	"fmt"

	"golang.org/x/crypto/ssh"
)

// checkKey admits User with one of the authorized keys, compared byte for
// byte in wire form.
func (b *Bastion) checkKey(meta ssh.ConnMetadata, key ssh.PublicKey) (*ssh.Permissions, error) {
	revoked := b.o.Policy != nil && b.o.Policy.KeyRevoked(ssh.FingerprintSHA256(key))
	if meta.User() == b.o.User && !revoked {
		k := key.Marshal()
		for _, a := range b.o.AuthorizedKeys {
			if bytes.Equal(a.Marshal(), k) {
				return &ssh.Permissions{Extensions: map[string]string{"pubkey-fp": ssh.FingerprintSHA256(key)}}, nil
			}
		}
	}
	// The client only learns "denied", like from sshd; the reason is ours.
	b.logf("bastion: refused key %s for user %q from %s", ssh.FingerprintSHA256(key), meta.User(), meta.RemoteAddr())
	return nil, fmt.Errorf("public key not authorized for %q", meta.User())
}
