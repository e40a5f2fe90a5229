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
// A step whose result the world already shows on entering (shown) is not run: enter goes on.
var walkToTheLiveScreen = []struct {
	result, next string
	shown        bool
}{
	{"", "2/11 The environment", false},
	{"sandbox running on loopback", "3/11 Connect", true},
	{"logged in as admin", "4/11 Create the database user", false},
	{"appuser exists and can read tutorial", "5/11 Store the secret", false},
	{"SecretsManagerTutorialAppuser is stored", "6/11 Validate", false},
	{"CURRENT_USER() is appuser", "7/11 Configure rotation", true},
	{"rotation is on", "8/11 Watch it rotate", false},
}

// toTheLiveScreen starts the world and presses enter, checking each screen,
// until the live screen shows.
func toTheLiveScreen(t *testing.T, m *model) {
	t.Helper()
	settle(t, m, m.Init())
	for _, w := range walkToTheLiveScreen {
		if w.result != "" {
			if !w.shown {
				press(t, m, "enter")
			}
			requireContains(t, m, w.result)
		}
		press(t, m, "enter")
		requireContains(t, m, w.next)
	}
}

// From a fresh state, enter after enter walks the whole tutorial on the
// real sandbox to the live screen; r rotates and the name alternates.
func TestEnterWalksTheTutorialOnTheSandbox(t *testing.T) {
	m := newTestModel(t, testworld.New(t), 80, 24)
	toTheLiveScreen(t, m)
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

	// The next screens show what the world holds as they are entered: their checks are
	// read-only, so enter goes on.
	press(t, m, "enter")
	requireContains(t, m, "9/11 Test the rotated secret", "current and previous versions both log in")
	press(t, m, "enter")
	requireContains(t, m, "10/11 Troubleshoot", "14 of 14 checks passed")
	press(t, m, "enter")
	requireContains(t, m, "11/11 Clean up", "not cleaned up")
	press(t, m, "enter")
	requireContains(t, m, "cleaned up: the secret is deleted or scheduled for deletion", "do not exist")

	// Screen 9 no longer claims both versions log in: it says what changed.
	press(t, m, "b")
	press(t, m, "b")
	requireContains(t, m, "9/11", "ran before, but cannot be checked now", "scheduled for deletion")
	if strings.Contains(view(m), "both log in") {
		t.Fatalf("screen 9 still claims both versions log in:\n%s", view(m))
	}

	// Restoring brings back a working state: the secret and the users its versions name.
	settle(t, m, m.go_(steps.Index(steps.CleanUp)))
	press(t, m, "u")
	requireContains(t, m, "not cleaned up", "still exist")
	press(t, m, "b")
	press(t, m, "b")
	requireContains(t, m, "9/11", "current and previous versions both log in")

	p := m.common.Session.Progress()
	if len(p.Done) != 9 { // welcome… configure, test-rotated's and troubleshoot's looks were enough, clean-up
		t.Logf("steps run: %v", p.Done)
	}
	if v := view(m); strings.Contains(v, "goroutine") {
		t.Fatal(v)
	}
}
