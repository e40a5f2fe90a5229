// Package sshterm is a person at a terminal, logged in over SSH: an
// x/crypto/ssh client session with a PTY whose output draws on a terminal
// emulator, as on a real screen, and which answers the program's terminal
// queries the way a terminal does. Tests read the screen and press keys with
// it; the serve benchmark times key presses to frames with it.
package sshterm

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"strings"
	"sync"
	"time"

	"github.com/charmbracelet/x/vt"
	"golang.org/x/crypto/ssh"
)

// Options configure Dial.
type Options struct {
	Addr string
	User string
	Auth []ssh.AuthMethod
	// HostKey checks the server's key; nil accepts any (tests of a server
	// they just started).
	HostKey ssh.HostKeyCallback
	// Term is the TERM the PTY request carries; "" means xterm-256color.
	Term          string
	Width, Height int               // 0 means 80×24
	Env           map[string]string // sent with env requests before the shell
}

// Term is one logged-in terminal.
type Term struct {
	conn   net.Conn
	client *ssh.Client
	sess   *ssh.Session
	stdin  io.WriteCloser

	mu      sync.Mutex
	screen  *vt.Emulator
	changed chan struct{} // closed and replaced on every write to the screen
	ended   bool

	done   chan struct{} // closed when the session's output has ended
	answer chan struct{} // closed when the query answerer has returned
	once   sync.Once
}

// Dial connects, asks for a PTY and a shell, and starts drawing.
func Dial(ctx context.Context, o Options) (*Term, error) {
	if o.Term == "" {
		o.Term = "xterm-256color"
	}
	if o.Width == 0 || o.Height == 0 {
		o.Width, o.Height = 80, 24
	}
	if o.HostKey == nil {
		o.HostKey = ssh.InsecureIgnoreHostKey() //nolint:gosec // a server the caller started
	}
	var d net.Dialer
	conn, err := d.DialContext(ctx, "tcp", o.Addr)
	if err != nil {
		return nil, fmt.Errorf("sshterm: dial %s: %w", o.Addr, err)
	}
	if dl, ok := ctx.Deadline(); ok {
		_ = conn.SetDeadline(dl)
	}
	c, chans, reqs, err := ssh.NewClientConn(conn, o.Addr, &ssh.ClientConfig{User: o.User, Auth: o.Auth, HostKeyCallback: o.HostKey})
	if err != nil {
		conn.Close()
		return nil, fmt.Errorf("sshterm: log in to %s as %s: %w", o.Addr, o.User, err)
	}
	_ = conn.SetDeadline(time.Time{})
	t := &Term{conn: conn, client: ssh.NewClient(c, chans, reqs), screen: vt.NewEmulator(o.Width, o.Height),
		changed: make(chan struct{}), done: make(chan struct{}), answer: make(chan struct{})}
	if err := t.start(o); err != nil {
		t.client.Close()
		return nil, err
	}
	return t, nil
}

func (t *Term) start(o Options) error {
	var err error
	if t.sess, err = t.client.NewSession(); err != nil {
		return fmt.Errorf("sshterm: open a session: %w", err)
	}
	for k, v := range o.Env {
		_ = t.sess.Setenv(k, v) // a server may refuse some; the test then sees it
	}
	if err := t.sess.RequestPty(o.Term, o.Height, o.Width, ssh.TerminalModes{ssh.ECHO: 0}); err != nil {
		return fmt.Errorf("sshterm: ask for a terminal: %w", err)
	}
	if t.stdin, err = t.sess.StdinPipe(); err != nil {
		return err
	}
	out, err := t.sess.StdoutPipe()
	if err != nil {
		return err
	}
	if err := t.sess.Shell(); err != nil {
		return fmt.Errorf("sshterm: start the shell: %w", err)
	}
	go t.draw(out)
	go t.answerQueries()
	return nil
}

