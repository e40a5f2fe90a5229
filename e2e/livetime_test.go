package e2e

import (
	"testing"
	"time"
)

// The live screen's time controls in a real terminal at 80×24, on a sandbox
// whose clock runs a day per second: the 2-day schedule rotates by itself
// with no key pressed; slow motion holds the next scheduled rotation step by
// step, space running one step at a time; the legend opens and closes; p
// changes the clients' cache; > jumps to the next rotation.
func TestLiveScreenTimeControls(t *testing.T) {
	bin := build(t)
	tm := start(t, bin, 80, 24, "--state", t.TempDir(), "--time-scale", "86400")

	tm.waitFor(5*time.Second, "1/11 Welcome")
	tm.press("Enter")
	tm.waitFor(20*time.Second, "2/11 The environment", "sandbox running on loopback")
	tm.press("Enter")
	tm.waitFor(5*time.Second, "3/11 Connect through the bastion")
	tm.step("logged in as", "4/11 Create the database user")
	tm.step("appuser exists and can read tutorial", "5/11 Store the secret")
	tm.step("SecretsManagerTutorialAppuser is stored", "6/11 Validate the secret")
	tm.waitFor(20*time.Second, "CURRENT_USER() is appuser")
	tm.press("Enter")
	tm.waitFor(5*time.Second, "7/11 Configure rotation")
	tm.step("rotation is on", "8/11 Watch it rotate")

	// No r: the schedule rotates the secret again within seconds.
	tm.waitFor(10*time.Second, "×86400", "USERNAME  appuser → appuser_clone → appuser", "CLIENTS 8")

	for range 3 {
		tm.press("m")
	}
	tm.waitFor(10*time.Second, "slow motion: step by step", "‖ createSecret", "space runs it")
	tm.press("Space")
	tm.waitFor(10*time.Second, "✓ createSecret  stored AWSPENDING", "‖ setSecret")
	tm.press("Space")
	tm.waitFor(10*time.Second, "✓ setSecret", "‖ testSecret")
	tm.press("Space")
	tm.waitFor(10*time.Second, "✓ testSecret", "logged in and ran SELECT NOW()", "‖ finishSecret")
	tm.press("Space")
	tm.waitFor(10*time.Second, "✓ finishSecret  moved AWSCURRENT onto this")
	tm.press("m")
	tm.waitFor(10*time.Second, "LAST ROTATION")

	tm.press("l")
	tm.waitFor(5*time.Second, "LEGEND", "◐  stale")
	tm.press("l")
	tm.press("p")
	tm.waitFor(5*time.Second, "cache TTL 1 h")
	tm.press(">")
	tm.waitFor(5*time.Second, "the clock jumped to")

	tm.press("q")
	tm.waitFor(10*time.Second, "EXIT=0")
}
