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
	if err := writeFileAtomic(path, pemBytes); err != nil {
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

// writeFileAtomic writes data with mode 0600 so that a crash leaves either
// the old file or the new one: temp file, fsync, rename, fsync the directory.
func writeFileAtomic(path string, data []byte) error {
	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return err
	}
	f, err := os.CreateTemp(dir, "."+filepath.Base(path)+".tmp*") // CreateTemp makes it 0600
	if err != nil {
		return err
	}
	tmp := f.Name()
	_, err = f.Write(data)
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp, path)
	}
	if err != nil {
		_ = os.Remove(tmp)
		return err
	}
	if d, err := os.Open(dir); err == nil {
		_ = d.Sync() // make the rename durable; not all filesystems allow it
		_ = d.Close()
	}
	return nil
}
