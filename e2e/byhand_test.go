package e2e

import (
	"context"
	"net"
	"os/exec"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	sm "github.com/aws/aws-sdk-go-v2/service/secretsmanager"
	"github.com/google/uuid"

	"rotation-tutor/dbclient"
	rtshell "rotation-tutor/internal/shell"
	"rotation-tutor/internal/testenv"
	"rotation-tutor/rotation"
	"rotation-tutor/steps"
	"rotation-tutor/world"
)

// The tutorial done by hand: at every step, the commands the screen shows are pasted into a
// new shell that has nothing set (env -i, Debian's tools on PATH, an empty HOME), instead of
// pressing enter; then the step looks at the world and must find its effect in place. So a
// command that does not run when pasted, or does not do what its screen says, fails here.
// Only the tunnel's local port is changed, so that the test never collides with a listener
// already on dbclient.LocalPort. Each tutorial is done twice: against databases that let plain
// text in, and against databases that require TLS (--db-require-tls), where every mysql
// command must carry what makes it use TLS, and the secret stored says "ssl": true.
func TestTheTutorialByHand(t *testing.T) {
	for _, requireTLS := range []bool{false, true} {
		t.Run(tlsName(requireTLS), func(t *testing.T) { tutorialByHand(t, requireTLS) })
	}
}

func TestTheOlderTutorialByHand(t *testing.T) {
	for _, requireTLS := range []bool{false, true} {
		t.Run(tlsName(requireTLS), func(t *testing.T) { olderTutorialByHand(t, requireTLS) })
	}
}

func tlsName(requireTLS bool) string {
	if requireTLS {
		return "TLS required"
	}
	return "plain text allowed"
}

func tutorialByHand(t *testing.T, requireTLS bool) {
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	s, env, sh := startByHand(t, ctx, steps.FlavourCurrent, requireTLS)

	sh.paste(stepCommands(t, s, steps.Environment))
	sh.tunnel(stepCommands(t, s, steps.Connect, "shell", "aws", "mysql", "workbench")[0].Text)
	if out := sh.paste(stepCommands(t, s, steps.Connect, "ssh", "workbench")); !strings.Contains(out, "8.0") {
		t.Fatalf("the admin login by hand printed no server version:\n%s", out)
	}

	// The steps that change the world: by hand, then the step's own look must agree.
	for _, id := range []steps.ID{steps.CreateUser, steps.StoreSecret, steps.Validate, steps.ConfigureRotation} {
		out := sh.paste(stepCommands(t, s, id, "ssh", "workbench"))
		if env.WaitRotations != nil {
			if err := env.WaitRotations(ctx); err != nil {
				t.Fatal(err)
			}
		}
		mustHold(t, ctx, s, id, out)
		if id == steps.Validate && !strings.Contains(out, "appuser@") {
			t.Fatalf("validating by hand did not log in as appuser:\n%s", out)
		}
		if id == steps.StoreSecret {
			checkSSLKey(t, ctx, s, requireTLS)
		}
	}
	if out := sh.paste(stepCommands(t, s, steps.Validate, "ssh", "workbench")); !strings.Contains(out, "appuser_clone@") {
		t.Fatalf("after the first rotation, validating by hand should log in as appuser_clone:\n%s", out)
	}

	// Rotating by hand alternates the user; both versions then log in by hand.
	sh.paste(stepCommands(t, s, steps.Watch, "ssh", "workbench"))
	if err := env.WaitRotations(ctx); err != nil {
		t.Fatal(err)
	}
	out := sh.paste(stepCommands(t, s, steps.TestRotated, "ssh", "workbench"))
	if !strings.Contains(out, "appuser@") || !strings.Contains(out, "appuser_clone@") {
		t.Fatalf("after two rotations by hand, the current and previous versions should log in as the two users:\n%s", out)
	}
	mustHold(t, ctx, s, steps.TestRotated, out)

	if out := sh.paste(stepCommands(t, s, steps.Troubleshoot)); !strings.Contains(out, "passed") {
		t.Fatalf("the doctor, run by hand while the walkthrough's sandbox runs, said:\n%s", out)
	}

	// A rotation cut short after createSecret, finished by hand: the screen's commands invoke
	// the function for each step with the pending version's token, through Lambda's API.
	token := leaveUnfinished(t, ctx, env)
	u, err := rotation.FindUnfinished(ctx, env.Secrets, env.SecretName)
	if err != nil || u == nil || u.Pending != token {
		t.Fatalf("the rotation left unfinished is not found: %+v %v", u, err)
	}
	st, _ := steps.ByID(steps.Watch)
	var finish []steps.Command
	for _, c := range st.Commands(s, u) {
		if c.Tool == "shell" || strings.Contains(c.Text, "lambda invoke") {
			finish = append(finish, c)
		}
	}
	if len(finish) != 2 {
		t.Fatalf("no command finishes the rotation by hand: %+v", st.Commands(s, u))
	}
	out = sh.paste(finish)
	if u, err := rotation.FindUnfinished(ctx, env.Secrets, env.SecretName); err != nil || u != nil || strings.Contains(out, "FunctionError") {
		t.Fatalf("after the four steps by hand the rotation is still unfinished: %+v %v\n%s", u, err, out)
	}
	if out := sh.paste(stepCommands(t, s, steps.Validate, "ssh", "workbench")); !strings.Contains(out, "@") {
		t.Fatalf("after finishing by hand, the current version does not log in:\n%s", out)
	}

	// Clean-up by hand, but not the restore that follows it on the screen. The sandbox's RDS
	// answers the database's deletion too.
	mustHold(t, ctx, s, steps.CleanUp, sh.paste(cleanUpCommands(t, s)))
	if !strings.Contains(stepLook(t, ctx, s, steps.CleanUp).Fact("DB instance"), "is deleted") {
		t.Fatalf("the instance deleted by hand is not gone: %+v", stepLook(t, ctx, s, steps.CleanUp))
	}
}

