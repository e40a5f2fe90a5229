package workshop

import (
	"context"
	"net"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	sm "github.com/aws/aws-sdk-go-v2/service/secretsmanager"
	"golang.org/x/crypto/ssh"

	"rotation-tutor/internal/sshterm"
	"rotation-tutor/internal/testenv"
	"rotation-tutor/sandbox"
	"rotation-tutor/sandbox/lambda"
)

// attendeeSandbox is the running sandbox of the attendee known by name.
func (f *fixture) attendeeSandbox(id string) sandbox.Info {
	f.t.Helper()
	in, ok, err := sandbox.Attach(filepath.Join(f.o.StateDir, "attendees", id, "sandbox"))
	if err != nil || !ok {
		f.t.Fatalf("%s's sandbox: running %v, %v", id, ok, err)
	}
	return in
}

// appSecretARN reads the tutorial's secret through in's endpoint with in's key.
func appSecretARN(t *testing.T, in sandbox.Info) string {
	t.Helper()
	c, done := lambda.NewSecretsClient(in.Region, in.SecretsManagerEndpoint, in.AccessKey())
	defer done()
	out, err := c.DescribeSecret(context.Background(), &sm.DescribeSecretInput{SecretId: aws.String("SecretsManagerTutorialAppuser")})
	if err != nil {
		t.Fatal(err)
	}
	return aws.ToString(out.ARN)
}

// Two attendees each get a sandbox of their own: neither's screen, endpoint
// or key reaches the other's secret, and the workshop forwards no port to
// reach it another way.
func TestAttendeesAreIsolated(t *testing.T) {
	f := startWorkshop(t, nil)
	alice, bob := f.attend("alice"), f.attend("bob")
	for _, tm := range []*sshterm.Term{alice, bob} {
		walk(t, tm, sshterm.ToStoreSecret)
		press(t, tm, "enter")
	}
	waitFor(t, alice, "SecretsManagerTutorialAppuser is stored")
	bobScreen := waitFor(t, bob, "SecretsManagerTutorialAppuser is stored")
	ai, bi := f.attendeeSandbox("name-alice"), f.attendeeSandbox("name-bob")
	aliceARN, bobARN := appSecretARN(t, ai), appSecretARN(t, bi)
	if aliceARN == bobARN || ai.SecretsManagerEndpoint == bi.SecretsManagerEndpoint || ai.AccessKeyID == bi.AccessKeyID {
		t.Fatalf("alice and bob share a sandbox: %s %s, %s %s", aliceARN, ai.SecretsManagerEndpoint, bobARN, bi.SecretsManagerEndpoint)
	}
	if suffix := aliceARN[strings.LastIndex(aliceARN, "-"):]; strings.Contains(bobScreen, suffix) {
		t.Errorf("bob's screen shows alice's secret %s:\n%s", aliceARN, bobScreen)
	}

	ctx := context.Background()
	bobs, done := lambda.NewSecretsClient(bi.Region, bi.SecretsManagerEndpoint, bi.AccessKey())
	defer done()
	if _, err := bobs.GetSecretValue(ctx, &sm.GetSecretValueInput{SecretId: aws.String(aliceARN)}); err == nil || !strings.Contains(err.Error(), "ResourceNotFoundException") {
		t.Errorf("bob's endpoint on alice's ARN: %v", err)
	}
	list, err := bobs.ListSecrets(ctx, &sm.ListSecretsInput{})
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range list.SecretList {
		if aws.ToString(s.ARN) == aliceARN {
			t.Errorf("bob's endpoint lists alice's secret")
		}
	}
	bobOnAlices, done2 := lambda.NewSecretsClient(ai.Region, ai.SecretsManagerEndpoint, bi.AccessKey())
	defer done2()
	if _, err := bobOnAlices.GetSecretValue(ctx, &sm.GetSecretValueInput{SecretId: aws.String(aliceARN)}); err == nil || !strings.Contains(err.Error(), "UnrecognizedClient") {
		t.Errorf("bob's key on alice's endpoint: %v", err)
	}

	// No forwarding: a logged-in attendee cannot open a channel to alice's endpoint or bastion.
	c, err := ssh.Dial("tcp", f.addr, &ssh.ClientConfig{User: "bob", Auth: []ssh.AuthMethod{passphrase(testPassphrase)},
		HostKeyCallback: ssh.InsecureIgnoreHostKey(), Timeout: 10 * time.Second}) //nolint:gosec // the test's own server
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	for _, to := range []string{strings.TrimPrefix(ai.SecretsManagerEndpoint, "http://"), net.JoinHostPort(ai.Bastion.Host, strconv.Itoa(ai.Bastion.Port))} {
		if conn, err := c.Dial("tcp", to); err == nil {
			conn.Close()
			t.Errorf("the workshop forwarded bob to alice's %s", to)
		}
	}
}

