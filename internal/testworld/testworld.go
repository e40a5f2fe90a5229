// Package testworld is the sandbox assembled from its pieces for the tests of the tutorial
// and the walkthrough: Secrets Manager, the database and the rotation functions
// (lambdatest), and an SSH bastion in front of the database. Unlike sandbox.Start it exposes
// the pieces, so a test can look behind the steps (read a secret, know the admin password).
package testworld

import (
	"context"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"testing"

	"golang.org/x/crypto/ssh"

	"rotation-tutor/dbclient"
	"rotation-tutor/internal/vclock"
	"rotation-tutor/rotation"
	"rotation-tutor/sandbox/bastion"
	"rotation-tutor/sandbox/lambda"
	"rotation-tutor/sandbox/lambda/lambdatest"
	"rotation-tutor/steps"
)

// World implements steps.World on real loopback servers that stop when the test ends.
type World struct {
	t             testing.TB
	LW            *lambdatest.World
	AdminPassword string // to prove it never reaches what the steps write
	events        chan rotation.StepEvent
	// Clock is the world's time, at real speed unless a test changes it;
	// Pace is slow motion for its rotations. The Env carries both.
	Clock *vclock.Clock
	Pace  *rotation.Pace

	mu   sync.Mutex
	hold map[string]chan struct{} // rotation steps that wait, by name

	// local: the Env names no rotation function, so the steps rotate with the local
	// rotator, through the Env's own client, whose calls HoldCall can stop.
	local bool
	calls heldCalls
}

// UseLocalRotator makes Start's Env name no rotation function: rotations then run in the
// test's process (the local rotator), and HoldCall can stop them at any Secrets Manager
// call, as a crash or a quit would.
func (w *World) UseLocalRotator() { w.local = true }

// HoldCall makes every Secrets Manager call named op (UpdateSecretVersionStage…) made through
// the Env's client wait until release, or until the call's context ends (which then fails
// it, as a process ending would). reached is closed when the first such call waits.
func (w *World) HoldCall(op string) (reached <-chan struct{}, release func()) {
	return w.calls.hold(w.t, op)
}

// New builds the world; Start adds a bastion in front of its database.
func New(t testing.TB) *World {
	t.Helper()
	clock, err := vclock.New(1)
	if err != nil {
		t.Fatal(err)
	}
	w := &World{t: t, events: make(chan rotation.StepEvent, 256), Clock: clock, Pace: &rotation.Pace{}}
	w.LW = lambdatest.New(t, lambdatest.Options{Clock: clock, Observe: func(ev rotation.StepEvent) {
		if !ev.Done {
			w.wait(ev.Step)
		}
		select {
		case w.events <- ev:
		default: // the screen catches up from DescribeSecret
		}
	}})
	w.AdminPassword = w.LW.AdminPassword
	w.LW.Registry.SetPace(w.Pace)
	return w
}

// Hold makes every rotation stop at the start of step (createSecret,
// setSecret, testSecret or finishSecret) until release is called, so a test
// can look at what happens while a rotation is under way. The test's end
// releases it too.
func (w *World) Hold(step string) (release func()) {
	ch := make(chan struct{})
	w.mu.Lock()
	if w.hold == nil {
		w.hold = map[string]chan struct{}{}
	}
	w.hold[step] = ch
	w.mu.Unlock()
	release = sync.OnceFunc(func() {
		w.mu.Lock()
		delete(w.hold, step)
		w.mu.Unlock()
		close(ch)
	})
	w.t.Cleanup(release)
	return release
}

func (w *World) wait(step string) {
	w.mu.Lock()
	ch := w.hold[step]
	w.mu.Unlock()
	if ch != nil {
		<-ch
	}
}

// Start starts a bastion with a fresh key and known_hosts, and returns the Env.
func (w *World) Start(ctx context.Context, progress func(string)) (*steps.Env, error) {
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
	b, err := bastion.Start(ctx, bastion.Options{AuthorizedKeys: []ssh.PublicKey{key.Public}, Routes: map[string]dbclient.DialFunc{internal: w.LW.DBRoute}})
	if err != nil {
		return nil, err
	}
	w.t.Cleanup(func() { b.Close() })
	known := filepath.Join(dir, "known_hosts")
	if err := os.WriteFile(known, []byte(b.KnownHostsLine()+"\n"), 0o600); err != nil {
		return nil, err
	}
	if progress != nil {
		progress("bastion on " + b.Addr())
	}
	env := &steps.Env{
		Kind: steps.KindSandbox, Region: lambdatest.Region, Secrets: w.LW.Secrets, SecretsEndpoint: w.LW.URL,
		SSH:    dbclient.SSHConfig{Addr: b.Addr(), User: b.User(), KeyFile: keyFile, KnownHostsFile: known},
		DBHost: lambdatest.DBHost, DBPort: lambdatest.DBPort, DBName: lambdatest.DBName, DBInstance: "secretsmanagertutorial",
		AdminSecretARN:      w.LW.AdminARN,
		RDS:                 w.LW.RDS,
		RotationLambdaARN:   lambda.AlternatingARN(lambdatest.Region),
		SingleUserLambdaARN: lambda.SingleUserARN(lambdatest.Region),
		StepEvents:          w.events,
		WaitRotations:       w.LW.Service.WaitRotations,
		Clock:               w.Clock,
		Pace:                w.Pace,
	}
	if w.local {
		env.RotationLambdaARN, env.SingleUserLambdaARN, env.StepEvents, env.WaitRotations = "", "", nil, nil
		env.Secrets = w.calls.client(lambdatest.Region, w.LW.URL, w.LW.Key)
	}
	return env, nil
}

// Close leaves the servers to the test's cleanup, so a test can still look at them after
// the steps closed their world.
func (w *World) Close() error { return nil }
