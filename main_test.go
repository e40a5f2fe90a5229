package main

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"encoding/json"
	"io"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	sm "github.com/aws/aws-sdk-go-v2/service/secretsmanager"
	"golang.org/x/crypto/ssh"

	"rotation-tutor/dbclient"
	"rotation-tutor/internal/testenv"
	"rotation-tutor/rotation"
	"rotation-tutor/sandbox"
	"rotation-tutor/sandbox/lambda"
	"rotation-tutor/sandbox/lambda/lambdatest"
	"rotation-tutor/steps"
)

func runArgs(args ...string) (code int, stdout, stderr string) {
	var out, errOut bytes.Buffer
	code = run(context.Background(), args, &out, &errOut)
	return code, out.String(), errOut.String()
}

// The command line's contract: help exits 0, mistakes exit 2 with a message that says what
// to do, and nothing is started for a wrong command line.
func TestCommandLine(t *testing.T) {
	for _, tc := range []struct {
		args     []string
		code     int
		stderrIs string
	}{
		{[]string{"--help"}, exitOK, "Commands:"},
		{[]string{"sandbox", "--help"}, exitOK, "-json"},
		{[]string{"bench", "-h"}, exitOK, "-rotations"},
		{[]string{"frobnicate"}, exitUsage, `unknown command "frobnicate"`},
		{[]string{"--no-such-flag"}, exitUsage, "flag provided but not defined"},
		{[]string{"doctor", "extra"}, exitUsage, `unexpected argument "extra"`},
		{[]string{"--db", "postgres"}, exitUsage, "--db must be gms or mariadb"},
		{[]string{"--strategy", "both"}, exitUsage, "--strategy must be alternating or single"},
		{[]string{"--bastion", "ec2-user@host"}, exitUsage, "--bastion only applies with --aws"},
		{[]string{"doctor", "--db-ca-bundle", "global-bundle.pem"}, exitUsage, "--db-ca-bundle only applies with --aws"},
		{[]string{"run", "--aws", "--db-require-tls"}, exitUsage, "--db-require-tls only applies to the sandbox"},
		{[]string{"bench", "--clients", "0"}, exitUsage, "at least 1"},
		{[]string{"run", "--aws", "--region", "eu-west-1"}, exitUsage, "add --yes"},
		{[]string{"sandbox", "--master-password", "--json"}, exitUsage, "--master-password only prints the password"},
		{[]string{"lab"}, exitUsage, "say what to do"},
		{[]string{"lab", "break"}, exitUsage, `"break" is not one of`},
		{[]string{"lab", "break", "no-such-fault", "--state", "/nonexistent"}, exitUsage, `no scenario is called "no-such-fault"`},
		{[]string{"sandbox", "--time-scale", "0.5"}, exitUsage, "--time-scale: the time scale must be from 1"},
		{[]string{"--time-scale", "100000"}, exitUsage, "a day per second"},
		{[]string{"run", "--yes", "--aws", "--time-scale", "60"}, exitUsage, "--time-scale only applies to the sandbox"},
		{[]string{"serve", "--open", "--probe-logins", "-1"}, exitUsage, "--probe-logins not negative"},
		{[]string{"serve", "-h"}, exitOK, "-probe-logins"},
	} {
		t.Run(strings.Join(tc.args, " "), func(t *testing.T) {
			code, _, stderr := runArgs(tc.args...)
			if code != tc.code || !strings.Contains(stderr, tc.stderrIs) {
				t.Errorf("exit %d, stderr:\n%s\nwant exit %d and %q", code, stderr, tc.code, tc.stderrIs)
			}
		})
	}
}

