package tui

import (
	"context"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"golang.org/x/crypto/ssh"

	"rotation-tutor/dbclient"
	"rotation-tutor/rotation"
	"rotation-tutor/sandbox/bastion"
	"rotation-tutor/sandbox/lambda"
	"rotation-tutor/sandbox/lambda/lambdatest"
	"rotation-tutor/steps"
)

// sandboxWorld assembles the sandbox from its pieces: Secrets Manager, the
// database and the rotation functions (lambdatest), and the bastion in front.
type sandboxWorld struct {
	t      *testing.T
	lw     *lambdatest.World
	events chan rotation.StepEvent
}

func newSandboxWorld(t *testing.T) *sandboxWorld {
	events := make(chan rotation.StepEvent, 256)
	lw := lambdatest.New(t, lambdatest.Options{Observe: func(ev rotation.StepEvent) {
		select {
		case events <- ev:
		default:
		}
	}})
	return &sandboxWorld{t: t, lw: lw, events: events}
}

func (w *sandboxWorld) Start(ctx context.Context, progress func(string)) (*steps.Env, error) {
	dir := w.t.TempDir()
	key, err := bastion.NewClientKey()
	if err != nil {
		return nil, err
	}
	keyFile := filepath.Join(dir, "id_ed25519")
	if err := key.Write(keyFile); err != nil {
		return nil, err
	}
	internal := net.JoinHostPort(lambdatest.DBHost, strconv.Itoa(lambdatest.DBPort))
	b, err := bastion.Start(ctx, bastion.Options{AuthorizedKeys: []ssh.PublicKey{key.Public}, Routes: map[string]string{internal: w.lw.DBAddr}})
	if err != nil {
		return nil, err
	}
	w.t.Cleanup(func() { b.Close() })
	known := filepath.Join(dir, "known_hosts")
	if err := os.WriteFile(known, []byte(b.KnownHostsLine()+"\n"), 0o600); err != nil {
		return nil, err
	}
	progress("bastion on " + b.Addr())
	return &steps.Env{
		Kind: steps.KindSandbox, Region: lambdatest.Region, Secrets: w.lw.Secrets, SecretsEndpoint: w.lw.URL,
		SSH:    dbclient.SSHConfig{Addr: b.Addr(), User: b.User(), KeyFile: keyFile, KnownHostsFile: known},
		DBHost: lambdatest.DBHost, DBPort: lambdatest.DBPort, DBName: lambdatest.DBName, DBInstance: "secretsmanagertutorial",
		AdminSecretARN:      w.lw.AdminARN,
		RotationLambdaARN:   lambda.AlternatingARN(lambdatest.Region),
		SingleUserLambdaARN: lambda.SingleUserARN(lambdatest.Region),
		StepEvents:          w.events,
		WaitRotations:       w.lw.Service.WaitRotations,
	}, nil
}

func (w *sandboxWorld) Close() error { return nil }

// look refreshes the live screen once, as its tick would.
func look(t *testing.T, m *model) {
	t.Helper()
	live := m.screens[steps.Index(steps.Watch)].(*liveScreen)
	settle(t, m, observeCmd(m.common.Ctx, m.common.Session, live.gen))
}

// From a fresh state, enter after enter walks the whole tutorial on the
// real sandbox to the live screen; r rotates and the name alternates.
func TestEnterWalksTheTutorialOnTheSandbox(t *testing.T) {
	m := newTestModel(t, newSandboxWorld(t), 80, 24)
	settle(t, m, m.Init())
	walk := []struct{ result, next string }{
		{"", "2/11 The environment"},
		{"sandbox running on loopback", "3/11 Connect"},
		{"logged in as admin", "4/11 Create the database user"},
		{"appuser can log in and read tutorial", "5/11 Store the secret"},
		{"stored SecretsManagerTutorialAppuser", "6/11 Validate"},
		{"CURRENT_USER() is appuser", "7/11 Configure rotation"},
		{"rotation is on", "8/11 Watch it rotate"},
	}
	for _, w := range walk {
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
