package bench

import (
	"context"
	"testing"
	"time"

	"rotation-tutor/rotation"
	"rotation-tutor/rotation/probe"
)

// A small run of the real measurement: the figures exist and say what the design promises
// (alternating users never fails a login; single user does, once per client per rotation;
// the clients' caching decides, under scheduled rotations).
// Speed is the bench command's business, not this test's.
func TestRunMeasuresBothStrategies(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 4*time.Minute)
	defer cancel()
	rep, err := Run(ctx, Options{Clients: 3, Rotations: 3, GetSecretCalls: 20, PutCalls: 10})
	if err != nil {
		t.Fatal(err)
	}
	if rep.Alternating.FailedLogins != 0 || rep.Alternating.Logins == 0 {
		t.Errorf("alternating users: %d failed of %d logins, want 0 failed", rep.Alternating.FailedLogins, rep.Alternating.Logins)
	}
	if want := 3 * 3; rep.SingleUser.FailedLogins != want {
		t.Errorf("single user: %d failed logins, want %d (each client once per rotation)", rep.SingleUser.FailedLogins, want)
	}
	if rep.SandboxStartMS <= 0 || rep.RotationMS.P50 <= 0 || rep.GetSecretValueUS.P50 <= 0 || rep.FloorUS.P50 <= 0 {
		t.Errorf("missing figures: %+v", rep)
	}
	// Each put writes at least its value, and (the journal writing what changed) not the
	// whole state, which holds ten such values by the end.
	if rep.RSSAfterPutsMB <= 0 || rep.BytesWrittenPerPut < 60*1024 || rep.BytesWrittenPerPut > 2*60*1024 {
		t.Errorf("write figures: %+v", rep.Writes)
	}
	if lc := rep.LiveClients; lc.Logins == 0 || lc.FailedLogins != 0 || lc.CPUPercent <= 0 {
		t.Errorf("the live screen's clients: %+v", lc)
	}

	// Every caching policy under both strategies, on scheduled rotations of
	// the fast clock: alternating users fails no login as long as the cache
	// lives shorter than the time between rotations (every login, 300 s, an
	// hour, against four hours), and fails with a cache kept until a login
	// fails, which outlives two rotations; single user fails with it too.
	if len(rep.Policies.Runs) != 2*len(probe.Policies) {
		t.Fatalf("%d runs, want every policy under both strategies", len(rep.Policies.Runs))
	}
	for _, r := range rep.Policies.Runs {
		if r.Logins == 0 || r.Rotations != policyRotations {
			t.Errorf("%s, %s: %d logins over %d rotations", r.Strategy, r.Policy, r.Logins, r.Rotations)
		}
		keptUntilFailure := r.Policy == probe.AfterFailure.Name
		switch {
		case r.Strategy == rotation.AlternatingUsers && !keptUntilFailure && r.FailedLogins != 0:
			t.Errorf("alternating users, %s: %d failed logins, want 0", r.Policy, r.FailedLogins)
		case keptUntilFailure && r.FailedLogins == 0:
			t.Errorf("%s, %s: no failed login, but the cache outlives two rotations", r.Strategy, r.Policy)
		}
	}
}
