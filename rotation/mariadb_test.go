package rotation_test

import (
	"context"
	"strings"
	"testing"

	"rotation-tutor/internal/testenv"
	"rotation-tutor/rotation"
	"rotation-tutor/sandbox/lambda"
	"rotation-tutor/sandbox/lambda/lambdatest"
)

// The same rotations against a real MariaDB server: the SQL the steps send
// must be the SQL a real server accepts, TLS options included.
func TestRotationOnMariaDB(t *testing.T) {
	w := lambdatest.New(t, lambdatest.Options{MariaDB: testenv.StartMariaDB(t)})

	alt := w.AppSecret(t, "alternating", "appuser", `a'b"c\d%e`)
	for _, want := range []string{"appuser_clone", "appuser", "appuser_clone"} {
		if r := w.Rotate(t, alt, lambda.AlternatingARN(lambdatest.Region)); r.Err != nil {
			t.Fatal(r.Err)
		}
		if cur := w.Check(t, alt, rotation.AlternatingUsers); cur.Username != want {
			t.Fatalf("user %s, want %s", cur.Username, want)
		}
	}

	single := w.AppSecret(t, "single", "singleuser", lambdatest.RandomPassword(t))
	old, _, _ := w.Value(t, single, rotation.StageCurrent)
	if r := w.Rotate(t, single, lambda.SingleUserARN(lambdatest.Region)); r.Err != nil {
		t.Fatal(r.Err)
	}
	w.Check(t, single, rotation.SingleUser)
	if err := w.Login(old); err == nil {
		t.Fatal("the old single-user password still logs in")
	}

	// MariaDB accepts ALTER USER … REQUIRE: the TLS requirement is copied.
	fn := w.Function(rotation.AlternatingUsers)
	var detail string
	fn.Observe = func(ev rotation.StepEvent) {
		if ev.Done && ev.Step == rotation.StepSet {
			detail = ev.Detail
		}
	}
	if err := fn.RotateLocally(context.Background(), alt); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(detail, "copied TLS requirement (REQUIRE NONE)") {
		t.Fatalf("setSecret detail: %q", detail)
	}
	w.Check(t, alt, rotation.AlternatingUsers)
}
