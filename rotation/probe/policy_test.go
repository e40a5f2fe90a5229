package probe

import (
	"context"
	"errors"
	"net"
	"testing"
	"time"
)

// Under alternating users, two rotations a minute apart: a client reading
// the secret at every login never fails; one whose cache outlives the gap
// (a 5-minute TTL, or a cache kept until a login fails) still holds the
// password the second rotation changed, fails once, and says which version it
// held and how far behind it was. A TTL shorter than the gap keeps it up.
func TestPoliciesUnderTwoRotations(t *testing.T) {
	cases := []struct {
		policy     Policy
		wantFailed int
	}{
		{RefreshEveryLogin, 0},
		{Policy{Name: "TTL 30 s", TTL: 30 * time.Second}, 0},
		{Policy{Name: "TTL 5 min", TTL: 5 * time.Minute}, 1},
		{AfterFailure, 1},
	}
	for _, tc := range cases {
		t.Run(tc.policy.Name, func(t *testing.T) {
			w := newFakeWorld()
			p, err := Start(context.Background(), Config{Clients: 1, Secrets: w, SecretID: "app", Policy: tc.policy,
				Dial:  func(context.Context, string, string) (net.Conn, error) { return nil, errors.New("unused") },
				login: w.login, now: w.now})
			must(t, err)
			defer p.Stop()
			ctx := context.Background()
			must(t, p.LoginAll(ctx)) // reads v1 (appuser)

			w.advance(time.Minute)
			w.put("v2", "appuser_clone", "c2") // appuser stays AWSPREVIOUS
			p.MarkRotated("v2")
			w.advance(time.Minute)
			w.put("v3", "appuser", "p3") // appuser's password changes
			w.refuse("appuser", "p1")
			p.MarkRotated("v3")
			w.advance(time.Second)

			if got := p.Policy().Outlives(time.Minute); got != (tc.wantFailed > 0) {
				t.Fatalf("Outlives(1 min) = %v", got)
			}
			must(t, p.LoginAll(ctx))
			c := p.Snapshot().Clients[0]
			if c.Failed != tc.wantFailed {
				t.Fatalf("failed %d, want %d: %+v", c.Failed, tc.wantFailed, c)
			}
			if tc.wantFailed > 0 && (c.FailedWith != "v1" || c.FailedBehind != 2 || c.FailedAt != w.now()) {
				t.Fatalf("the failure should say it held v1, two rotations behind: %+v", c)
			}
			must(t, p.LoginAll(ctx)) // every policy reads again after a failure
			if s := p.Snapshot(); s.Down != 0 || s.Clients[0].Version != "v3" {
				t.Fatalf("after the next login: %+v", s.Clients[0])
			}
		})
	}
}

// A policy changed while the clients run applies from their next login.
func TestSetPolicyAppliesAtTheNextLogin(t *testing.T) {
	w := newFakeWorld()
	p := startFake(t, w, 2)
	ctx := context.Background()
	must(t, p.LoginAll(ctx))
	w.put("v2", "appuser_clone", "c2")
	must(t, p.LoginAll(ctx))
	if v := p.Snapshot().Clients[0].Version; v != "v1" {
		t.Fatalf("a cache kept until failure read again: %s", v)
	}
	p.SetPolicy(RefreshEveryLogin)
	must(t, p.LoginAll(ctx))
	for _, c := range p.Snapshot().Clients {
		if c.Version != "v2" {
			t.Fatalf("client %d holds %s after switching to every login", c.ID, c.Version)
		}
	}
}

func TestPolicyLifetimes(t *testing.T) {
	for _, tc := range []struct {
		p        Policy
		lifetime time.Duration
		outlives bool // a 4-hour gap between rotations
	}{
		{RefreshEveryLogin, 0, false},
		{AgentTTL, 300 * time.Second, false},
		{LibraryTTL, time.Hour, false},
		{AfterFailure, -1, true},
		{Policy{TTL: 5 * time.Hour}, 5 * time.Hour, true},
	} {
		if got := tc.p.Lifetime(); got != tc.lifetime {
			t.Errorf("%s: lifetime %v, want %v", tc.p.Name, got, tc.lifetime)
		}
		if got := tc.p.Outlives(4 * time.Hour); got != tc.outlives {
			t.Errorf("%s: outlives 4 h = %v", tc.p.Name, got)
		}
	}
}