// The older tutorial done by hand, with its own names and steps: the master secret stored
// with the password the sandbox chose (read by its own command, never pasted), the limited
// user with SELECT on *.*, its secret, the login as mytestuser, rotation every 30 days with
// the master secret, two rotations that bring the name back, and the clean-up that deletes
// both secrets and the instance.
func olderTutorialByHand(t *testing.T, requireTLS bool) {
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	s, env, sh := startByHand(t, ctx, steps.FlavourClassic, requireTLS)

	if out := sh.paste(stepCommands(t, s, steps.Environment)); !strings.Contains(out, "mytestdatabaseinstance") || !strings.Contains(out, "adminuser") {
		t.Fatalf("describing MyTestDatabaseInstance by hand printed:\n%s", out)
	}
	out := sh.paste(stepCommands(t, s, steps.StoreMasterSecret))
	mustHold(t, ctx, s, steps.StoreMasterSecret, out)
	if pw := env.MasterPassword(); strings.Contains(out, pw) {
		t.Fatalf("storing the master secret by hand printed the master password:\n%s", out)
	}

	sh.tunnel(stepCommands(t, s, steps.Connect, "shell", "aws", "mysql", "workbench")[0].Text)
	if out := sh.paste(stepCommands(t, s, steps.Connect, "ssh", "workbench")); !strings.Contains(out, "8.0") {
		t.Fatalf("the master user's login by hand printed no server version:\n%s", out)
	}
	for _, id := range []steps.ID{steps.CreateUser, steps.StoreSecret, steps.Validate, steps.ConfigureRotation} {
		out := sh.paste(stepCommands(t, s, id, "ssh", "workbench"))
		if err := env.WaitRotations(ctx); err != nil {
			t.Fatal(err)
		}
		mustHold(t, ctx, s, id, out)
		if id == steps.StoreSecret {
			checkSSLKey(t, ctx, s, requireTLS)
		}
		switch {
		case id == steps.CreateUser && !strings.Contains(out, "GRANT SELECT ON *.* TO `mytestuser`"):
			t.Fatalf("creating mytestuser by hand did not grant SELECT on *.*:\n%s", out)
		case id == steps.Validate && !strings.Contains(out, "mytestuser@"):
			t.Fatalf("validating by hand did not log in as mytestuser:\n%s", out)
		}
	}
	if rules := stepLook(t, ctx, s, steps.ConfigureRotation).Fact("Schedule"); rules != "every 30 days" {
		t.Fatalf("rotation configured by hand runs %q, not every 30 days", rules)
	}

	// The configure step rotated once; by hand, once more, and the name is back.
	twice := stepLook(t, ctx, s, steps.RotateTwice)
	if twice.Holds {
		t.Fatalf("after one rotation the step already holds: %+v", twice)
	}
	out = sh.paste(stepCommands(t, s, steps.RotateTwice, "ssh", "workbench"))
	if err := env.WaitRotations(ctx); err != nil {
		t.Fatal(err)
	}
	cmds := stepCommands(t, s, steps.RotateTwice, "ssh", "workbench")
	if out = sh.paste([]steps.Command{cmds[0], cmds[len(cmds)-1]}); strings.TrimSpace(out) != "mytestuser" {
		t.Fatalf("after two rotations the current version by hand names:\n%s", out)
	}
	mustHold(t, ctx, s, steps.RotateTwice, out)
	out = sh.paste(stepCommands(t, s, steps.TestRotated, "ssh", "workbench"))
	if !strings.Contains(out, "mytestuser@") || !strings.Contains(out, "mytestuser_clone@") {
		t.Fatalf("the current and previous versions by hand should log in as the two users:\n%s", out)
	}
	mustHold(t, ctx, s, steps.TestRotated, out)
	if out := sh.paste(stepCommands(t, s, steps.Troubleshoot)); !strings.Contains(out, "passed, 0 failed") {
		t.Fatalf("the doctor for the older tutorial, by hand, said:\n%s", out)
	}

	mustHold(t, ctx, s, steps.CleanUp, sh.paste(cleanUpCommands(t, s)))
	look := stepLook(t, ctx, s, steps.CleanUp)
	if !strings.Contains(look.Summary, "both secrets are scheduled for deletion") || !strings.Contains(look.Fact("DB instance"), "is deleted") {
		t.Fatalf("after the clean-up by hand: %+v", look)
	}
}

