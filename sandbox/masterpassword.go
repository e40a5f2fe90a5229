package sandbox

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
)

// The older tutorial's master password is the one "you chose when you created the
// instance". In the sandbox the sandbox made the instance, so it chose the password, and it
// derives it from the state key (HKDF-SHA256, a purpose of its own) rather than keeping it:
// nothing writes it anywhere, yet it can be told again at any time, by this process to the
// walkthrough (Sandbox.ClassicMasterPassword) and to a shell by `rotation-tutor sandbox
// --master-password` (MasterPassword). It stays the same for the life of the state
// directory; --reset makes another.
const classicPasswordPurpose = "rotation-tutor sandbox " + ClassicInstanceID + " master password"

// derivePassword is 32 characters of passwordAlphabet drawn from key material for purpose,
// by rejection sampling, so that every character is equally likely.
func derivePassword(stateKey []byte, purpose string) string {
	const n = 32
	limit := 256 - 256%len(passwordAlphabet)
	out := make([]byte, 0, n)
	for block := 0; len(out) < n; block++ {
		for _, c := range deriveKey(stateKey, purpose+" "+strconv.Itoa(block), 64) {
			if int(c) < limit && len(out) < n {
				out = append(out, passwordAlphabet[int(c)%len(passwordAlphabet)])
			}
		}
	}
	return string(out)
}

// ClassicMasterPassword is the master password of the older tutorial's instance.
func (s *Sandbox) ClassicMasterPassword() string { return s.classic.opts.AdminPassword }

// MasterPassword tells the older tutorial's master password of the sandbox whose state is
// in dir, running or not, from its state key alone. It refuses a directory with no sandbox
// in it, or a key others could read.
func MasterPassword(dir string) (string, error) {
	path := filepath.Join(dir, stateKeyFile)
	fi, err := os.Stat(path)
	if errors.Is(err, fs.ErrNotExist) {
		return "", fmt.Errorf("sandbox: no sandbox in %s yet: start it first (rotation-tutor, or rotation-tutor sandbox)", dir)
	}
	if err != nil {
		return "", fmt.Errorf("sandbox: %w", err)
	}
	if fi.Mode().Perm()&0o077 != 0 {
		return "", fmt.Errorf("sandbox: %s can be read by other users (mode %v); it must be the owner's only: chmod 600 %s", path, fi.Mode().Perm(), path)
	}
	key, err := os.ReadFile(path)
	if err != nil {
		return "", fmt.Errorf("sandbox: %w", err)
	}
	if len(key) != 32 {
		return "", fmt.Errorf("sandbox: %s is damaged; start over with --reset", path)
	}
	return derivePassword(key, classicPasswordPurpose), nil
}
