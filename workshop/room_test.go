package workshop

import (
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/colorprofile"
	"golang.org/x/crypto/ssh"

	"rotation-tutor/internal/sshterm"
	"rotation-tutor/tui"
)

// panicky is a walkthrough that panics on P, outside the recovery of the
// walkthrough's own model.
type panicky struct{ tea.Model }

func (p panicky) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	if k, ok := msg.(tea.KeyPressMsg); ok && k.String() == "P" {
		panic("a bug in one session")
	}
	m, cmd := p.Model.Update(msg)
	return panicky{m}, cmd
}

// A panic ends the session it happens in and no other; the server goes on
// serving, and ctrl+z does not suspend it.
func TestAPanicEndsOnlyItsSession(t *testing.T) {
	f := startWorkshop(t, func(o *Options) { o.wrapModel = func(m tea.Model) tea.Model { return panicky{m} } })
	alice, bob := f.attend("alice"), f.attend("bob")
	waitFor(t, alice, "1/11 Welcome")
	waitFor(t, bob, "1/11 Welcome")
	press(t, alice, "P")
	<-alice.Ended()
	if s := alice.Screen(); strings.Contains(s, "goroutine") || strings.Contains(s, "panic") {
		t.Errorf("the attendee saw the panic:\n%s", s)
	}
	waitFor(t, alice, "this session stopped on an internal error", "again to resume")
	f.log.WaitFor(t, "alice: internal error, the session ends: a bug in one session")
	press(t, bob, "ctrl+z", "?")
	waitFor(t, bob, "reveal/mask") // the full help: bob's program answers
	carol := f.attend("carol")
	waitFor(t, carol, "1/11 Welcome")
}

// The terminal's size and its resizes reach the walkthrough.
func TestTerminalSizeAndResize(t *testing.T) {
	f := startWorkshop(t, nil)
	tm := f.attendWith(sshterm.Options{User: "alice", Width: 120, Height: 30})
	// The header's badge sits at the right edge: past column 80 on a wide terminal.
	headerWider := func(than int) func(string) bool {
		return func(s string) bool {
			first := strings.SplitN(s, "\n", 2)[0]
			return strings.Contains(first, "1/11 Welcome") && len([]rune(strings.TrimRight(first, " "))) > than
		}
	}
	if _, err := tm.WaitUntil(within(t, 20*time.Second), headerWider(80), func() string { return "a header wider than 80" }); err != nil {
		t.Fatal(err)
	}
	// Narrower: the badge is drawn again, whole, at the new right edge.
	if err := tm.Resize(90, 20); err != nil {
		t.Fatal(err)
	}
	_, err := tm.WaitUntil(within(t, 20*time.Second), func(s string) bool {
		first := strings.SplitN(s, "\n", 2)[0]
		return strings.HasSuffix(strings.TrimRight(first, " "), "current tutorial") && !headerWider(90)(s) && headerWider(80)(s)
	}, func() string { return "the header redrawn within 90 columns" })
	if err != nil {
		t.Fatal(err)
	}
}

// Colours come from what the client sent: NO_COLOR, COLORTERM, then TERM.
func TestColourProfileFromTheClient(t *testing.T) {
	for _, c := range []struct {
		term string
		env  []string
		want colorprofile.Profile
	}{
		{"xterm-256color", nil, colorprofile.ANSI256},
		{"xterm-256color", []string{"COLORTERM=truecolor"}, colorprofile.TrueColor},
		{"xterm-256color", []string{"NO_COLOR=yes"}, colorprofile.Ascii},
		{"xterm", nil, colorprofile.ANSI},
		{"dumb", nil, colorprofile.NoTTY},
	} {
		if got := profileFor(c.term, c.env); got != c.want {
			t.Errorf("TERM=%s %v: %v, want %v", c.term, c.env, got, c.want)
		}
	}
}

