package bastion

import (
	"crypto/ed25519"
	"crypto/rand"
	"encoding/pem"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	"golang.org/x/crypto/ssh"

	"rotation-tutor/internal/atomicfile"
)

// HostKeyFile is the host key's file name in the state dir.
const HostKeyFile = "bastion_host_ed25519_key"

// loadOrCreateHostKey reuses the state dir's host key, or makes and saves a
// new ed25519 key (OpenSSH format, 0600). Without a state dir the key lives
// only in memory.
func loadOrCreateHostKey(stateDir string) (ssh.Signer, error) {
	if stateDir == "" {
		_, priv, err := ed25519.GenerateKey(rand.Reader)
		if err != nil {
			return nil, fmt.Errorf("bastion: host key: %w", err)
		}
		return ssh.NewSignerFromKey(priv)
	}
	path := filepath.Join(stateDir, HostKeyFile)
	buf, err := os.ReadFile(path)
	if err == nil {
		s, err := ssh.ParsePrivateKey(buf)
		if err != nil {
			return nil, fmt.Errorf("bastion: host key %s: %w (delete it to make a new one; clients will then see a changed key)", path, err)
		}
		return s, nil
	}
	if !errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("bastion: host key: %w", err)
	}
	s, pemBytes, err := newKey("rotation-tutor sandbox bastion")
	if err != nil {
		return nil, fmt.Errorf("bastion: host key: %w", err)
	}
	if err := atomicfile.Write(path, pemBytes); err != nil {
		return nil, fmt.Errorf("bastion: save host key: %w", err)
	}
	return s, nil
}

// newKey makes an ed25519 key and its OpenSSH-format private key file.
func newKey(comment string) (ssh.Signer, []byte, error) {
	_, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		return nil, nil, err
	}
	block, err := ssh.MarshalPrivateKey(priv, comment)
	if err != nil {
		return nil, nil, err
	}
	s, err := ssh.NewSignerFromKey(priv)
	if err != nil {
		return nil, nil, err
	}
	return s, pem.EncodeToMemory(block), nil
}
