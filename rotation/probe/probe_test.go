package probe

import (
	"context"
	"errors"
	"fmt"
	"net"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	sm "github.com/aws/aws-sdk-go-v2/service/secretsmanager"

	"rotation-tutor/dbclient"
	"rotation-tutor/rotation"
)

// fakeWorld is a secret store and a database in one: which version is
// current, and which user/password pairs the database accepts.
type fakeWorld struct {
	mu       sync.Mutex
	current  string
	values   map[string][2]string // version → user, password
	accepted map[[2]string]bool
	clock    time.Time
}

func newFakeWorld() *fakeWorld {
	w := &fakeWorld{values: map[string][2]string{}, accepted: map[[2]string]bool{}, clock: time.Unix(1000, 0)}
	w.put("v1", "appuser", "p1")
	return w
}

// put stores a new current version and lets the database accept it.
func (w *fakeWorld) put(version, user, password string) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.current = version
	w.values[version] = [2]string{user, password}
	w.accepted[[2]string{user, password}] = true
}

func (w *fakeWorld) refuse(user, password string) {
	w.mu.Lock()
	defer w.mu.Unlock()
	delete(w.accepted, [2]string{user, password})
}

func (w *fakeWorld) advance(d time.Duration) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.clock = w.clock.Add(d)
}

func (w *fakeWorld) now() time.Time {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.clock
}

func (w *fakeWorld) GetSecretValue(ctx context.Context, in *sm.GetSecretValueInput, _ ...func(*sm.Options)) (*sm.GetSecretValueOutput, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	v := w.values[w.current]
	s := fmt.Sprintf(`{"engine":"mysql","host":"db.internal","username":%q,"password":%q}`, v[0], v[1])
	return &sm.GetSecretValueOutput{SecretString: aws.String(s), VersionId: aws.String(w.current)}, nil
}

func (w *fakeWorld) login(ctx context.Context, _ dbclient.DialFunc, t dbclient.Target) error {
	w.mu.Lock()
	defer w.mu.Unlock()
	if !w.accepted[[2]string{t.User, t.Password}] {
		return errors.New("Error 1045: Access denied")
	}
	return nil
}