// The instructor sees the room on the dashboard, sends everyone a message
// and holds the room at a step: enter does not move past it until the
// instructor lets go.
func TestInstructorMessagesAndHoldsTheRoom(t *testing.T) {
	teacher := newKey(t)
	f := startWorkshop(t, func(o *Options) { o.Access.InstructorKeys = []ssh.PublicKey{teacher.PublicKey()} })
	alice := f.attend("alice")
	walk(t, alice, sshterm.ToEnvironment)
	dash := f.attend("instructor", ssh.PublicKeys(teacher))
	waitFor(t, dash, "rotation-tutor workshop", "alice", "2/11 The environment")

	press(t, dash, "m")
	waitFor(t, dash, "message to everyone")
	press(t, dash, "look at the diagram", "enter")
	waitFor(t, alice, "instructor: look at the diagram")

	press(t, dash, "h")
	waitFor(t, dash, "hold everyone at step")
	press(t, dash, "2", "enter")
	waitFor(t, dash, "held at step 2")
	s := waitFor(t, alice, "held at step 2 by the instructor: look at the diagram", "enter held at 2")
	press(t, alice, "enter")
	s = waitFor(t, alice, "2/11 The environment")
	if strings.Contains(s, "3/11") {
		t.Fatalf("enter moved past the hold:\n%s", s)
	}
	// A newcomer starts under the hold too.
	bob := f.attend("bob")
	walk(t, bob, sshterm.ToEnvironment)
	press(t, bob, "enter")
	waitFor(t, bob, "held at step 2")

	press(t, dash, "g")
	waitFor(t, dash, "the room moves freely")
	// The room's word reaches alice's program on its own: wait for it, as she would see it.
	if _, err := alice.WaitUntil(within(t, 30*time.Second), func(s string) bool {
		return !strings.Contains(s, "⏸") && strings.Contains(s, "instructor: look at the diagram")
	}, func() string { return "the hold lifted" }); err != nil {
		t.Fatal(err)
	}
	press(t, alice, "enter")
	waitFor(t, alice, "3/11 Connect through the bastion")
	if got := f.srv.Room(); got != (tui.Room{Message: "look at the diagram"}) {
		t.Errorf("room %+v", got)
	}
}

// The instructor's own walkthrough, as user present, is in presenter mode:
// a title card before each step, and no secret revealed.
func TestInstructorPresents(t *testing.T) {
	teacher := newKey(t)
	f := startWorkshop(t, func(o *Options) { o.Access.InstructorKeys = []ssh.PublicKey{teacher.PublicKey()} })
	p := f.attend("present", ssh.PublicKeys(teacher))
	waitFor(t, p, "1/11 Welcome")
	press(t, p, "enter")
	waitFor(t, p, "STEP 2 OF 11", "show the step")
	press(t, p, "enter")
	waitFor(t, p, "sandbox running on loopback")
	press(t, p, "v")
	waitFor(t, p, "presenter mode never reveals a secret")
}

// Past --max-sessions, a newcomer is told the workshop is full.
func TestFullWorkshopSaysSo(t *testing.T) {
	f := startWorkshop(t, func(o *Options) { o.MaxSessions = 1 })
	alice := f.attend("alice")
	waitFor(t, alice, "1/11 Welcome")
	bob := f.attend("bob")
	waitFor(t, bob, "the workshop is full (1 sessions)")
}

// The commands by hand name the server's files and loopback ports: an
// attendee's screen says, where they appear, that they run on the server.
func TestCommandsSayTheyRunOnTheServer(t *testing.T) {
	f := startWorkshop(t, nil)
	tm := f.attendWith(sshterm.Options{User: "alice", Width: 100, Height: 60})
	walk(t, tm, sshterm.ToStoreSecret)
	screen := waitFor(t, tm, "By hand", "aws secretsmanager create-secret")
	lines := strings.Split(screen, "\n")
	for i, l := range lines {
		if strings.Contains(l, "By hand") {
			if i+1 >= len(lines) || !strings.Contains(lines[i+1], "run on the workshop's server") {
				t.Fatalf("the line under By hand does not say where the commands run:\n%s", screen)
			}
			return
		}
	}
}
