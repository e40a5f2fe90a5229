package tui

import (
	"strings"
	"testing"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"rotation-tutor/rotation"
	"rotation-tutor/steps"
)

func TestWelcomeShowsChoices(t *testing.T) {
	m := newTestModel(t, failingWorld(), 80, 24)
	requireContains(t, m, "1/11 Welcome", "Strategy", "alternating users", "Tutorial", "enter start")
}

func TestWelcomeTogglesStrategy(t *testing.T) {
	m := newTestModel(t, failingWorld(), 80, 24)
	press(t, m, "right")
	if got := m.screens[0].(*welcomeScreen).strategy; got != rotation.SingleUser {
		t.Fatalf("strategy = %q after →, want single", got)
	}
	press(t, m, "down")
	press(t, m, "right")
	if got := m.screens[0].(*welcomeScreen).flavour; got != steps.FlavourClassic {
		t.Fatalf("flavour = %q, want classic", got)
	}
	press(t, m, "enter")
	if o := m.common.Session.Choices(); o.Strategy != rotation.SingleUser || o.Flavour != steps.FlavourClassic {
		t.Fatalf("session options = %+v", o)
	}
}

func TestEnterAdvancesToEnvironment(t *testing.T) {
	m := newTestModel(t, failingWorld(), 80, 24)
	press(t, m, "enter")
	requireContains(t, m, "2/11 The environment", "bastion", "database", "Secrets Manager")
}

func TestWorldFailureShowsProblemAndRetries(t *testing.T) {
	w := failingWorld()
	m := newTestModel(t, w, 80, 24)
	settle(t, m, m.Init())
	press(t, m, "enter") // welcome → environment
	press(t, m, "enter") // run: the world fails
	requireContains(t, m, "Start the environment", "why", "refused the connection", "fix", "enter: try again")
	w.err = nil
	w.env = &steps.Env{Kind: steps.KindSandbox, Region: "us-east-1", DBHost: "db.internal", DBPort: 3306}
	press(t, m, "enter") // retry
	requireContains(t, m, "sandbox running on loopback", "enter: next step")
}

func TestBackAndQuit(t *testing.T) {
	m := newTestModel(t, failingWorld(), 80, 24)
	press(t, m, "enter")
	press(t, m, "b")
	requireContains(t, m, "1/11 Welcome")
	cmd := m.update(tea.KeyPressMsg{Code: 'q', Text: "q"})
	if cmd == nil {
		t.Fatal("q returned no command")
	}
	if _, ok := cmd().(tea.QuitMsg); !ok {
		t.Fatal("q did not quit")
	}
}

func TestHelpToggles(t *testing.T) {
	m := newTestModel(t, failingWorld(), 80, 24)
	press(t, m, "enter")
	short := view(m)
	press(t, m, "?")
	full := view(m)
	if short == full || !strings.Contains(full, "next command") {
		t.Fatalf("full help did not appear:\n%s", full)
	}
}

func TestFrameFitsTerminal(t *testing.T) {
	for _, size := range [][2]int{{80, 24}, {200, 60}} {
		m := newTestModel(t, failingWorld(), size[0], size[1])
		for i := range m.screens {
			m.cur = i
			m.screens[i].Enter()
			lines := strings.Split(view(m), "\n")
			if len(lines) > size[1] {
				t.Errorf("%dx%d screen %d: %d lines", size[0], size[1], i, len(lines))
			}
			for n, l := range lines {
				if w := ansi.StringWidth(l); w > size[0] {
					t.Errorf("%dx%d screen %d line %d is %d wide: %q", size[0], size[1], i, n, w, l)
				}
			}
		}
	}
}

func TestPanicInCommandBecomesReport(t *testing.T) {
	m := newTestModel(t, failingWorld(), 80, 24)
	msg := safe(func() tea.Msg { panic("boom") })()
	cmd := m.update(msg)
	if m.crash == nil || m.crash.report != "boom" {
		t.Fatalf("crash = %+v", m.crash)
	}
	if _, ok := cmd().(tea.QuitMsg); !ok {
		t.Fatal("a panic did not quit")
	}
}