func startFake(t *testing.T, w *fakeWorld, clients int) *Probe {
	t.Helper()
	p, err := Start(context.Background(), Config{
		Clients: clients, Secrets: w, SecretID: "app",
		Dial:  func(context.Context, string, string) (net.Conn, error) { return nil, errors.New("unused") },
		login: w.login, now: w.now,
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(p.Stop)
	return p
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// Single user: the password changes in place, so every client holding the
// old secret fails once, refreshes, and logs in again. The outage is the
// time between its failure and its next success.
func TestProbeCountsSingleUserFailures(t *testing.T) {
	w := newFakeWorld()
	p := startFake(t, w, 3)
	ctx := context.Background()
	must(t, p.RefreshAll(ctx))
	w.advance(time.Second)

	w.put("v2", "appuser", "p2")
	w.refuse("appuser", "p1")
	p.MarkRotated("v2")
	if s := p.Snapshot(); s.Stale != 3 {
		t.Fatalf("after the rotation every client is stale: %+v", s)
	}
	must(t, p.LoginAll(ctx))
	s := p.Snapshot()
	if s.Failed != 3 || s.Down != 3 || s.Logins != 3 {
		t.Fatalf("after LoginAll: failed %d down %d logins %d, want 3 3 3", s.Failed, s.Down, s.Logins)
	}
	w.advance(250 * time.Millisecond)
	must(t, p.LoginAll(ctx)) // the failure invalidated each cache: this login refreshes first
	s = p.Snapshot()
	if s.Failed != 3 || s.Down != 0 || s.Logins != 6 || s.Stale != 0 {
		t.Fatalf("after recovery: %+v", s)
	}
	if s.Unavailable != 3*250*time.Millisecond {
		t.Fatalf("unavailable = %v, want 750ms (3 clients × 250ms)", s.Unavailable)
	}
	for _, c := range s.Clients {
		if c.Version != "v2" || c.Failed != 1 || c.Unavailable != 250*time.Millisecond {
			t.Fatalf("client %+v", c)
		}
	}
}

// Alternating users: a client one rotation behind still logs in; two
// rotations behind, its user's password has changed and it fails.
func TestProbeAlternatingStaleness(t *testing.T) {
	w := newFakeWorld()
	p := startFake(t, w, 2)
	ctx := context.Background()
	must(t, p.RefreshAll(ctx))
	w.advance(time.Second)

	w.put("v2", "appuser_clone", "c2") // appuser/p1 stays valid: AWSPREVIOUS
	p.MarkRotated("v2")
	must(t, p.LoginAll(ctx))
	if s := p.Snapshot(); s.Failed != 0 || s.Stale != 2 || s.Clients[0].Behind != 1 {
		t.Fatalf("one rotation behind: %+v", s)
	}
	w.advance(time.Second)
	w.put("v3", "appuser", "p3") // the next rotation changes appuser's password
	w.refuse("appuser", "p1")
	p.MarkRotated("v3")
	if s := p.Snapshot(); s.Clients[0].Behind != 2 {
		t.Fatalf("two rotations behind: %+v", s.Clients[0])
	}
	must(t, p.LoginAll(ctx))
	if s := p.Snapshot(); s.Failed != 2 {
		t.Fatalf("clients that missed a refresh between rotations must fail: %+v", s)
	}
}

func TestProbeTimedRefresh(t *testing.T) {
	w := newFakeWorld()
	p, err := Start(context.Background(), Config{
		Clients: 1, Secrets: w, SecretID: "app", Policy: Policy{Name: "TTL 1 min", TTL: time.Minute},
		Dial:  func(context.Context, string, string) (net.Conn, error) { return nil, errors.New("unused") },
		login: w.login, now: w.now,
	})
	must(t, err)
	defer p.Stop()
	ctx := context.Background()
	must(t, p.LoginAll(ctx))
	w.put("v2", "appuser_clone", "c2")
	must(t, p.LoginAll(ctx))
	if v := p.Snapshot().Clients[0].Version; v != "v1" {
		t.Fatalf("cache refreshed before its lifetime: %s", v)
	}
	w.advance(time.Minute)
	must(t, p.LoginAll(ctx))
	if v := p.Snapshot().Clients[0].Version; v != "v2" {
		t.Fatalf("cache not refreshed after its lifetime: %s", v)
	}
}

func TestProbeStopsCleanly(t *testing.T) {
	w := newFakeWorld()
	ctx, cancel := context.WithCancel(context.Background())
	p, err := Start(ctx, Config{
		Clients: 4, Secrets: w, SecretID: "app", Pause: time.Millisecond,
		Dial:  func(context.Context, string, string) (net.Conn, error) { return nil, errors.New("unused") },
		login: w.login, now: w.now,
	})
	must(t, err)
	cancel()
	<-p.Done() // every client goroutine returned
	if err := p.LoginAll(context.Background()); !errors.Is(err, ErrStopped) {
		t.Fatalf("LoginAll after stop: %v", err)
	}
	p.Stop() // idempotent
}

func TestObserveStepMarksRotations(t *testing.T) {
	w := newFakeWorld()
	p := startFake(t, w, 1)
	must(t, p.RefreshAll(context.Background()))
	w.advance(time.Second)
	p.ObserveStep(rotation.StepEvent{Step: rotation.StepFinish, Token: "v2", Done: false})
	p.ObserveStep(rotation.StepEvent{Step: rotation.StepFinish, Token: "v2", Done: true, Err: errors.New("x")})
	if s := p.Snapshot(); s.Rotations != 0 {
		t.Fatalf("an unfinished or failed finishSecret is no rotation: %d", s.Rotations)
	}
	p.ObserveStep(rotation.StepEvent{Step: rotation.StepFinish, Token: "v2", Done: true})
	if s := p.Snapshot(); s.Rotations != 1 || s.Stale != 1 {
		t.Fatalf("after finishSecret: %+v", s)
	}
}