// A dropped connection comes back where it was: by name once the server has
// noticed the drop (a second connection under a name in use is refused), by
// key at once (the new connection takes over). Within the grace period the
// sandbox is the one that was running.
func TestResumeAfterADroppedConnection(t *testing.T) {
	carolKey := newKey(t)
	f := startWorkshop(t, func(o *Options) {
		o.Grace = time.Hour
		o.Access.AuthorizedKeys = []ssh.PublicKey{carolKey.PublicKey()}
	})
	alice := f.attend("alice")
	walk(t, alice, sshterm.ToStoreSecret)
	before := f.attendeeSandbox("name-alice")

	other := f.attend("alice")
	waitFor(t, other, "alice is connected already")
	<-other.Ended()

	alice.Drop()
	f.log.WaitFor(t, "alice left")
	again := f.attend("alice")
	waitFor(t, again, "You stopped at step 5, Store the secret", "workshop sandbox")
	press(t, again, "enter")
	waitFor(t, again, "5/11 Store the secret")
	if after := f.attendeeSandbox("name-alice"); after.SecretsManagerEndpoint != before.SecretsManagerEndpoint {
		t.Errorf("the sandbox was replaced within the grace period: %s, then %s", before.SecretsManagerEndpoint, after.SecretsManagerEndpoint)
	}
	if strings.Contains(f.log.String(), "alice: sandbox stopped") {
		t.Error("alice's sandbox stopped within the grace period")
	}

	carol := f.attend("carol", ssh.PublicKeys(carolKey))
	walk(t, carol, sshterm.ToConnect)
	takeover := f.attend("carol", ssh.PublicKeys(carolKey))
	waitFor(t, takeover, "You stopped at step 3")
	<-carol.Ended() // the old connection's program was ended
}

// What an attendee leaves behind when they go: nothing running (no
// goroutine, no listener, no runtime file), and their progress and data,
// kept to resume.
func TestTeardownLeavesNothingRunning(t *testing.T) {
	before := runtime.NumGoroutine()
	f := startWorkshop(t, nil)
	alice := f.attend("alice")
	walk(t, alice, sshterm.ToConnect)
	in := f.attendeeSandbox("name-alice")
	press(t, alice, "q")
	waitFor(t, alice, "again to resume")
	<-alice.Ended()
	f.log.WaitFor(t, "alice: sandbox stopped")
	if err := f.srv.Close(); err != nil {
		t.Fatal(err)
	}
	alice.Close()
	testenv.WaitGoroutines(t, before)

	dir := filepath.Join(f.o.StateDir, "attendees", "name-alice")
	for _, addr := range []string{strings.TrimPrefix(in.SecretsManagerEndpoint, "http://"), net.JoinHostPort(in.Bastion.Host, strconv.Itoa(in.Bastion.Port)), f.addr} {
		if c, err := net.DialTimeout("tcp", addr, time.Second); err == nil {
			c.Close()
			t.Errorf("%s still listens", addr)
		}
	}
	err := filepath.WalkDir(f.o.StateDir, func(path string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		switch name := d.Name(); {
		case name == "runtime.json", strings.Contains(name, ".tmp"):
			t.Errorf("left behind: %s", path)
		}
		if fi, err := d.Info(); err == nil && fi.Mode().Perm()&0o077 != 0 {
			t.Errorf("%s is readable by others: %v", path, fi.Mode())
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(dir, "progress.json")); err != nil {
		t.Errorf("alice's progress is gone: %v", err)
	}
}
