package bastion

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"strings"

	"golang.org/x/crypto/ssh"
	"golang.org/x/crypto/ssh/knownhosts"

	"rotation-tutor/internal/atomicfile"
)

// ClientKey is the key pair a learner logs in to the bastion with, like the
// EC2 key pair chosen when the instance is launched.
type ClientKey struct {
	Signer     ssh.Signer
	Public     ssh.PublicKey
	PrivatePEM []byte // OpenSSH format, unencrypted, for `ssh -i`
}

// NewClientKey makes an ed25519 key pair.
func NewClientKey() (*ClientKey, error) {
	s, pemBytes, err := newKey("rotation-tutor sandbox")
	if err != nil {
		return nil, fmt.Errorf("bastion: client key: %w", err)
	}
	return &ClientKey{Signer: s, Public: s.PublicKey(), PrivatePEM: pemBytes}, nil
}

// LoadOrCreateClientKey reads the private key at path, or makes one and
// writes it there (0600, OpenSSH format, so `ssh -i path` accepts it) with
// the public half beside it in path+".pub".
func LoadOrCreateClientKey(path string) (*ClientKey, error) {
	buf, err := os.ReadFile(path)
	if err == nil {
		s, err := ssh.ParsePrivateKey(buf)
		if err != nil {
			return nil, fmt.Errorf("bastion: client key %s: %w", path, err)
		}
		return &ClientKey{Signer: s, Public: s.PublicKey(), PrivatePEM: buf}, nil
	}
	if !errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("bastion: client key: %w", err)
	}
	k, err := NewClientKey()
	if err != nil {
		return nil, err
	}
	if err := k.Write(path); err != nil {
		return nil, err
	}
	return k, nil
}

// Write saves the private key at path (0600) and the public key at path+".pub".
func (k *ClientKey) Write(path string) error {
	if err := atomicfile.Write(path, k.PrivatePEM); err != nil {
		return fmt.Errorf("bastion: save client key: %w", err)
	}
	if err := atomicfile.Write(path+".pub", []byte(k.AuthorizedKey()+"\n")); err != nil {
		return fmt.Errorf("bastion: save client public key: %w", err)
	}
	return nil
}

// AuthorizedKey is the public key as one authorized_keys line.
func (k *ClientKey) AuthorizedKey() string {
	return strings.TrimSpace(string(ssh.MarshalAuthorizedKey(k.Public))) + " rotation-tutor sandbox"
}

// Fingerprint is the public key's SHA256 fingerprint, as ssh-keygen -l shows it.
func (k *ClientKey) Fingerprint() string { return ssh.FingerprintSHA256(k.Public) }

// KnownHostsLine is the known_hosts line for a host key at addr
// ("[127.0.0.1]:2222 ssh-ed25519 AAAA…"), for a file passed to
// ssh -o UserKnownHostsFile=… — never the user's own ~/.ssh/known_hosts.
func KnownHostsLine(addr string, key ssh.PublicKey) string {
	return knownhosts.Line([]string{addr}, key)
}

// KnownHostsLine is this bastion's known_hosts line.
func (b *Bastion) KnownHostsLine() string { return KnownHostsLine(b.Addr(), b.HostKey()) }

// HostKeyFingerprint is the host key's SHA256 fingerprint.
func (b *Bastion) HostKeyFingerprint() string { return ssh.FingerprintSHA256(b.HostKey()) }
