package rotation_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	sm "github.com/aws/aws-sdk-go-v2/service/secretsmanager"

	"rotation-tutor/rotation"
	"rotation-tutor/sandbox/lambda"
	"rotation-tutor/sandbox/lambda/lambdatest"
)

const appSecret = "SecretsManagerTutorialAppuser"

func newWorld(t *testing.T) *lambdatest.World {
	t.Helper()
	return lambdatest.New(t, lambdatest.Options{})
}

func TestAlternatingUsersRotatesTwice(t *testing.T) {
	w := newWorld(t)
	arn := w.AppSecret(t, appSecret, "appuser", lambdatest.RandomPassword(t))
	grants := w.Grants(t, "appuser")

	for _, want := range []string{"appuser_clone", "appuser", "appuser_clone"} {
		r := w.Rotate(t, arn, lambda.AlternatingARN(lambdatest.Region))
		if r.Err != nil {
			t.Fatalf("rotation to %s: %v", want, r.Err)
		}
		cur := w.Check(t, arn, rotation.AlternatingUsers)
		if cur.Username != want {
			t.Fatalf("AWSCURRENT user = %s, want %s", cur.Username, want)
		}
		if cur.Host != lambdatest.DBHost || cur.DBName != lambdatest.DBName || cur.MasterARN != w.AdminARN {
			t.Fatalf("other keys not carried forward: %+v", cur)
		}
	}
	if got := w.Grants(t, "appuser_clone"); strings.Join(got, "\n") != strings.Join(grants, "\n") {
		t.Fatalf("clone grants %q, want %q", got, grants)
	}
}

func TestSingleUserChangesThePassword(t *testing.T) {
	w := newWorld(t)
	arn := w.AppSecret(t, appSecret, "appuser", lambdatest.RandomPassword(t))
	old, _, _ := w.Value(t, arn, rotation.StageCurrent)

	r := w.Rotate(t, arn, lambda.SingleUserARN(lambdatest.Region))
	if r.Err != nil {
		t.Fatal(r.Err)
	}
	cur := w.Check(t, arn, rotation.SingleUser)
	if cur.Username != "appuser" || cur.Password == old.Password {
		t.Fatalf("user %s, password changed: %v", cur.Username, cur.Password != old.Password)
	}
	if err := w.Login(old); err == nil {
		t.Fatal("the old password still logs in")
	}
	prev, _, _ := w.Value(t, arn, rotation.StagePrevious)
	if prev.Password != old.Password {
		t.Fatal("AWSPREVIOUS is not the old value")
	}
}

func TestLocalRotatorAndUnfinishedRotation(t *testing.T) {
	w := newWorld(t)
	arn := w.AppSecret(t, appSecret, "appuser", lambdatest.RandomPassword(t))
	fn := w.Function(rotation.AlternatingUsers)
	ctx := context.Background()

	for _, want := range []string{"appuser_clone", "appuser"} {
		if err := fn.RotateLocally(ctx, arn); err != nil {
			t.Fatal(err)
		}
		if cur := w.Check(t, arn, rotation.AlternatingUsers); cur.Username != want {
			t.Fatalf("user %s, want %s", cur.Username, want)
		}
	}

	// A rotation left half done: AWSPENDING on a version of its own.
	const token = "11111111-2222-4333-8444-555555555555"
	cur, _, _ := w.Value(t, arn, rotation.StageCurrent)
	if _, err := w.Secrets.PutSecretValue(ctx, &sm.PutSecretValueInput{
		SecretId: aws.String(arn), ClientRequestToken: aws.String(token),
		SecretString:  aws.String(strings.Replace(mustJSON(t, cur), `"appuser"`, `"appuser_clone"`, 1)),
		VersionStages: []string{rotation.StagePending},
	}); err != nil {
		t.Fatal(err)
	}
	err := fn.RotateLocally(ctx, arn)
	var inProgress *rotation.InProgressError
	if !errors.As(err, &inProgress) || inProgress.PendingVersion != token {
		t.Fatalf("RotateLocally with a pending rotation: %v", err)
	}
	if !strings.Contains(err.Error(), "update-secret-version-stage") {
		t.Fatalf("the error must say what to do: %v", err)
	}
	if v, err := fn.ResumeLocally(ctx, arn); err != nil || v != token {
		t.Fatalf("resume: %s, %v", v, err)
	}
	if cur := w.Check(t, arn, rotation.AlternatingUsers); cur.Username != "appuser_clone" {
		t.Fatalf("after resume: %s", cur.Username)
	}
	if _, err := fn.ResumeLocally(ctx, arn); !errors.Is(err, rotation.ErrNothingToResume) {
		t.Fatalf("resume with nothing pending: %v", err)
	}
}