// `sandbox --json` prints one object with the documented keys once everything is ready, runs
// until it is told to stop, and then exits 0.
func TestSandboxJSONThenCleanStop(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	pr, pw := io.Pipe()
	var errOut testenv.Buffer
	done := make(chan int, 1)
	go func() {
		code := run(ctx, []string{"sandbox", "--json", "--state", t.TempDir()}, pw, &errOut)
		pw.Close()
		done <- code
	}()

	var info map[string]any
	if err := json.NewDecoder(pr).Decode(&info); err != nil {
		t.Fatalf("decoding sandbox --json: %v (stderr: %s)", err, errOut.String())
	}
	for _, k := range []string{"region", "account_id", "secretsmanager_endpoint", "access_key_id", "secret_access_key",
		"database", "bastion", "rotation_function_arn", "commands"} {
		if _, ok := info[k]; !ok {
			t.Errorf("sandbox --json has no %q", k)
		}
	}
	for obj, keys := range map[string][]string{
		"database": {"host", "port", "name", "admin_secret_arn", "ca_bundle_file", "require_secure_transport"},
		"bastion":  {"host", "port", "user", "private_key_file", "known_hosts_file", "host_key_fingerprint"},
		"commands": {"aws", "ssh_tunnel", "mysql"},
	} {
		m, _ := info[obj].(map[string]any)
		for _, k := range keys {
			if _, ok := m[k]; !ok {
				t.Errorf("sandbox --json %s has no %q", obj, k)
			}
		}
	}
	go io.Copy(io.Discard, pr) //nolint:errcheck // drain whatever follows
	cancel()
	select {
	case code := <-done:
		if code != exitOK {
			t.Fatalf("sandbox exited %d after the stop signal: %s", code, errOut.String())
		}
	case <-time.After(30 * time.Second):
		t.Fatal("sandbox did not stop within 30s of being told to")
	}
}

// --trust-host-key trusts exactly the fingerprint the operator gave, nothing else.
func TestTrustHostKeyTrustsOnlyThatFingerprint(t *testing.T) {
	keyFor := func() ssh.PublicKey {
		pub, _, err := ed25519.GenerateKey(nil)
		if err != nil {
			t.Fatal(err)
		}
		k, err := ssh.NewPublicKey(pub)
		if err != nil {
			t.Fatal(err)
		}
		return k
	}
	vouched, other := keyFor(), keyFor()
	o := &options{aws: true, trustHost: ssh.FingerprintSHA256(vouched)}
	trust := o.awsOptions().OnUnknownHost
	if trust == nil || !trust("bastion:22", vouched) || trust("bastion:22", other) {
		t.Fatal("--trust-host-key must trust its fingerprint and only that one")
	}
	if (&options{aws: true}).awsOptions().OnUnknownHost != nil {
		t.Fatal("without --trust-host-key an unknown bastion must not be trusted")
	}
	if code, _, stderr := runArgs("doctor", "--aws", "--trust-host-key", "deadbeef"); code != exitUsage || !strings.Contains(stderr, "SHA256:") {
		t.Fatalf("a malformed fingerprint: exit %d, %s", code, stderr)
	}
}

// The whole walkthrough, headless, on the embedded database and on a real MariaDB: every
// step passes (the doctor's included) and the user name alternates in the last two rotations.
func TestRunHeadlessOnBothEngines(t *testing.T) {
	for _, engine := range []string{"gms", "mariadb"} {
		t.Run(engine, func(t *testing.T) {
			if engine == "mariadb" {
				testenv.RequireTool(t, "/usr/sbin/mariadbd")
			}
			var last []string
			for _, line := range runHeadlessJSON(t, "--db", engine, "--state", t.TempDir()) {
				last = append(last, line.Detail)
			}
			if n := len(last); n < 2 || !strings.Contains(last[n-2], "appuser_clone → appuser") || !strings.Contains(last[n-1], "appuser → appuser_clone") {
				t.Errorf("the last two rotations do not alternate: %q", last)
			}
		})
	}
}

// headlessLine is one line of `run --json`.
type headlessLine struct {
	Step, Detail string
	OK           bool
}

// runHeadlessJSON runs `run --yes --json` with args, requires it to pass with every step ok, and
// returns its lines.
func runHeadlessJSON(t *testing.T, args ...string) []headlessLine {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	var out, errOut bytes.Buffer
	if code := run(ctx, append([]string{"run", "--yes", "--json"}, args...), &out, &errOut); code != exitOK {
		t.Fatalf("run %v exited %d\nstdout:\n%s\nstderr:\n%s", args, code, out.String(), errOut.String())
	}
	var lines []headlessLine
	dec := json.NewDecoder(&out)
	for dec.More() {
		var line headlessLine
		if err := dec.Decode(&line); err != nil {
			t.Fatal(err)
		}
		if !line.OK {
			t.Errorf("step %s failed: %s", line.Step, line.Detail)
		}
		lines = append(lines, line)
	}
	return lines
}

