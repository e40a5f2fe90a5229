package e2e

import (
	"bufio"
	"fmt"
	"io/fs"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"

	"rotation-tutor/internal/testenv"
)

// The workshop with real OpenSSH clients: `rotation-tutor serve` in a child
// process, and /usr/bin/ssh for each attendee in a tmux terminal.

const workshopWord = "bluebird42"

// workshop is a running `serve` child process.
type workshop struct {
	port  string
	state string
	log   *testenv.Buffer
	cmd   *exec.Cmd
	done  chan error
}

func startWorkshop(t *testing.T, bin string) *workshop {
	t.Helper()
	testenv.RequireTool(t, "/usr/bin/ssh")
	w := &workshop{state: t.TempDir(), log: &testenv.Buffer{}, done: make(chan error, 1)}
	w.cmd = exec.Command(bin, "serve", "--passphrase", workshopWord, "--listen", "127.0.0.1:0", "--state", w.state, "--grace", "0")
	w.cmd.Stderr = w.log
	out, err := w.cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := w.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	lines := bufio.NewScanner(out)
	for lines.Scan() {
		if addr, ok := strings.CutPrefix(lines.Text(), "rotation-tutor serve: listening on "); ok {
			_, w.port, _ = net.SplitHostPort(addr)
			break
		}
	}
	go func() {
		for lines.Scan() {
		}
		w.done <- w.cmd.Wait()
	}()
	t.Cleanup(func() {
		_ = w.cmd.Process.Kill()
		<-w.done
	})
	if w.port == "" {
		t.Fatal("serve did not say where it listens")
	}
	return w
}

// ssh opens a terminal with OpenSSH's client logged in as user; the
// passphrase is typed when asked.
func (w *workshop) ssh(t *testing.T, bin, user string, extra ...string) term {
	t.Helper()
	args := append([]string{"-o", "StrictHostKeyChecking=no", "-o", "UserKnownHostsFile=/dev/null", "-o", "LogLevel=ERROR",
		"-o", "PubkeyAuthentication=no", "-o", "PreferredAuthentications=keyboard-interactive", "-p", w.port}, extra...)
	return start(t, "/usr/bin/ssh", 80, 24, append(args, user+"@127.0.0.1")...)
}

func (w *workshop) join(t *testing.T, bin, user string) term {
	t.Helper()
	tm := w.ssh(t, bin, user)
	tm.waitFor(30*time.Second, "Workshop passphrase:")
	tm.press(workshopWord, "Enter")
	tm.waitFor(30*time.Second, "1/11 Welcome", "workshop sandbox")
	return tm
}

// walk takes an attendee from the welcome screen to the store-secret step.
func walkToStoreSecret(tm term) {
	tm.press("Enter")
	tm.waitFor(20*time.Second, "2/11 The environment", "sandbox running on loopback")
	tm.press("Enter")
	tm.waitFor(5*time.Second, "3/11 Connect")
	tm.step("logged in as", "4/11 Create the database user")
	tm.press("Enter")
	tm.waitFor(20*time.Second, "appuser exists and can read tutorial")
	tm.press("Enter")
	tm.waitFor(5*time.Second, "5/11 Store the secret")
}

func TestWorkshopRefusesWithoutThePassphrase(t *testing.T) {
	bin := build(t)
	w := startWorkshop(t, bin)
	tm := w.ssh(t, bin, "mallory", "-o", "NumberOfPasswordPrompts=2")
	for i := range 2 {
		// The i-th prompt itself: ssh flushes what was typed before it asks.
		tm.waitUntil(30*time.Second, func(s string) bool { return strings.Count(s, "Workshop passphrase:") > i },
			func() string { return fmt.Sprintf("passphrase prompt %d", i+1) })
		tm.press("guess", "Enter")
	}
	tm.waitFor(30*time.Second, "Permission denied", "EXIT=255")
	// No keyboard at all (BatchMode): refused too, never let in for lack of a question.
	batch := start(t, "/usr/bin/ssh", 80, 24, "-o", "StrictHostKeyChecking=no", "-o", "UserKnownHostsFile=/dev/null",
		"-o", "BatchMode=yes", "-p", w.port, "mallory@127.0.0.1")
	batch.waitFor(30*time.Second, "Permission denied", "EXIT=255")
}

