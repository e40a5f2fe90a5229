package workshop

import (
	"bytes"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"errors"
	"fmt"
	"net"
	"os"
	"regexp"
	"strings"

	"charm.land/ssh"
	gossh "golang.org/x/crypto/ssh"
)

// Access says who may join. A workshop is never open by accident: at least
// one of AuthorizedKeys, Passphrase or Open must be given.
type Access struct {
	// AuthorizedKeys are the attendees' public keys; each key is one
	// attendee, who resumes where they were from any connection.
	AuthorizedKeys []gossh.PublicKey
	// Passphrase is the workshop's word, asked by keyboard-interactive
	// authentication; an attendee is then known by the name they log in
	// with (ssh alice@host).
	Passphrase string
	// Open lets in anyone who can reach the port.
	Open bool
	// InstructorKeys log in to the dashboard (or, as user "present", to the
	// instructor's own walkthrough in presenter mode).
	InstructorKeys []gossh.PublicKey
}

func (a Access) validate() error {
	if len(a.AuthorizedKeys) == 0 && a.Passphrase == "" && !a.Open {
		return errors.New("say who may join: --authorized-keys FILE (attendees' public keys), --passphrase WORD (asked at login), or --open (anyone who can reach the port)")
	}
	return nil
}

// ReadAuthorizedKeys reads public keys in authorized_keys format (one per
// line, comments and blank lines allowed).
func ReadAuthorizedKeys(path string) ([]gossh.PublicKey, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read keys: %w", err)
	}
	var keys []gossh.PublicKey
	for line := 1; len(bytes.TrimSpace(b)) > 0; line++ {
		var next []byte
		if i := bytes.IndexByte(b, '\n'); i >= 0 {
			b, next = b[:i], b[i+1:]
		} else {
			next = nil
		}
		if t := bytes.TrimSpace(b); len(t) > 0 && t[0] != '#' {
			k, _, _, _, err := gossh.ParseAuthorizedKey(t)
			if err != nil {
				return nil, fmt.Errorf("read keys: %s line %d: %w", path, line, err)
			}
			keys = append(keys, k)
		}
		b = next
	}
	if len(keys) == 0 {
		return nil, fmt.Errorf("read keys: %s holds no public key", path)
	}
	return keys, nil
}

func hasKey(keys []gossh.PublicKey, k gossh.PublicKey) bool {
	m := k.Marshal()
	for _, a := range keys {
		if bytes.Equal(a.Marshal(), m) {
			return true
		}
	}
	return false
}

// publicKey admits instructors' keys, attendees' keys, and with Open any key
// (which then names its attendee).
func (s *Server) publicKey(_ ssh.Context, k ssh.PublicKey) bool {
	a := s.o.Access
	return a.Open || hasKey(a.InstructorKeys, k) || hasKey(a.AuthorizedKeys, k)
}

// keyboardInteractive asks for the passphrase (with Open, nothing), after
// checking the name's and the address's failed tries.
func (s *Server) keyboardInteractive(ctx ssh.Context, ask gossh.KeyboardInteractiveChallenge) bool {
	a := s.o.Access
	if a.Open {
		return true
	}
	if a.Passphrase == "" {
		return false
	}
	name, addr := strings.ToLower(ctx.User()), hostOf(ctx.RemoteAddr())
	if ok, wait := s.tries.allow(name, addr); !ok {
		s.o.logf("refused %q from %s: too many failed passphrases, next try in %s", name, addr, wait.Round(1e9))
		_, _ = ask(ctx.User(), fmt.Sprintf("Too many wrong passphrases for %s: try again in %s.", ctx.User(), wait.Round(1e9)), nil, nil)
		return false
	}
	answers, err := ask(ctx.User(), "rotation-tutor workshop", []string{"Workshop passphrase: "}, []bool{false})
	if err != nil || len(answers) != 1 {
		return false
	}
	if subtle.ConstantTimeCompare([]byte(answers[0]), []byte(a.Passphrase)) == 1 {
		return true
	}
	s.tries.failed(name, addr)
	s.o.logf("wrong passphrase for %q from %s", name, addr)
	return false
}

func hostOf(a net.Addr) string {
	if a == nil {
		return ""
	}
	if h, _, err := net.SplitHostPort(a.String()); err == nil {
		return h
	}
	return a.String()
}

// who is the person behind an SSH session.
type who struct {
	id         string // the attendee's directory: key-… or name-…
	name       string // what the dashboard calls them
	byKey      bool   // proven by a key: a new connection may take over an old one
	instructor bool
	present    bool // the instructor's own walkthrough, in presenter mode
}

// namePattern is what a name must look like: it becomes a directory name.
var namePattern = regexp.MustCompile(`^[a-z0-9][a-z0-9._-]{0,31}$`)

// identify tells who the authenticated session belongs to: the key it
// logged in with, or else the name it logged in as.
func (s *Server) identify(sess ssh.Session) (who, error) {
	name := strings.ToLower(sess.User())
	if !namePattern.MatchString(name) {
		return who{}, fmt.Errorf("%q cannot name you here: log in with a name of lowercase letters and digits (up to 32, also . _ -), e.g. %s", sess.User(), s.joinAs("alice"))
	}
	k := sess.PublicKey()
	switch {
	case k != nil && hasKey(s.o.Access.InstructorKeys, k):
		return who{id: "instructor", name: "instructor", byKey: true, instructor: true, present: name == "present"}, nil
	case k != nil:
		sum := sha256.Sum256(k.Marshal())
		return who{id: "key-" + hex.EncodeToString(sum[:8]), name: name, byKey: true}, nil
	}
	return who{id: "name-" + name, name: name}, nil
}
