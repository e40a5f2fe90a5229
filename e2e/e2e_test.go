// Package e2e runs the built binary in a real terminal (tmux at 80×24, with
// NO_COLOR) and walks every screen of the walkthrough the way a learner
// would: enter, enter, enter… It reads the screen with capture-pane.
package e2e

import (
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// term is one tmux session running the binary.
type term struct {
	t    *testing.T
	name string
}

// tmux runs a tmux command on the term's own server (a socket named after it): killing
// one term's session then ends only its server, and never races another term's start
// against a shared server that is exiting after its last session.
func (tm term) tmux(args ...string) (string, error) {
	out, err := exec.Command("tmux", append([]string{"-L", tm.name}, args...)...).CombinedOutput()
	return string(out), err
}

// screen is the pane's text now.
func (tm term) screen() string {
	out, _ := tm.tmux("capture-pane", "-p", "-t", tm.name)
	return out
}

// press sends keys (tmux names: Enter, q, r…).
func (tm term) press(keys ...string) {
	tm.t.Helper()
	if out, err := tm.tmux(append([]string{"send-keys", "-t", tm.name}, keys...)...); err != nil {
		tm.t.Fatalf("send-keys %v: %v %s", keys, err, out)
	}
}

// waitFor polls the screen until it shows every one of want, or fails after
// the deadline with what the screen showed.
func (tm term) waitFor(d time.Duration, want ...string) string {
	tm.t.Helper()
	missing := ""
	return tm.waitUntil(d, func(s string) bool {
		for _, w := range want {
			if !strings.Contains(s, w) {
				missing = w
				return false
			}
		}
		return true
	}, func() string { return fmt.Sprintf("%q", missing) })
}

// waitUntil polls the screen until ok says it shows what is awaited, or fails
// after the deadline with what it lacks and the screen.
func (tm term) waitUntil(d time.Duration, ok func(screen string) bool, what func() string) string {
	tm.t.Helper()
	deadline := time.Now().Add(d)
	for {
		s := tm.screen()
		if ok(s) {
			return s
		}
		if time.Now().After(deadline) {
			tm.t.Fatalf("after %s the screen lacks %s:\n%s", d, what(), s)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func build(t *testing.T) string {
	t.Helper()
	touchSources(t, "..")
	bin := filepath.Join(t.TempDir(), "rotation-tutor")
	cmd := exec.Command("go", "build", "-o", bin, ".")
	cmd.Dir = ".."
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

// start runs the binary in a new tmux session of the given size.
func start(t *testing.T, bin string, w, h int, args ...string) term {
	t.Helper()
	if _, err := exec.LookPath("tmux"); err != nil {
		if os.Getenv("CI") != "" {
			t.Fatal("tmux is required in CI")
		}
		t.Skip("tmux is not installed: skipping the terminal test")
	}
	name := fmt.Sprintf("rt-e2e-%d-%d", os.Getpid(), time.Now().UnixNano())
	// The shell keeps the pane open after the program ends, so the exit
	// status and the summary line can be read.
	script := fmt.Sprintf("%s %s; echo EXIT=$?; sleep 60", bin, strings.Join(args, " "))
	tm := term{t: t, name: name}
	if out, err := tm.tmux("new-session", "-d", "-s", name, "-x", fmt.Sprint(w), "-y", fmt.Sprint(h),
		"-e", "NO_COLOR=1", "sh", "-c", script); err != nil {
		t.Fatalf("tmux new-session: %v %s", err, out)
	}
	t.Cleanup(func() {
		tm.tmux("kill-server")
		dir := os.Getenv("TMUX_TMPDIR")
		if dir == "" {
			dir = "/tmp"
		}
		os.Remove(filepath.Join(dir, fmt.Sprintf("tmux-%d", os.Getuid()), name)) // the server's socket
	})
	return tm
}

// step runs the current screen's action and waits for its result, then
// moves to the next screen and waits for its title.
func (tm term) step(result, next string) {
	tm.t.Helper()
	tm.press("Enter")
	tm.waitFor(20*time.Second, result, "enter: next step")
	tm.press("Enter")
	tm.waitFor(5*time.Second, next)
}

func TestWalkthrough(t *testing.T) {
	bin := build(t)
	state := t.TempDir()
	tm := start(t, bin, 80, 24, "--state", state)

	tm.waitFor(5*time.Second, "1/11 Welcome", "alternating users", "sandbox · alternating · current tutorial")
	tm.press("Enter")
	// The environment screen shows the world as it is: started already.
	tm.waitFor(20*time.Second, "2/11 The environment", "sandbox running on loopback")
	tm.press("Enter")
	tm.waitFor(5*time.Second, "3/11 Connect through the bastion")
	tm.step("logged in as", "4/11 Create the database user")

	// Long content scrolls: the commands below the fold are reached with PgDn, whole.
	tm.press("Enter")
	s := tm.waitFor(20*time.Second, "appuser exists and can read tutorial", "more lines")
	tm.press("PPage") // nothing above: stays
	tm.press("NPage")
	tm.press("NPage")
	s = tm.waitFor(5*time.Second, `SHOW GRANTS FOR 'appuser'@'%';"`) // the end of the by-hand command
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	for _, l := range lines[:len(lines)-1] { // the help bar may shorten itself; the body never
		if strings.HasSuffix(strings.TrimSpace(l), "…") {
			t.Errorf("a line is cut off: %q\n%s", l, s)
		}
	}
	tm.press("Enter")
	tm.waitFor(5*time.Second, "5/11 Store the secret")
	tm.step("SecretsManagerTutorialAppuser is stored", "6/11 Validate the secret")
	tm.waitFor(20*time.Second, "CURRENT_USER() is appuser") // read-only: the look is the check
	tm.press("Enter")
	tm.waitFor(5*time.Second, "7/11 Configure rotation")
	tm.step("rotation is on", "8/11 Watch it rotate")

	// The live screen: the first rotation made appuser_clone current; two
	// more show the name alternating back and forth.
	tm.waitFor(10*time.Second, "VERSIONS", "AWSCURRENT", "AWSPREVIOUS", "USERNAME  appuser → appuser_clone", "CLIENTS")
	// The clients have read the secret: all log in as appuser_clone.
	tm.waitFor(10*time.Second, "appuser_clone ●●●●●●●●")
	tm.press("r")
	// They keep their 300 s copy: stale, and still logging in (AWSPREVIOUS).
	tm.waitFor(20*time.Second, "appuser → appuser_clone → appuser", "stale 8", "appuser_clone ◐◐◐◐◐◐◐◐", "failed 0")
	tm.press("r")
	tm.waitFor(20*time.Second, "appuser_clone → appuser → appuser_clone", "✓ finishSecret")
	// Two rotations within their cache's life: they fail once, and the
	// screen says why, where it happens.
	tm.waitFor(10*time.Second, "clients failed: they still held a password two", "rule ✗ cache 5m >")
	tm.press("Enter")
	tm.waitFor(20*time.Second, "9/11 Test the rotated secret", "current and previous versions both log in")
	tm.press("Enter")
	tm.waitFor(20*time.Second, "10/11 Troubleshoot", "18 of 18 checks passed", "B break something")

	// The lab: something breaks, unnamed; the doctor finds it; the lab fixes it; a rotation and
	// a login confirm.
	tm.press("B")
	tm.waitFor(20*time.Second, "Something in the sandbox is broken now")
	tm.press("Enter")
	tm.waitFor(40*time.Second, "Found it: ")
	tm.press("F")
	tm.waitFor(20*time.Second, "The lab fixed it")
	tm.press("Enter")
	tm.waitFor(40*time.Second, "The doctor passes now")
	tm.press("C")
	tm.waitFor(40*time.Second, "confirmed: rotated", "Well done")
	tm.press("Enter")
	tm.waitFor(20*time.Second, "11/11 Clean up", "not cleaned up")
	tm.press("Enter")
	tm.waitFor(20*time.Second, "cleaned up: the secret is deleted", "do not exist")

	// Going back, a result that no longer holds says so.
	tm.press("b")
	tm.press("b")
	tm.waitFor(20*time.Second, "9/11", "cannot be checked now")

	tm.press("q")
	s = tm.waitFor(10*time.Second, "EXIT=0", "rotation-tutor:")
	if strings.Contains(s, "goroutine") || strings.Contains(s, "panic") {
		t.Fatalf("the exit printed a crash:\n%s", s)
	}
}

// A learner who quits and comes back resumes where they stopped, and the screen shows what
// the world holds, not what was recorded.
func TestQuitAndResume(t *testing.T) {
	bin := build(t)
	state := t.TempDir()
	tm := start(t, bin, 80, 24, "--state", state)
	tm.waitFor(5*time.Second, "1/11 Welcome")
	tm.press("Enter")
	// Wait for the screen before the next key: a key pressed while a screen change is on
	// its way still goes to the old screen (which is what a person would see, too).
	tm.waitFor(20*time.Second, "2/11 The environment", "sandbox running on loopback")
	tm.press("Enter")
	tm.waitFor(5*time.Second, "3/11 Connect")
	tm.step("logged in as", "4/11 Create the database user")
	tm.step("appuser exists and can read tutorial", "5/11 Store the secret")
	tm.press("q")
	tm.waitFor(10*time.Second, "EXIT=0", "stopped at 5")

	again := start(t, bin, 80, 24, "--state", state, "--strategy", "single")
	again.waitFor(5*time.Second, "You stopped at step 5", "sandbox · single user · current tutorial")
	again.press("Enter")
	again.waitFor(20*time.Second, "5/11 Store the secret", "reconnected")
	again.step("SecretsManagerTutorialAppuser is stored", "6/11 Validate")
	again.press("b")
	again.press("b")
	again.waitFor(20*time.Second, "4/11", "appuser exists and can read tutorial", "as the world shows it now")
	again.press("q")
	again.waitFor(10*time.Second, "EXIT=0")
}

// touchSources stats every file the build reads. go test caches a passing result until
// something the test itself looked at changes; the build runs in a child process it cannot
// see, so without this an edited screen could be "tested" by a stale cached pass.
func touchSources(t *testing.T, root string) {
	t.Helper()
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && (d.Name() == ".git" || d.Name() == "testdata" || d.Name() == "assets") {
			return filepath.SkipDir
		}
		if n := d.Name(); strings.HasSuffix(n, ".go") || n == "go.mod" || n == "go.sum" {
			_, err = os.Stat(path)
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
}

// The older tutorial in a real terminal at 80×24: its own steps and names, from the
// master secret to two rotations (the screen does not go on until the name is back) and
// the clean-up that deletes the instance; the header says which tutorial runs, throughout.
func TestOlderTutorialWalkthrough(t *testing.T) {
	bin := build(t)
	tm := start(t, bin, 80, 24, "--state", t.TempDir(), "--tutorial", "classic")
	badge := "sandbox · alternating · older tutorial"

	tm.waitFor(5*time.Second, "1/13 Welcome", badge, "(✓) older (30 days)")
	tm.press("Enter")
	tm.waitFor(20*time.Second, "2/13 The environment", badge, "sandbox running on loopback", "MyTestDatabaseMasterSecret (yours; not rotated)")
	tm.press("NPage")
	tm.waitFor(5*time.Second, "made when the sandbox is; its master", "••••••••  (v reveals)")
	tm.press("Enter")
	tm.waitFor(5*time.Second, "3/13 Store the master secret", badge, "MyTestDatabaseMasterSecret is not stored yet")
	tm.step("MyTestDatabaseMasterSecret is stored: adminuser's credentials", "4/13 Connect through the bastion")
	tm.step("logged in as adminuser", "5/13 Create the database user")
	tm.step("mytestuser exists and can read every database", "6/13 Store the secret")
	tm.step("MyTestDatabaseUserSecret is stored", "7/13 Validate the secret")
	tm.waitFor(20*time.Second, "CURRENT_USER() is mytestuser")
	tm.press("Enter")
	tm.waitFor(5*time.Second, "8/13 Configure rotation", "every 30 days")
	tm.step("rotation is on", "9/13 Rotate twice")

	// One rotation so far: enter rotates, and the screen holds only once the name is back.
	tm.waitFor(10*time.Second, "rotated 1 time: mytestuser_clone is current", "enter rotate once more")
	tm.press("Enter")
	tm.waitFor(20*time.Second, "the name came back to mytestuser", "mytestuser → mytestuser_clone → mytestuser", "enter: next step")
	tm.press("Enter")
	tm.waitFor(10*time.Second, "10/13 Watch it rotate", badge, "mytestuser")
	tm.press("Enter")
	tm.waitFor(20*time.Second, "11/13 Test the rotated secret", "current and previous versions both log in")
	tm.press("Enter")
	tm.waitFor(20*time.Second, "12/13 Troubleshoot", "18 of 18 checks passed")
	tm.press("Enter")
	tm.waitFor(20*time.Second, "13/13 Clean up", badge, "MyTestDatabaseInstance is available")
	tm.press("Enter")
	tm.waitFor(20*time.Second, "cleaned up: both secrets are scheduled for deletion", "MyTestDatabaseInstance is deleted", "went with the instance")

	tm.press("q")
	s := tm.waitFor(10*time.Second, "EXIT=0", "rotation-tutor: 13 of 13 steps run, stopped at 13")
	if strings.Contains(s, "goroutine") || strings.Contains(s, "panic") {
		t.Fatalf("the exit printed a crash:\n%s", s)
	}
}
