package bench

import (
	"context"
	"testing"
	"time"
)

// A small run of the real measurement: the figures exist and say what the design promises
// (alternating users never fails a login; single user does, once per client per rotation).
// Speed is the bench command's business, not this test's.
func TestRunMeasuresBothStrategies(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
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
}
