package secretsmanager

import (
	"bytes"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	sm "github.com/aws/aws-sdk-go-v2/service/secretsmanager"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager/types"
)

func TestPersistRestart(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "state", "secretsmanager.state")
	key := bytes.Repeat([]byte{7}, 32)
	const value = `{"username":"appuser","password":"plain-text-would-be-bad"}`

	svc, err := New(keyed(Options{StatePath: path, StateKey: key, RetryDelay: -1}))
	if err != nil {
		t.Fatal(err)
	}
	url, err := svc.Listen("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	c := newClient(url)
	cr := must(c.CreateSecret(ctx, &sm.CreateSecretInput{Name: aws.String("app"), SecretString: aws.String(value),
		Tags: []types.Tag{{Key: aws.String("k"), Value: aws.String("v")}}}))(t)
	must(c.PutSecretValue(ctx, &sm.PutSecretValueInput{SecretId: aws.String("app"), SecretString: aws.String(value + " "), VersionStages: []string{"NEXT"}}))(t)
	must(c.CreateSecret(ctx, &sm.CreateSecretInput{Name: aws.String("gone"), SecretString: aws.String("x")}))(t)
	must(c.DeleteSecret(ctx, &sm.DeleteSecretInput{SecretId: aws.String("gone"), RecoveryWindowInDays: aws.Int64(7)}))(t)
	admin, err := svc.Seed("rds!db-1234", "admin of db", `{"username":"admin","password":"p"}`, map[string]string{"aws:rds:primarydbinstancearn": "arn:aws:rds:us-east-1:000000000000:db:tutorial"})
	if err != nil {
		t.Fatal(err)
	}
	before := must(c.DescribeSecret(ctx, &sm.DescribeSecretInput{SecretId: aws.String("app")}))(t)
	if err := svc.Close(); err != nil {
		t.Fatal(err)
	}

	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Perm() != 0o600 {
		t.Fatalf("state file mode %v, want 0600", fi.Mode().Perm())
	}
	raw, _ := os.ReadFile(path)
	for _, s := range []string{"plain-text-would-be-bad", "appuser", `"password"`} {
		if bytes.Contains(raw, []byte(s)) {
			t.Fatalf("state file holds %q in plain text", s)
		}
	}
	leftovers, _ := filepath.Glob(filepath.Join(filepath.Dir(path), ".secretsmanager-*"))
	if len(leftovers) != 0 {
		t.Fatalf("temp files left: %v", leftovers)
	}

	// A wrong key is refused, not silently an empty state.
	if _, err := New(keyed(Options{StatePath: path, StateKey: bytes.Repeat([]byte{8}, 32)})); err == nil || !strings.Contains(err.Error(), "decrypt") {
		t.Fatalf("wrong key: %v", err)
	}
	if _, err := New(keyed(Options{StatePath: path})); err == nil {
		t.Fatal("a state path without a key was accepted")
	}

	svc2, err := New(keyed(Options{StatePath: path, StateKey: key}))
	if err != nil {
		t.Fatal(err)
	}
	url2, err := svc2.Listen("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer svc2.Close()
	c2 := newClient(url2)
	g := must(c2.GetSecretValue(ctx, &sm.GetSecretValueInput{SecretId: cr.ARN}))(t)
	if aws.ToString(g.SecretString) != value {
		t.Fatalf("value after restart %q", aws.ToString(g.SecretString))
	}
	after := must(c2.DescribeSecret(ctx, &sm.DescribeSecretInput{SecretId: aws.String("app")}))(t)
	if !equalStages(after.VersionIdsToStages, before.VersionIdsToStages) || len(after.Tags) != 1 || !after.CreatedDate.Equal(*before.CreatedDate) {
		t.Fatalf("after restart %+v, before %+v", after, before)
	}
	_, err = c2.GetSecretValue(ctx, &sm.GetSecretValueInput{SecretId: aws.String("gone")})
	wantErr[*types.InvalidRequestException](t, err)
	// Seed finds the secret it made last time.
	again, err := svc2.Seed("rds!db-1234", "admin of db", `{"username":"admin","password":"other"}`, nil)
	if err != nil || again != admin {
		t.Fatalf("Seed after restart: %v %v, want %v", again, err, admin)
	}
	g = must(c2.GetSecretValue(ctx, &sm.GetSecretValueInput{SecretId: aws.String(admin)}))(t)
	if aws.ToString(g.SecretString) != `{"username":"admin","password":"p"}` {
		t.Fatal("Seed overwrote an existing secret")
	}
	// New secrets do not collide with restored ones in creation order.
	must(c2.CreateSecret(ctx, &sm.CreateSecretInput{Name: aws.String("later"), SecretString: aws.String("x")}))(t)
	l := must(c2.ListSecrets(ctx, &sm.ListSecretsInput{}))(t)
	if aws.ToString(l.SecretList[0].Name) != "later" {
		t.Fatalf("newest first: %v", aws.ToString(l.SecretList[0].Name))
	}
}

// Close waits for everything the service started: after it returns, none
// of the service's goroutines (server, scheduler, rotations, writer) runs.
func TestCloseLeavesNoGoroutine(t *testing.T) {
	e, fn := newRotationEnv(t, Options{StatePath: filepath.Join(t.TempDir(), "s"), StateKey: make([]byte, 32)})
	entered, release := fn.hold()
	defer release()
	e.create(t, "app", appValue)
	must(e.client.RotateSecret(ctx, &sm.RotateSecretInput{SecretId: aws.String("app"), RotationLambdaARN: aws.String(testFunctionARN)}))(t)
	<-entered // a rotation is in flight, blocked inside the function
	if err := e.svc.Close(); err != nil {
		t.Fatal(err)
	}
	// A goroutine that has signalled it is done may still be unwinding: allow it a bounded
	// moment to vanish (as goleak does), then name the one that stayed.
	left := func() string {
		buf := make([]byte, 1<<20)
		stacks := string(buf[:runtime.Stack(buf, true)])
		for _, g := range strings.Split(stacks, "\n\n") {
			if (strings.Contains(g, "sandbox/secretsmanager.(*Service).") || strings.Contains(g, "sandbox/secretsmanager.(*persister).")) &&
				!strings.Contains(g, "TestCloseLeavesNoGoroutine") {
				return g
			}
		}
		return ""
	}
	deadline := time.Now().Add(5 * time.Second)
	for g := left(); g != ""; g = left() {
		if time.Now().After(deadline) {
			t.Fatalf("goroutine left after Close:\n%s", g)
		}
		runtime.Gosched()
	}
}