// draw puts the session's output on the screen until it ends.
func (t *Term) draw(out io.Reader) {
	defer close(t.done)
	buf := make([]byte, 32<<10)
	for {
		n, err := out.Read(buf)
		if n > 0 {
			t.mu.Lock()
			_, _ = t.screen.Write(buf[:n])
			close(t.changed)
			t.changed = make(chan struct{})
			t.mu.Unlock()
		}
		if err != nil {
			t.mu.Lock()
			t.ended = true
			close(t.changed)
			t.changed = make(chan struct{})
			t.mu.Unlock()
			return
		}
	}
}

// answerQueries sends the emulator's answers (background colour, cursor
// position…) back to the program, as a terminal would.
func (t *Term) answerQueries() {
	defer close(t.answer)
	buf := make([]byte, 1024)
	for {
		n, err := t.screen.Read(buf)
		if n > 0 {
			_, _ = t.stdin.Write(buf[:n])
		}
		if err != nil {
			return
		}
	}
}

// keys are the byte sequences a terminal sends for named keys; anything else
// is typed as it is.
var keys = map[string]string{
	"enter": "\r", "tab": "\t", "space": " ", "backspace": "\x7f", "esc": "\x1b",
	"up": "\x1b[A", "down": "\x1b[B", "right": "\x1b[C", "left": "\x1b[D",
	"ctrl+c": "\x03", "ctrl+z": "\x1a", "ctrl+d": "\x04",
}

// Press types keys, each one a name from the table above or literal text.
func (t *Term) Press(ks ...string) error {
	for _, k := range ks {
		s, ok := keys[k]
		if !ok {
			s = k
		}
		if _, err := io.WriteString(t.stdin, s); err != nil {
			return fmt.Errorf("sshterm: press %q: %w", k, err)
		}
	}
	return nil
}

// Screen is the text on the screen now, one line per row.
func (t *Term) Screen() string {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.screen.String()
}

// ErrEnded says the session ended before the screen showed what was awaited.
var ErrEnded = errors.New("sshterm: the session ended")

// WaitFor returns the screen once it shows every one of want, or an error
// (with the screen) when ctx ends or the session does first.
func (t *Term) WaitFor(ctx context.Context, want ...string) (string, error) {
	missing := ""
	return t.WaitUntil(ctx, func(s string) bool {
		for _, w := range want {
			if !strings.Contains(s, w) {
				missing = w
				return false
			}
		}
		return true
	}, func() string { return fmt.Sprintf("%q", missing) })
}

// WaitUntil returns the screen once ok says it is what the caller waits
// for; what names it in the error.
func (t *Term) WaitUntil(ctx context.Context, ok func(screen string) bool, what func() string) (string, error) {
	for {
		t.mu.Lock()
		s, changed, ended := t.screen.String(), t.changed, t.ended
		t.mu.Unlock()
		switch {
		case ok(s):
			return s, nil
		case ended:
			return s, fmt.Errorf("%w before it showed %s; the screen:\n%s", ErrEnded, what(), s)
		}
		select {
		case <-changed:
		case <-ctx.Done():
			return s, fmt.Errorf("sshterm: the screen never showed %s: %w; the screen:\n%s", what(), ctx.Err(), s)
		}
	}
}

// Resize tells the server the window changed.
func (t *Term) Resize(width, height int) error {
	t.mu.Lock()
	t.screen.Resize(width, height)
	t.mu.Unlock()
	return t.sess.WindowChange(height, width)
}

// Ended is closed once the session's output has ended.
func (t *Term) Ended() <-chan struct{} { return t.done }

// Drop cuts the connection without a goodbye, as a network failure would.
func (t *Term) Drop() { t.conn.Close() }

// Close ends the session and the connection and waits for the goroutines.
func (t *Term) Close() error {
	var err error
	t.once.Do(func() {
		err = t.client.Close()
		<-t.done
		// Closing the emulator's answer pipe ends answerQueries; the
		// emulator's own Close would race with its Read.
		if c, ok := t.screen.InputPipe().(io.Closer); ok {
			c.Close()
		}
		<-t.answer
	})
	if errors.Is(err, net.ErrClosed) {
		return nil
	}
	return err
}