// Two attendees on OpenSSH each store the tutorial's secret in their own
// sandbox: neither screen shows the other's ARN, and the workshop forwards
// no port to reach the other's endpoint.
func TestWorkshopAttendeesAreIsolated(t *testing.T) {
	bin := build(t)
	w := startWorkshop(t, bin)
	alice, bob := w.join(t, bin, "alice"), w.join(t, bin, "bob")
	arn := regexp.MustCompile(`SecretsManagerTutorialAppuser-[A-Za-z0-9]{6}`) // the ARN's end: its own line when it wraps
	var arns []string
	for _, tm := range []term{alice, bob} {
		walkToStoreSecret(tm)
		tm.press("Enter")
		s := tm.waitFor(20*time.Second, "SecretsManagerTutorialAppuser is stored")
		a := arn.FindString(s)
		if a == "" {
			t.Fatalf("no ARN on the screen:\n%s", s)
		}
		arns = append(arns, a)
	}
	if arns[0] == arns[1] {
		t.Fatalf("alice and bob have the same secret %s", arns[0])
	}
	if s := bob.screen(); strings.Contains(s, arns[0]) {
		t.Errorf("bob's screen shows alice's secret:\n%s", s)
	}
	endpoint := regexp.MustCompile(`127\.0\.0\.1:\d+`).FindString(readFile(t, filepath.Join(w.state, "workshop", "attendees", "name-alice", "sandbox", "runtime.json")))
	fwd := w.ssh(t, bin, "bob", "-W", endpoint)
	fwd.waitFor(30*time.Second, "Workshop passphrase:")
	fwd.press(workshopWord, "Enter")
	fwd.waitFor(30*time.Second, "forwarding failed", "EXIT=255")
}

// A dropped connection (the ssh client killed) comes back where it was.
func TestWorkshopResumesAfterADroppedConnection(t *testing.T) {
	bin := build(t)
	w := startWorkshop(t, bin)
	alice := w.join(t, bin, "alice")
	walkToStoreSecret(alice)
	alice.tmux("kill-session", "-t", alice.name) // the terminal is gone, and its ssh with it
	w.log.WaitFor(t, "alice left")
	again := w.join(t, bin, "alice")
	again.waitFor(30*time.Second, "You stopped at step 5, Store the secret")
	again.press("Enter")
	again.waitFor(20*time.Second, "5/11 Store the secret")
}

// Stopping the workshop (SIGTERM, as ctrl+c) ends every session with the
// line to resume by, stops every sandbox and leaves nothing running.
func TestWorkshopStopsCleanly(t *testing.T) {
	bin := build(t)
	w := startWorkshop(t, bin)
	alice := w.join(t, bin, "alice")
	alice.press("Enter")
	alice.waitFor(20*time.Second, "2/11 The environment", "sandbox running on loopback")
	runtime := filepath.Join(w.state, "workshop", "attendees", "name-alice", "sandbox", "runtime.json")
	endpoint := regexp.MustCompile(`127\.0\.0\.1:\d+`).FindString(readFile(t, runtime))
	if err := w.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-w.done:
		if err != nil {
			t.Fatalf("serve exited with %v:\n%s", err, w.log)
		}
		w.done <- nil // for the cleanup
	case <-time.After(30 * time.Second):
		t.Fatalf("serve did not stop:\n%s", w.log)
	}
	alice.waitFor(30*time.Second, "the workshop has stopped", "stopped at 2. The environment", "EXIT=")
	for _, addr := range []string{endpoint, "127.0.0.1:" + w.port} {
		if c, err := net.DialTimeout("tcp", addr, time.Second); err == nil {
			c.Close()
			t.Errorf("%s still listens after serve stopped", addr)
		}
	}
	_ = filepath.WalkDir(w.state, func(path string, d fs.DirEntry, err error) error {
		if err == nil && d.Name() == "runtime.json" {
			t.Errorf("left behind: %s", path)
		}
		return err
	})
}

func readFile(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}