// The older tutorial, headless, whole: its own master secret, mytestuser with SELECT on
// *.*, two rotations that bring the name back, and the clean-up that deletes both secrets
// and MyTestDatabaseInstance; run again on the same state (the instance made again at the
// next start, the secrets restored), it passes again. On both engines.
func TestRunHeadlessOlderTutorial(t *testing.T) {
	for _, engine := range []string{"gms", "mariadb"} {
		t.Run(engine, func(t *testing.T) {
			if engine == "mariadb" {
				testenv.RequireTool(t, "/usr/sbin/mariadbd")
			}
			state := t.TempDir()
			for round := 1; round <= 2; round++ {
				details := map[string][]string{}
				var order []string
				for _, line := range runHeadlessJSON(t, "--tutorial", "classic", "--db", engine, "--state", state) {
					details[line.Step] = append(details[line.Step], line.Detail)
					order = append(order, line.Step)
				}
				for step, want := range map[string]string{
					"store-master-secret": "MyTestDatabaseMasterSecret is stored: adminuser's credentials",
					"connect":             "adminuser",
					"create-user":         "mytestuser exists and can read every database",
					"store-secret":        "MyTestDatabaseUserSecret is stored",
					"validate":            "CURRENT_USER() is mytestuser@",
					"configure-rotation":  "the first rotation made mytestuser_clone current",
					"clean-up":            "both secrets are scheduled for deletion, and MyTestDatabaseInstance is deleted",
				} {
					if d := details[step]; len(d) == 0 || !strings.Contains(d[len(d)-1], want) {
						t.Errorf("round %d: %s said %q, want %q", round, step, d, want)
					}
				}
				twice := details["rotate-twice"]
				if len(twice) == 0 || !strings.Contains(twice[len(twice)-1], "the name came back to mytestuser") {
					t.Errorf("round %d: rotate-twice said %q", round, twice)
				}
				if order[len(order)-1] != "clean-up" {
					t.Errorf("round %d: the run ended with %s, not the clean-up: %v", round, order[len(order)-1], order)
				}
			}
		})
	}
}

// --db-require-tls: the whole walkthrough, headless, passes on databases that refuse plain
// text, for both tutorials (the older one ends with its clean-up) and both engines; the
// current tutorial's secret says "ssl": true, and the doctor run afterwards on the same
// state passes, with the flag and without it (the parameter group keeps requiring TLS).
func TestRunHeadlessRequiringTLS(t *testing.T) {
	for _, tc := range []struct{ flavour, engine string }{{"current", "gms"}, {"classic", "gms"}, {"current", "mariadb"}} {
		t.Run(tc.flavour+" on "+tc.engine, func(t *testing.T) {
			if tc.engine == "mariadb" {
				testenv.RequireTool(t, "/usr/sbin/mariadbd")
			}
			// A short state path: a mariadbd's socket path is limited to about 100 bytes.
			state, err := os.MkdirTemp("", "rt")
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { os.RemoveAll(state) })
			flavour := tc.flavour
			runHeadlessJSON(t, "--db-require-tls", "--db", tc.engine, "--tutorial", flavour, "--state", state)
			if flavour == "classic" {
				return // its clean-up deleted what the doctor would look at
			}
			for _, args := range [][]string{{"--db-require-tls"}, nil} {
				if tc.engine == "mariadb" {
					break // its data goes when it stops: the run's own doctor step checked it
				}
				code, stdout, stderr := runArgs(append([]string{"doctor", "--json", "--db", tc.engine, "--state", state}, args...)...)
				if code != exitOK {
					t.Errorf("doctor %v after the run: exit %d\n%s\n%s", args, code, stdout, stderr)
				}
			}
			ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
			defer cancel()
			sb, err := sandbox.Start(ctx, sandbox.Options{StateDir: sandboxDir(state), Engine: tc.engine})
			if err != nil {
				t.Fatal(err)
			}
			defer sb.Close()
			in := sb.Info()
			client, closeIdle := lambda.NewSecretsClient(in.Region, in.SecretsManagerEndpoint, in.AccessKey())
			defer closeIdle()
			out, err := client.GetSecretValue(ctx, &sm.GetSecretValueInput{SecretId: aws.String("SecretsManagerTutorialAppuser")})
			if err != nil {
				t.Fatal(err)
			}
			sec, err := rotation.ReadSecret(aws.ToString(out.SecretString))
			if err != nil || sec.TLSMode() != dbclient.TLSRequired {
				t.Errorf("the secret the run stored (and rotated) asks for %v, want TLS only (%v)", sec.TLSMode(), err)
			}
		})
	}
}