// Two enters typed faster than the screen changes must not skip a screen.
func TestFastEntersDoNotSkipAScreen(t *testing.T) {
	m := newTestModel(t, failingWorld(), 80, 24)
	first := m.update(tea.KeyPressMsg{Code: tea.KeyEnter})
	second := m.update(tea.KeyPressMsg{Code: tea.KeyEnter}) // still on the welcome screen
	settle(t, m, tea.Batch(first, second))
	requireContains(t, m, "2/11 The environment")
}

// Choosing the older tutorial gives its own thirteen steps, numbered within it: the
// environment leads to its master secret step, and back from the connect step returns
// there; the current tutorial passes straight from the environment to the connect step.
func TestEachTutorialHasItsOwnSteps(t *testing.T) {
	m := newTestModel(t, failingWorld(), 80, 24)
	press(t, m, "down")
	press(t, m, "right") // the older tutorial
	press(t, m, "enter")
	requireContains(t, m, "2/13 The environment", "older tutorial")
	m.update(nextStepCmd(steps.Environment)())
	requireContains(t, m, "3/13 Store the master secret", "older tutorial")
	m.update(nextStepCmd(steps.StoreMasterSecret)())
	requireContains(t, m, "4/13 Connect through the bastion")
	press(t, m, "b")
	requireContains(t, m, "3/13 Store the master secret")
	press(t, m, "b")
	press(t, m, "b")
	requireContains(t, m, "1/13 Welcome")

	press(t, m, "left") // the cursor is still on the tutorial: back to the current one
	press(t, m, "enter")
	requireContains(t, m, "2/11 The environment", "current tutorial")
	m.update(nextStepCmd(steps.Environment)())
	requireContains(t, m, "3/11 Connect through the bastion")
	m.update(gotoStepCmd(steps.Connect, steps.RotateTwice)())
	requireContains(t, m, "8/11 Watch it rotate") // the older tutorial's step: the next of this one
}

// A look's tick changes nothing on screen, so the frame is kept; the next
// message that changes something is drawn at once.
func TestTickKeepsTheFrameAndTheNextChangeIsDrawn(t *testing.T) {
	m := newTestModel(t, &fakeWorld{env: &steps.Env{}}, 80, 24)
	before := m.View().Content
	m.Update(liveTickMsg{gen: -1})
	if got := m.View().Content; got != before {
		t.Fatalf("a tick changed the frame:\n%s", got)
	}
	m.Update(flashMsg{text: "a note for the learner"})
	if got := ansi.Strip(m.View().Content); !strings.Contains(got, "a note for the learner") {
		t.Fatalf("the change after a tick was not drawn:\n%s", got)
	}
}

// The commands by hand: tab moves the mark to the next one, and a change of
// the commands (a rotation found unfinished adds its own) shows, though the
// block is laid out only when something in it changed; a workshop's screens
// say where the commands run.
func TestCommandsByHand(t *testing.T) {
	m := newTestModel(t, &fakeWorld{env: fixtureEnv()}, 100, 80)
	if _, err := m.common.Session.Start(t.Context(), func(string) {}); err != nil {
		t.Fatal(err)
	}
	m.go_(steps.Index(steps.Watch))
	requireContains(t, m, "By hand", "▶ 1/4 aws — rotate again now")
	if strings.Contains(view(m), servedCommands) {
		t.Fatal("a local walkthrough says its commands run on a workshop's server")
	}
	press(t, m, "tab")
	requireContains(t, m, "▶ 2/4 aws — see which version holds which label")
	liveOf(m).live.Unfinished = &rotation.Unfinished{SecretID: "SecretsManagerTutorialAppuser", Pending: "d00d0000feedbeef", HasValue: true}
	requireContains(t, m, "d00d0000feedbeef")
	m.common.Served = true
	requireContains(t, m, "By hand", servedCommands)
}
