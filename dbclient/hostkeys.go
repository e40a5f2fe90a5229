package dbclient

import (
	"crypto/ed25519"
	"errors"
	"fmt"
	"io/fs"
	"net"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"

	"golang.org/x/crypto/ssh"
	"golang.org/x/crypto/ssh/knownhosts"
)

// hostKeys checks the bastion's key against known_hosts and remembers what
// it saw. It reads the file again at every check, so a line appended after
// trust on first use is seen by the next reconnect.
type hostKeys struct {
	file    string
	onNew   func(host string, key ssh.PublicKey) bool
	mu      sync.Mutex
	seen    ssh.PublicKey
	lastErr *Error // the refusal, kept because ssh wraps it in handshake text
	// unknownHost is set when known_hosts lacks the host and onNew may
	// trust it: the handshake is refused, and the caller asks onNew with
	// no connection open and no deadline running (a person may be deciding).
	unknownHost string
}

func (h *hostKeys) callback(hostname string, remote net.Addr, key ssh.PublicKey) error {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.seen, h.lastErr, h.unknownHost = key, nil, ""
	check, err := h.load()
	if err != nil {
		h.lastErr = &Error{Hop: HopBastionHostKey, What: "cannot read known_hosts " + h.file,
			Fix: "Check the file's permissions and format.", Err: err}
		return h.lastErr
	}
	err = check(hostname, remote, key)
	var ke *knownhosts.KeyError
	var re *knownhosts.RevokedError
	switch {
	case err == nil:
		return nil
	case errors.As(err, &re):
		h.lastErr = &Error{Hop: HopBastionHostKey, What: "the bastion's host key is marked @revoked in " + h.file,
			Fix: "Do not connect; ask the bastion's owner for its current key.", Err: err}
	case errors.As(err, &ke) && len(ke.Want) > 0:
		h.lastErr = changedKeyError(h.file, hostname, key, ke)
	case errors.As(err, &ke):
		host := knownhosts.Normalize(hostname)
		if h.onNew != nil {
			h.unknownHost = hostname
		}
		h.lastErr = &Error{Hop: HopBastionHostKey,
			What: fmt.Sprintf("%s is not in %s; it presents %s %s", host, h.file, key.Type(), ssh.FingerprintSHA256(key)),
			Fix: "Compare that fingerprint with the bastion's (EC2 console: Get system log, or ask its owner), then trust it: " +
				"answer yes when asked, or run again with --trust-host-key " + ssh.FingerprintSHA256(key) + ".", Err: err}
	default:
		h.lastErr = &Error{Hop: HopBastionHostKey, What: "cannot check the bastion's host key", Err: err}
	}
	return h.lastErr
}

func changedKeyError(file, hostname string, key ssh.PublicKey, ke *knownhosts.KeyError) *Error {
	var want []string
	for _, w := range ke.Want {
		want = append(want, fmt.Sprintf("%s:%d has %s %s", w.Filename, w.Line, w.Key.Type(), ssh.FingerprintSHA256(w.Key)))
	}
	host := knownhosts.Normalize(hostname)
	return &Error{Hop: HopBastionHostKey,
		What: fmt.Sprintf("WARNING: the host key of %s has CHANGED: it presents %s %s, but %s",
			host, key.Type(), ssh.FingerprintSHA256(key), strings.Join(want, "; ")),
		Fix: fmt.Sprintf("Someone may be intercepting the connection, or the bastion was rebuilt. Only if you can confirm "+
			"the new fingerprint, remove the old line with `ssh-keygen -f %s -R '%s'` and connect again.", file, host),
		Err: ke}
}

// load reads known_hosts; a missing file is an empty one.
func (h *hostKeys) load() (ssh.HostKeyCallback, error) {
	check, err := knownhosts.New(h.file)
	if errors.Is(err, fs.ErrNotExist) {
		return func(string, net.Addr, ssh.PublicKey) error { return &knownhosts.KeyError{} }, nil
	}
	return check, err
}

// algorithms are the host-key algorithms known_hosts holds for hostname, so
// that the handshake picks a key type the file can vouch for.
func (h *hostKeys) algorithms(hostname string, remote net.Addr) []string {
	check, err := h.load()
	if err != nil {
		return nil
	}
	return KnownHostKeyAlgorithms(check, hostname, remote)
}

// KnownHostKeyAlgorithms returns the host-key algorithms that check (a known_hosts callback)
// has on record for hostname, for ssh.ClientConfig.HostKeyAlgorithms, or nil when the host
// is unknown. Without it Go negotiates its own preference (ECDSA, then RSA) while OpenSSH
// recorded ed25519, and a genuine host fails as "key mismatch".
func KnownHostKeyAlgorithms(check ssh.HostKeyCallback, hostname string, remote net.Addr) []string {
	_, probe, _ := ed25519.GenerateKey(nil)
	pk, _ := ssh.NewPublicKey(probe.Public())
	var ke *knownhosts.KeyError
	if !errors.As(check(hostname, remote, pk), &ke) {
		return nil
	}
	var algos []string
	add := func(a ...string) {
		for _, x := range a {
			if !slices.Contains(algos, x) {
				algos = append(algos, x)
			}
		}
	}
	for _, w := range ke.Want {
		switch t := w.Key.Type(); t {
		case ssh.KeyAlgoRSA:
			add(ssh.KeyAlgoRSASHA512, ssh.KeyAlgoRSASHA256, ssh.KeyAlgoRSA)
		default:
			add(t)
		}
	}
	return algos
}

// unknown returns the host and key that the last handshake refused as not
// in known_hosts, when onNew may trust them.
func (h *hostKeys) unknown() (hostname string, key ssh.PublicKey, ok bool) {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.unknownHost, h.seen, h.unknownHost != "" && h.seen != nil
}

// trust asks onNew about a host known_hosts lacks, holding no lock, and
// records the key when it is trusted.
func (h *hostKeys) trust(hostname string, key ssh.PublicKey) (bool, error) {
	if !h.onNew(knownhosts.Normalize(hostname), key) {
		return false, nil
	}
	if err := appendKnownHost(h.file, knownhosts.Line([]string{hostname}, key)); err != nil {
		return false, &Error{Hop: HopBastionHostKey, What: "cannot add the bastion's key to " + h.file,
			Fix: "Check that the directory is writable.", Err: err}
	}
	return true, nil
}

func (h *hostKeys) presented() ssh.PublicKey {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.seen
}

func (h *hostKeys) refusal() *Error {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.lastErr
}

// appendKnownHost adds one line, creating the file (0600) and its directory
// (0700) as ssh does.
func appendKnownHost(file, line string) error {
	if err := os.MkdirAll(filepath.Dir(file), 0o700); err != nil {
		return err
	}
	f, err := os.OpenFile(file, os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o600)
	if err != nil {
		return err
	}
	// Start on a new line even if the file lacks a final newline.
	if fi, err := f.Stat(); err == nil && fi.Size() > 0 {
		if b, err := os.ReadFile(file); err == nil && len(b) > 0 && b[len(b)-1] != '\n' {
			line = "\n" + line
		}
	}
	_, err = f.WriteString(line + "\n")
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	return err
}
