package tui

import (
	"strings"
	"testing"

	"rotation-tutor/internal/testworld"
	"rotation-tutor/steps"
)

// look refreshes the live screen once, as its tick would.
func look(t *testing.T, m *model) {
	t.Helper()
	live := m.screens[steps.Index(steps.Watch)].(*liveScreen)
	settle(t, m, observeCmd(m.common.Ctx, m.common.Session, live.gen))
}

// walkToTheLiveScreen is what enter shows from a fresh state: a step's result (enter runs
// it), then the next screen (enter moves on), up to the live screen.
var walkToTheLiveScreen = []struct{ result, next string }{
	{"", "2/11 The environment"},
	{"sandbox running on loopback", "3/11 Connect"},
	{"logged in as admin", "4/11 Create the database user"},
	{"appuser can log in and read tutorial", "5/11 Store the secret"},
	{"stored SecretsManagerTutorialAppuser", "6/11 Validate"},
	{"CURRENT_USER() is appuser", "7/11 Configure rotation"},
	{"rotation is on", "8/11 Watch it rotate"},
}

// From a fresh state, enter after enter walks the whole tutorial on the
// real sandbox to the live screen; r rotates and the name alternates.
func TestEnterWalksTheTutorialOnTheSandbox(t *testing.T) {
	m := newTestModel(t, testworld.New(t), 80, 24)
	settle(t, m, m.Init())
	for _, w := range walkToTheLiveScreen {
		if w.result != "" {
			press(t, m, "enter")
			requireContains(t, m, w.result)
		}
		press(t, m, "enter")
		requireContains(t, m, w.next)
	}
	look(t, m)
	requireContains(t, m, "VERSIONS", "AWSCURRENT", "AWSPREVIOUS", "▶ appuser_clone", "USERNAME  appuser → appuser_clone")
	press(t, m, "r")
	look(t, m)
	requireContains(t, m, "appuser → appuser_clone → appuser", "✓ finishSecret", "failed 0")
	press(t, m, "s") // single user: same user, new password
	look(t, m)
	requireContains(t, m, "single-user", "appuser_clone → appuser → appuser")
	press(t, m, "s") // back to alternating users: the clone again
	look(t, m)
	requireContains(t, m, "appuser → appuser → appuser_clone")

	press(t, m, "enter")
	requireContains(t, m, "9/11 Test the rotated secret")
	press(t, m, "enter")
	requireContains(t, m, "current and previous versions both log in")
	press(t, m, "enter")
	press(t, m, "enter")
	requireContains(t, m, "checks passed")
	press(t, m, "enter")
	press(t, m, "enter")
	requireContains(t, m, "scheduled for deletion", "dropped")
	press(t, m, "u")
	requireContains(t, m, "restored")

	p := m.common.Session.Progress()
	if len(p.Done) != 11 {
		t.Errorf("%d steps recorded done, want 11", len(p.Done))
	}
	if v := view(m); strings.Contains(v, "goroutine") {
		t.Fatal(v)
	}
}
