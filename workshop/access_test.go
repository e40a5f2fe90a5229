package workshop

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"charm.land/wish/v2/testsession"
	"golang.org/x/crypto/ssh"
)

// Without an attendee's key or the passphrase nobody gets in: not with no
// credentials, a wrong passphrase, or a key the workshop does not know.
func TestAuthRefusedWithoutKeyOrPassphrase(t *testing.T) {
	attendee := newKey(t)
	f := startWorkshop(t, func(o *Options) { o.Access.AuthorizedKeys = []ssh.PublicKey{attendee.PublicKey()} })
	for name, auth := range map[string][]ssh.AuthMethod{
		"nothing":          nil,
		"wrong passphrase": {passphrase("horse battery")},
		"unknown key":      {ssh.PublicKeys(newKey(t))},
		"a password":       {ssh.Password(testPassphrase)}, // not offered: the word is asked, not sent blind
	} {
		t.Run(name, func(t *testing.T) {
			_, err := testsession.NewClientSession(t, f.addr, &ssh.ClientConfig{User: "mallory", Auth: auth, Timeout: 10 * time.Second})
			if err == nil || !strings.Contains(err.Error(), "unable to authenticate") {
				t.Fatalf("logged in with %s: %v", name, err)
			}
		})
	}
	for name, auth := range map[string]ssh.AuthMethod{"the passphrase": passphrase(testPassphrase), "an attendee's key": ssh.PublicKeys(attendee)} {
		if _, err := testsession.NewClientSession(t, f.addr, &ssh.ClientConfig{User: "alice", Auth: []ssh.AuthMethod{auth}, Timeout: 10 * time.Second}); err != nil {
			t.Errorf("refused with %s: %v", name, err)
		}
	}
}

// A workshop with no way in configured does not start: never open by
// accident.
func TestNotOpenByDefault(t *testing.T) {
	if _, err := New(Options{StateDir: t.TempDir()}); err == nil || !strings.Contains(err.Error(), "--open") {
		t.Fatalf("New with no access: %v", err)
	}
}

// Wrong passphrases use up the name's tries, not the room's: the same
// address (a room behind one NAT) still lets the others in.
func TestFailedTriesAreLimitedByName(t *testing.T) {
	f := startWorkshop(t, nil)
	cfg := func(user, pass string) *ssh.ClientConfig {
		return &ssh.ClientConfig{User: user, Auth: []ssh.AuthMethod{passphrase(pass)}, Timeout: 10 * time.Second}
	}
	for range int(perName.burst) {
		if _, err := testsession.NewClientSession(t, f.addr, cfg("mallory", "guess")); err == nil {
			t.Fatal("a wrong passphrase let mallory in")
		}
	}
	if _, err := testsession.NewClientSession(t, f.addr, cfg("mallory", testPassphrase)); err == nil {
		t.Fatal("mallory got in right after using up the tries")
	}
	f.log.WaitFor(t, `refused "mallory" from 127.0.0.1: too many failed passphrases`)
	if _, err := testsession.NewClientSession(t, f.addr, cfg("alice", testPassphrase)); err != nil {
		t.Fatalf("alice, from the same address, was refused: %v", err)
	}
}

// The limiter's arithmetic: a name's tries come back with time, an
// address's bucket is a room's worth.
func TestAttemptsRefill(t *testing.T) {
	now := time.Unix(1000, 0)
	a := newAttempts()
	a.now = func() time.Time { return now }
	for range int(perName.burst) {
		a.failed("bob", "10.0.0.1")
	}
	if ok, wait := a.allow("bob", "10.0.0.1"); ok || wait != perName.refill {
		t.Fatalf("after %v failures: allowed %v, wait %v; want refused for %v", perName.burst, ok, wait, perName.refill)
	}
	if ok, _ := a.allow("carol", "10.0.0.1"); !ok {
		t.Fatal("carol refused for bob's failures")
	}
	now = now.Add(perName.refill)
	if ok, _ := a.allow("bob", "10.0.0.1"); !ok {
		t.Fatal("bob still refused once a try came back")
	}
}

// An attendee gets the walkthrough and nothing else: a command is not run,
// and a session without a terminal is told what to do.
func TestNoCommandsAndATerminalIsNeeded(t *testing.T) {
	f := startWorkshop(t, nil)
	cfg := &ssh.ClientConfig{User: "alice", Auth: []ssh.AuthMethod{passphrase(testPassphrase)}, Timeout: 10 * time.Second}
	sess, err := testsession.NewClientSession(t, f.addr, cfg)
	if err != nil {
		t.Fatal(err)
	}
	out, err := sess.CombinedOutput("cat /etc/passwd")
	if err == nil || !strings.Contains(string(out), "runs no commands") || strings.Contains(string(out), "root:") {
		t.Errorf("a command: %v\n%s", err, out)
	}
	sess, err = testsession.NewClientSession(t, f.addr, cfg)
	if err != nil {
		t.Fatal(err)
	}
	sess.Stdin = strings.NewReader("")
	out, err = sess.CombinedOutput("")
	if err == nil || !strings.Contains(string(out), "needs a terminal") {
		t.Errorf("no terminal: %v\n%s", err, out)
	}
}

// A name becomes a directory: one that could not be is refused, with what
// to type instead.
func TestANameMustBeSimple(t *testing.T) {
	f := startWorkshop(t, func(o *Options) { o.Join = "ssh -p 23234 NAME@room" })
	tm := f.attend("../alice")
	waitFor(t, tm, `"../alice" cannot name you here`, "ssh -p 23234 alice@room")
	if _, err := os.Stat(filepath.Join(f.o.StateDir, "attendees")); err == nil {
		t.Error("a directory was made for a refused name")
	}
}
