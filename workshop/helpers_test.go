package workshop

import (
	"context"
	"fmt"
	"net"
	"testing"
	"time"

	"golang.org/x/crypto/ssh"

	"rotation-tutor/internal/sshterm"
	"rotation-tutor/internal/testenv"
	"rotation-tutor/sandbox/bastion"
)

const testPassphrase = "correct horse"

// fixture is a workshop server on a loopback port, closed when the test ends.
type fixture struct {
	t    *testing.T
	srv  *Server
	addr string
	log  *testenv.Buffer
	o    Options
}

// startWorkshop serves a workshop that admits the test passphrase, with no
// grace period, as changed by mutate.
func startWorkshop(t *testing.T, mutate func(o *Options)) *fixture {
	t.Helper()
	log := &testenv.Buffer{}
	o := Options{StateDir: t.TempDir(), Access: Access{Passphrase: testPassphrase},
		Logf: func(format string, args ...any) { fmt.Fprintf(log, format+"\n", args...) }}
	if mutate != nil {
		mutate(&o)
	}
	srv, err := New(o)
	if err != nil {
		t.Fatal(err)
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	served := make(chan error, 1)
	go func() { served <- srv.Serve(l) }()
	t.Cleanup(func() {
		if err := srv.Close(); err != nil {
			t.Errorf("close: %v", err)
		}
		if err := <-served; err != nil {
			t.Errorf("serve: %v", err)
		}
	})
	return &fixture{t: t, srv: srv, addr: l.Addr().String(), log: log, o: srv.o}
}

// passphrase answers the workshop's question with pass.
func passphrase(pass string) ssh.AuthMethod {
	return ssh.KeyboardInteractive(func(_, _ string, questions []string, _ []bool) ([]string, error) {
		answers := make([]string, len(questions))
		for i := range answers {
			answers[i] = pass
		}
		return answers, nil
	})
}

func newKey(t *testing.T) ssh.Signer {
	t.Helper()
	k, err := bastion.NewClientKey()
	if err != nil {
		t.Fatal(err)
	}
	return k.Signer
}

// attend logs in as user with auth (the passphrase when none is given) on an
// 80×24 terminal.
func (f *fixture) attend(user string, auth ...ssh.AuthMethod) *sshterm.Term {
	f.t.Helper()
	return f.attendWith(sshterm.Options{User: user, Auth: auth})
}

func (f *fixture) attendWith(o sshterm.Options) *sshterm.Term {
	f.t.Helper()
	o.Addr = f.addr
	if len(o.Auth) == 0 {
		o.Auth = []ssh.AuthMethod{passphrase(testPassphrase)}
	}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	tm, err := sshterm.Dial(ctx, o)
	if err != nil {
		f.t.Fatal(err)
	}
	f.t.Cleanup(func() { tm.Close() })
	return tm
}

// within is the context a test waits in for a screen.
func within(t *testing.T, d time.Duration) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), d)
	t.Cleanup(cancel)
	return ctx
}

func waitFor(t *testing.T, tm *sshterm.Term, want ...string) string {
	t.Helper()
	s, err := tm.WaitFor(within(t, 30*time.Second), want...)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func walk(t *testing.T, tm *sshterm.Term, stages []sshterm.Stage) {
	t.Helper()
	if err := tm.Walk(within(t, 60*time.Second), stages); err != nil {
		t.Fatal(err)
	}
}

func press(t *testing.T, tm *sshterm.Term, keys ...string) {
	t.Helper()
	if err := tm.Press(keys...); err != nil {
		t.Fatal(err)
	}
}