// startByHand starts a session of the flavour's tutorial on a sandbox of its own, and a
// shell to paste into; it skips when a tool the commands use is missing.
func startByHand(t *testing.T, ctx context.Context, flavour string, requireTLS bool) (*steps.Session, *steps.Env, *shell) {
	t.Helper()
	for _, tool := range []string{"/usr/bin/ssh", "/usr/bin/aws", "/usr/bin/jq", "/usr/bin/mysql", "/usr/bin/env"} {
		testenv.RequireTool(t, tool)
	}
	dir := t.TempDir()
	s, err := steps.NewSession(world.Sandbox(world.SandboxOptions{StateDir: dir + "/sandbox", RequireTLS: requireTLS}),
		steps.Options{StateDir: dir, SelfCommand: build(t), Flavour: flavour}, true)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	env, err := s.Start(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	return s, env, newShell(t, ctx)
}

// cleanUpCommands are the clean-up's commands, without the restore that follows them on
// the screen.
func cleanUpCommands(t *testing.T, s *steps.Session) []steps.Command {
	t.Helper()
	var keep []steps.Command
	for _, c := range stepCommands(t, s, steps.CleanUp, "ssh", "workbench") {
		if !strings.Contains(c.Text, "restore-secret") {
			keep = append(keep, c)
		}
	}
	return keep
}

func stepLook(t *testing.T, ctx context.Context, s *steps.Session, id steps.ID) steps.Result {
	t.Helper()
	st, _ := steps.ByID(id)
	r, err := st.Look(ctx, s)
	if err != nil {
		t.Fatalf("%s: look: %v", id, err)
	}
	return r
}

// stepCommands are a step's commands now, without the tools named in skip, and without those
// the screen marks as shown for reference (the sandbox cannot answer them: a VPC, EC2).
func stepCommands(t *testing.T, s *steps.Session, id steps.ID, skip ...string) []steps.Command {
	t.Helper()
	st, ok := steps.ByID(id)
	if !ok {
		t.Fatalf("no step %s", id)
	}
	var out []steps.Command
next:
	for _, c := range st.Commands(s, nil) {
		if c.Reference != "" {
			continue
		}
		// The database's certificate is checked by CA, in every login by hand.
		if c.Tool == "mysql" && !strings.Contains(c.Text, " --ssl-ca "+s.Env().DBCA.File+" ") {
			t.Fatalf("%s: a mysql command without the sandbox's CA bundle: %s", id, c.Text)
		}
		for _, tool := range skip {
			if c.Tool == tool {
				continue next
			}
		}
		out = append(out, c)
	}
	return out
}

func mustHold(t *testing.T, ctx context.Context, s *steps.Session, id steps.ID, pasted string) {
	t.Helper()
	st, _ := steps.ByID(id)
	r, err := st.Look(ctx, s)
	if err != nil || !r.Holds {
		t.Fatalf("%s done by hand, but the step does not see it: %+v %v\nthe shell printed:\n%s", id, r, err, pasted)
	}
}

// shell pastes commands into new shells with nothing set, as a learner would.
type shell struct {
	t    *testing.T
	ctx  context.Context
	home string
	port int
}

func newShell(t *testing.T, ctx context.Context) *shell {
	return &shell{t: t, ctx: ctx, home: t.TempDir(), port: testenv.FreePort(t)}
}

func (sh *shell) swapPort(cmd string) string {
	local := strconv.Itoa(dbclient.LocalPort)
	cmd = strings.ReplaceAll(cmd, "-L "+local+":", "-L "+strconv.Itoa(sh.port)+":")
	return strings.ReplaceAll(cmd, "-P "+local+" ", "-P "+strconv.Itoa(sh.port)+" ")
}

func (sh *shell) command(script string) *exec.Cmd {
	cmd := exec.CommandContext(sh.ctx, "/usr/bin/env", "-i", "PATH=/usr/bin:/bin", "HOME="+sh.home, "/bin/bash", "-c", script)
	cmd.Dir = sh.home
	return cmd
}

// commandColumns is what an 80-column terminal leaves a command on the walkthrough's screens.
const commandColumns = 74

// paste runs the commands one after another in one new shell, stopping at the first that
// fails, and returns what they printed. Each is pasted as the screen shows it at 80 columns,
// wrapped, unless the screen says it is too wide to paste as shown: then as c copies it.
func (sh *shell) paste(cmds []steps.Command) string {
	sh.t.Helper()
	var script strings.Builder
	script.WriteString("set -e\n")
	for _, c := range cmds {
		text := sh.swapPort(c.Text)
		if wrapped, ok := rtshell.Wrap(text, commandColumns); ok {
			text = wrapped
		}
		script.WriteString(text + "\n")
	}
	out, err := sh.command(script.String()).CombinedOutput()
	if err != nil {
		sh.t.Fatalf("pasted into a new shell:\n%s\nit failed (%v):\n%s", script.String(), err, out)
	}
	return string(out)
}

// tunnel runs the ssh -L command in the background for the rest of the test.
func (sh *shell) tunnel(cmd string) {
	sh.t.Helper()
	c := sh.command("exec " + sh.swapPort(cmd) + " -o ExitOnForwardFailure=yes -o BatchMode=yes")
	var stderr testenv.Buffer
	c.Stderr = &stderr
	if err := c.Start(); err != nil {
		sh.t.Fatal(err)
	}
	sh.t.Cleanup(func() { c.Process.Kill(); c.Wait() })
	addr := net.JoinHostPort("127.0.0.1", strconv.Itoa(sh.port))
	// ssh says nothing when its forward is ready: a bounded poll of the port is the signal.
	for delay := 5 * time.Millisecond; ; delay = min(2*delay, 200*time.Millisecond) {
		if conn, err := net.Dial("tcp", addr); err == nil {
			conn.Close()
			return
		}
		select {
		case <-sh.ctx.Done():
			sh.t.Fatalf("the pasted ssh -L never listened on %s: %s", addr, stderr.String())
		case <-time.After(delay):
		}
	}
}

// leaveUnfinished leaves the app secret as a rotation cut short after createSecret leaves it:
// AWSPENDING on a new version holding the other user and a new password.
func leaveUnfinished(t *testing.T, ctx context.Context, env *steps.Env) string {
	t.Helper()
	out, err := env.Secrets.GetSecretValue(ctx, &sm.GetSecretValueInput{SecretId: aws.String(env.SecretName)})
	if err != nil {
		t.Fatal(err)
	}
	cur, err := rotation.ReadSecret(aws.ToString(out.SecretString))
	if err != nil {
		t.Fatal(err)
	}
	user, err := rotation.AlternateUsername(cur.Username, 32)
	if err != nil {
		t.Fatal(err)
	}
	value, _ := rotation.NewSecret(cur.Host, cur.Port, cur.DBName, user, "Pending-"+uuid.NewString()[:12], cur.MasterARN).JSON()
	token := uuid.NewString()
	if _, err := env.Secrets.PutSecretValue(ctx, &sm.PutSecretValueInput{SecretId: aws.String(env.SecretName),
		ClientRequestToken: aws.String(token), SecretString: aws.String(value), VersionStages: []string{rotation.StagePending}}); err != nil {
		t.Fatal(err)
	}
	return token
}

// checkSSLKey: the secret just stored says "ssl": true, and the screen says why, exactly
// when the database requires TLS.
func checkSSLKey(t *testing.T, ctx context.Context, s *steps.Session, requireTLS bool) {
	t.Helper()
	look := stepLook(t, ctx, s, steps.StoreSecret)
	hasSSL := strings.Contains(look.Fact("Value"), `"ssl":true`)
	if hasSSL != requireTLS || (look.Fact("TLS") != "") != requireTLS {
		t.Fatalf("the database requires TLS: %v; the secret stored by hand: %s; why: %q", requireTLS, look.Fact("Value"), look.Fact("TLS"))
	}
}