// `sandbox --master-password` tells the older tutorial's master password from the state key
// alone, the one the sandbox's instance has, and refuses a state with no sandbox in it.
func TestSandboxMasterPassword(t *testing.T) {
	state := t.TempDir()
	if code, _, stderr := runArgs("sandbox", "--state", state, "--master-password"); code != exitFailed || !strings.Contains(stderr, "start it first") {
		t.Fatalf("before any sandbox: exit %d, %s", code, stderr)
	}
	sb, err := sandbox.Start(context.Background(), sandbox.Options{StateDir: sandboxDir(state)})
	if err != nil {
		t.Fatal(err)
	}
	defer sb.Close()
	code, stdout, stderr := runArgs("sandbox", "--state", state, "--master-password")
	if code != exitOK || strings.TrimSpace(stdout) != sb.ClassicMasterPassword() {
		t.Fatalf("exit %d, the password printed is the instance's: %v (%s)", code, strings.TrimSpace(stdout) == sb.ClassicMasterPassword(), stderr)
	}
}

// `lab list --json` lists every scenario with its heading and where the doctor must point, and
// `lab break`, `check` and `fix` work on a sandbox that is not running (flags after the words).
func TestLabCommand(t *testing.T) {
	code, stdout, stderr := runArgs("lab", "list", "--json")
	var list []struct{ Name, Heading, Hop, Check string }
	if code != exitOK || json.Unmarshal([]byte(stdout), &list) != nil || len(list) < 15 {
		t.Fatalf("lab list --json: exit %d\n%s\n%s", code, stdout, stderr)
	}
	for _, s := range list {
		if s.Name == "" || s.Hop == "" || s.Check == "" || (s.Hop != "bastion" && s.Heading == "") {
			t.Errorf("a scenario lacks a field: %+v", s)
		}
	}
	state := t.TempDir()
	if code, out, errOut := runArgs("run", "--yes", "--state", state); code != exitOK {
		t.Fatalf("run --yes: %d\n%s\n%s", code, out, errOut)
	}
	if code, out, errOut := runArgs("lab", "break", "role-cannot-read-master", "--state", state); code != exitOK || !strings.Contains(out, "Broken: role-cannot-read-master") {
		t.Fatalf("lab break: %d\n%s\n%s", code, out, errOut)
	}
	if code, out, _ := runArgs("lab", "check", "--state", state); code != exitOK || !strings.Contains(out, "✓ found: role-cannot-read-master") {
		t.Fatalf("lab check after the break: exit %d\n%s", code, out)
	}
	if code, out, errOut := runArgs("lab", "fix", "role-cannot-read-master", "--state", state); code != exitOK {
		t.Fatalf("lab fix: %d\n%s\n%s", code, out, errOut)
	}
	if code, out, _ := runArgs("lab", "check", "--state", state); code != exitOK || !strings.Contains(out, "broken nothing") {
		t.Fatalf("lab check after the fix: exit %d\n%s", code, out)
	}
}

// A rotation cut short when the sandbox stopped (held half-way here, as a quit or a crash
// would leave it) is resumed when the doctor next starts the sandbox, and the doctor judges
// the world after that, not the moment before: it passes, and blames no function.
func TestDoctorLooksAfterTheResumedRotation(t *testing.T) {
	state := t.TempDir()
	runHeadlessJSON(t, "--state", state)

	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	pace := &rotation.Pace{}
	pace.SetMode(rotation.PaceMode{ByKey: true})
	sb, err := sandbox.Start(ctx, sandbox.Options{StateDir: sandboxDir(state), Pace: pace})
	if err != nil {
		t.Fatal(err)
	}
	in := sb.Info()
	client, closeIdle := lambda.NewSecretsClient(in.Region, in.SecretsManagerEndpoint, in.AccessKey())
	defer closeIdle()
	if _, err := client.RotateSecret(ctx, &sm.RotateSecretInput{SecretId: aws.String(steps.DefaultSecretName)}); err != nil {
		t.Fatal(err)
	}
	lambdatest.WaitHeld(t, pace, rotation.StepCreate)
	pace.Next()
	lambdatest.WaitHeld(t, pace, rotation.StepSet)
	if err := sb.Close(); err != nil {
		t.Fatal(err)
	}

	code, out, errOut := runArgs("doctor", "--state", state)
	if code != exitOK || strings.Contains(out, "did not finish") {
		t.Fatalf("doctor after a rotation cut short: exit %d\n%s\n%s", code, out, errOut)
	}
}
