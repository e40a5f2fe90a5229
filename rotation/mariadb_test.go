package rotation_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"rotation-tutor/dbclient"
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

// The rotation against a MariaDB that requires TLS, as RDS for MySQL 9.7 and
// RDS for MariaDB 11.8 do by default: every login of the function uses TLS,
// verified against the bundle for the database's endpoint name, and the
// user's own TLS requirement reaches the clone.
func TestRotationOnMariaDBRequiringTLS(t *testing.T) {
	if testing.Short() {
		t.Skip("starts mariadbd")
	}
	m := testenv.StartMariaDBWith(t, testenv.MariaDBOptions{TLSNames: []string{lambdatest.DBHost}, RequireSecureTransport: true})
	bundle, err := dbclient.LoadCABundle(m.CAFile)
	if err != nil {
		t.Fatal(err)
	}
	var details []string
	w := lambdatest.New(t, lambdatest.Options{MariaDB: m, CA: bundle, Observe: func(ev rotation.StepEvent) {
		if ev.Done && ev.Step == rotation.StepSet {
			details = append(details, ev.Detail)
		}
	}})
	ctx := context.Background()
	arn := w.AppSecret(t, "tls", "tlsapp", lambdatest.RandomPassword(t))
	if _, err := w.Admin(t).ExecContext(ctx, "ALTER USER 'tlsapp'@'%' REQUIRE SSL"); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"tlsapp_clone", "tlsapp"} {
		if r := w.Rotate(t, arn, lambda.AlternatingARN(lambdatest.Region)); r.Err != nil {
			t.Fatal(r.Err)
		}
		if cur := w.Check(t, arn, rotation.AlternatingUsers); cur.Username != want {
			t.Fatalf("user %s, want %s", cur.Username, want)
		}
	}
	var sslType string
	if err := w.Admin(t).QueryRowContext(ctx, "SELECT ssl_type FROM mysql.user WHERE User = 'tlsapp_clone'").Scan(&sslType); err != nil || sslType != "ANY" {
		t.Fatalf("the clone's ssl_type = %q, %v; want ANY (REQUIRE SSL copied)", sslType, err)
	}
	if len(details) == 0 || !strings.Contains(details[0], "copied TLS requirement (REQUIRE SSL)") {
		t.Fatalf("setSecret details: %q", details)
	}
	cur, _, _ := w.Value(t, arn, rotation.StageCurrent)
	sec, err := dbclient.LoginWithSecurity(ctx, w.Dial, cur.Target(bundle))
	if err != nil || !sec.TLS || !sec.Verified || sec.ServerName != lambdatest.DBHost {
		t.Fatalf("the rotated user over TLS: %+v, %v", sec, err)
	}

	// A secret that says "ssl": false cannot rotate here, and says why.
	plain := strings.Replace(mustJSON(t, cur), `"engine"`, `"ssl":false,"engine"`, 1)
	plainARN, err := w.Service.Seed("plain", "ssl false", plain, nil)
	if err != nil {
		t.Fatal(err)
	}
	r := w.Rotate(t, plainARN, lambda.AlternatingARN(lambdatest.Region))
	var tr *dbclient.TLSRequiredError
	if !errors.As(r.Err, &tr) || !tr.ServerWide {
		t.Fatalf("rotation with ssl false: %v, want a TLSRequiredError", r.Err)
	}
}