func mustJSON(t *testing.T, s rotation.Secret) string {
	t.Helper()
	v, err := s.JSON()
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// Passwords made only of the characters that break naive quoting.
func TestAwkwardPasswords(t *testing.T) {
	awkward := rotation.PasswordPolicy{
		// Exclude every punctuation character but ' " \ % so that, with
		// letters and digits excluded too, only those four remain.
		ExcludeCharacters: "!#$&()*+,-./:;<=>?@[]^_`{|}~",
		ExcludeNumbers:    true, ExcludeUppercase: true, ExcludeLowercase: true,
		Length: 24, RequireEachIncludedType: aws.Bool(false),
	}
	for _, s := range []rotation.Strategy{rotation.AlternatingUsers, rotation.SingleUser} {
		t.Run(string(s), func(t *testing.T) {
			w := newWorld(t)
			arn := w.AppSecret(t, appSecret, "appuser", `a'b"c\d%e_'';--`)
			fn := w.Function(s)
			fn.Password = awkward
			for range 2 {
				if err := fn.RotateLocally(context.Background(), arn); err != nil {
					t.Fatal(err)
				}
				cur := w.Check(t, arn, s)
				if strings.Trim(cur.Password, `'"\%`) != "" || len(cur.Password) != 24 {
					t.Fatalf("password %q is not made of quotes, backslashes and %%", cur.Password)
				}
			}
		})
	}
}

func TestSetSecretRefusesAnotherHost(t *testing.T) {
	w := newWorld(t)
	arn := w.AppSecret(t, appSecret, "appuser", lambdatest.RandomPassword(t))
	fn := w.Function(rotation.AlternatingUsers)
	ctx := context.Background()
	const token = "aaaaaaaa-2222-4333-8444-555555555555"
	cur, _, _ := w.Value(t, arn, rotation.StageCurrent)
	evil := strings.Replace(mustJSON(t, cur), lambdatest.DBHost, "attacker.example.com", 1)
	evil = strings.Replace(evil, `"appuser"`, `"appuser_clone"`, 1)
	if _, err := w.Secrets.PutSecretValue(ctx, &sm.PutSecretValueInput{
		SecretId: aws.String(arn), ClientRequestToken: aws.String(token),
		SecretString: aws.String(evil), VersionStages: []string{rotation.StagePending},
	}); err != nil {
		t.Fatal(err)
	}
	err := fn.Handle(ctx, rotation.Event{Step: rotation.StepSet, SecretID: arn, ClientRequestToken: token})
	if err == nil || !strings.Contains(err.Error(), "setSecret: Attempting to modify user for host attacker.example.com other than current host") {
		t.Fatalf("err = %v", err)
	}
}

func TestUsernameLimit(t *testing.T) {
	w := newWorld(t)
	arn := w.AppSecret(t, appSecret, "reportsreader123", lambdatest.RandomPassword(t)) // 16 characters
	fn := w.Function(rotation.AlternatingUsers)
	err := fn.RotateLocally(context.Background(), arn)
	want := "createSecret: Unable to clone user, username length with _clone appended would exceed 16 characters"
	if err == nil || err.Error() != want {
		t.Fatalf("err = %v, want %q", err, want)
	}
	// The local rotator left nothing behind: createSecret failed before
	// storing, so a new rotation may start.
	fn.UsernameLimit = 32
	if err := fn.RotateLocally(context.Background(), arn); err != nil {
		t.Fatal(err)
	}
	if cur := w.Check(t, arn, rotation.AlternatingUsers); cur.Username != "reportsreader123_clone" {
		t.Fatalf("user %s", cur.Username)
	}
}

func TestHandlePreamble(t *testing.T) {
	w := newWorld(t)
	arn := w.AppSecret(t, appSecret, "appuser", lambdatest.RandomPassword(t))
	fn := w.Function(rotation.AlternatingUsers)
	ctx := context.Background()

	err := fn.Handle(ctx, rotation.Event{Step: rotation.StepCreate, SecretID: arn, ClientRequestToken: "bbbbbbbb-2222-4333-8444-555555555555"})
	if err == nil || !strings.Contains(err.Error(), "has no stage for rotation of secret") {
		t.Fatalf("unknown token: %v", err)
	}
	_, current, _ := w.Value(t, arn, rotation.StageCurrent)
	for _, step := range rotation.Steps {
		if err := fn.Handle(ctx, rotation.Event{Step: step, SecretID: arn, ClientRequestToken: current}); err != nil {
			t.Fatalf("%s on the AWSCURRENT version must do nothing: %v", step, err)
		}
	}
	if err := fn.Handle(ctx, rotation.Event{Step: "rotate", SecretID: arn, ClientRequestToken: current}); err == nil ||
		!strings.Contains(err.Error(), "Invalid step parameter rotate") {
		t.Fatalf("bad step: %v", err)
	}

	// Rotation cancelled: the function refuses to run.
	if r := w.Rotate(t, arn, lambda.AlternatingARN(lambdatest.Region)); r.Err != nil {
		t.Fatal(r.Err)
	}
	if _, err := w.Secrets.CancelRotateSecret(ctx, &sm.CancelRotateSecretInput{SecretId: aws.String(arn)}); err != nil {
		t.Fatal(err)
	}
	err = fn.RotateLocally(ctx, arn)
	if err == nil || !strings.Contains(err.Error(), "is not enabled for rotation") {
		t.Fatalf("rotation disabled: %v", err)
	}
}

func TestStepEventsAndDetail(t *testing.T) {
	w := newWorld(t)
	arn := w.AppSecret(t, appSecret, "appuser", lambdatest.RandomPassword(t))
	fn := w.Function(rotation.AlternatingUsers)
	var events []rotation.StepEvent
	fn.Observe = func(ev rotation.StepEvent) { events = append(events, ev) }
	if err := fn.RotateLocally(context.Background(), arn); err != nil {
		t.Fatal(err)
	}
	if len(events) != 8 {
		t.Fatalf("%d events, want a start and an end for each of 4 steps", len(events))
	}
	for i, step := range rotation.Steps {
		start, end := events[2*i], events[2*i+1]
		if start.Step != step || start.Done || end.Step != step || !end.Done || end.Err != nil || end.Token != start.Token {
			t.Fatalf("events for %s: %+v %+v", step, start, end)
		}
	}
	set := events[3].Detail
	for _, want := range []string{"created user appuser_clone with the grants of appuser", "set the password of appuser_clone", "RDS-managed"} {
		if !strings.Contains(set, want) {
			t.Errorf("setSecret detail %q lacks %q", set, want)
		}
	}
	// The embedded database refuses ALTER USER … REQUIRE: the step says so.
	if !strings.Contains(set, "TLS options not copied: the server refused ALTER USER … REQUIRE NONE") {
		t.Errorf("setSecret detail %q says nothing about TLS options", set)
	}
}

// RotateImmediately=false tests the configuration: testSecret alone, on
// the current credentials; nothing changes.
func TestRotateNotImmediately(t *testing.T) {
	w := newWorld(t)
	arn := w.AppSecret(t, appSecret, "appuser", lambdatest.RandomPassword(t))
	before, version, _ := w.Value(t, arn, rotation.StageCurrent)
	r := w.RotateWith(t, &sm.RotateSecretInput{
		SecretId: aws.String(arn), RotationLambdaARN: aws.String(lambda.AlternatingARN(lambdatest.Region)),
		RotateImmediately: aws.Bool(false),
	})
	if r.Err != nil {
		t.Fatalf("configuration test: %v", r.Err)
	}
	after, v, _ := w.Value(t, arn, rotation.StageCurrent)
	if v != version || after.Username != before.Username {
		t.Fatalf("a configuration test changed the secret: %s %s", v, after.Username)
	}
	w.Check(t, arn, rotation.AlternatingUsers)
	if r := w.Rotate(t, arn, lambda.AlternatingARN(lambdatest.Region)); r.Err != nil {
		t.Fatalf("the next rotation: %v", r.Err)
	}
}
