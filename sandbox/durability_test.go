package sandbox_test

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"fmt"
	"math/big"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	sm "github.com/aws/aws-sdk-go-v2/service/secretsmanager"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager/types"
	"github.com/google/uuid"

	"rotation-tutor/dbclient"
	"rotation-tutor/rotation"
	"rotation-tutor/sandbox"
	"rotation-tutor/sandbox/lambda"
)

// acked is a version the endpoint answered 200 for: it must survive anything.
type acked struct {
	secret, version string
	sum             [32]byte
}

// A sandbox killed with SIGKILL while writers store versions loses none that it
// acknowledged: every version answered with a 200 is there, with its value, after the
// restart. The kill comes after a random number of acknowledged writes, while the writers
// go on, so it lands in the middle of requests, and of fsyncs.
func TestKillNineLosesNoAcknowledgedWrite(t *testing.T) {
	if testing.Short() {
		t.Skip("restarts a sandbox process 14 times")
	}
	const kills, writers = 14, 4
	dir := t.TempDir()
	var all []acked
	lost := 0
	for round := range kills + 1 {
		c := startChild(t, dir, "")
		client, closeIdle := lambda.NewSecretsClient(c.Info.Region, c.Info.SecretsManagerEndpoint, c.Info.AccessKey())
		lost += checkAcked(t, client, all)
		if round == kills {
			closeIdle()
			break
		}
		name := fmt.Sprintf("durable-%d", round)
		if _, err := client.CreateSecret(context.Background(), &sm.CreateSecretInput{Name: aws.String(name)}); err != nil {
			t.Fatalf("round %d: CreateSecret: %v", round, err)
		}
		target := 20 + randInt(60)
		all = append(all, writeUntilKilled(t, c, client, name, writers, target)...)
		closeIdle()
	}
	t.Logf("%d kills survived, %d acknowledged versions checked after each restart, %d lost", kills, len(all), lost)
	if lost != 0 {
		t.Fatalf("%d acknowledged versions lost", lost)
	}
}

// writeUntilKilled runs writers that put versions of name, kills the sandbox once target
// writes have been acknowledged, and returns every acknowledged one.
func writeUntilKilled(t *testing.T, c *child, client *sm.Client, name string, writers, target int) []acked {
	t.Helper()
	var (
		mu    sync.Mutex
		done  []acked
		once  sync.Once
		wg    sync.WaitGroup
		ctx   = context.Background()
		fatal = make(chan error, writers)
	)
	for range writers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				value := rand.Text() + rand.Text()
				tok := uuid.NewString()
				out, err := client.PutSecretValue(ctx, &sm.PutSecretValueInput{
					SecretId: aws.String(name), ClientRequestToken: aws.String(tok), SecretString: aws.String(value)})
				if err != nil {
					var api interface{ ErrorCode() string }
					if errors.As(err, &api) {
						fatal <- fmt.Errorf("PutSecretValue refused: %w", err) // an answer, not a dead server
					}
					return // the server is gone
				}
				mu.Lock()
				done = append(done, acked{secret: name, version: aws.ToString(out.VersionId), sum: sha256.Sum256([]byte(value))})
				n := len(done)
				mu.Unlock()
				if n >= target {
					once.Do(c.kill9)
				}
			}
		}()
	}
	wg.Wait()
	close(fatal)
	for err := range fatal {
		t.Fatal(err)
	}
	return done
}

// checkAcked reads every acknowledged version back and counts those missing or changed.
func checkAcked(t *testing.T, client *sm.Client, all []acked) int {
	t.Helper()
	lost := 0
	for _, a := range all {
		out, err := client.GetSecretValue(context.Background(), &sm.GetSecretValueInput{
			SecretId: aws.String(a.secret), VersionId: aws.String(a.version)})
		var nf *types.ResourceNotFoundException
		switch {
		case errors.As(err, &nf):
			lost++
		case err != nil:
			t.Fatalf("read %s %s back: %v", a.secret, a.version, err)
		case sha256.Sum256([]byte(aws.ToString(out.SecretString))) != a.sum:
			t.Errorf("version %s of %s has another value after the restart", a.version, a.secret)
			lost++
		}
	}
	return lost
}

func randInt(n int64) int {
	v, _ := rand.Int(rand.Reader, big.NewInt(n))
	return int(v.Int64())
}

// A sandbox killed in the middle of a rotation finishes it after the restart, with the same
// token, as AWS would have (where the service does not crash): nothing waits for the
// schedule, two days away.
func TestKillNineMidRotationResumes(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	dir := t.TempDir()
	c := startChild(t, dir, "")
	client, closeIdle := lambda.NewSecretsClient(c.Info.Region, c.Info.SecretsManagerEndpoint, c.Info.AccessKey())
	defer closeIdle()
	arn := appSecret(t, ctx, client, c.Info, "appuser", "Start-pass-1")
	out, err := client.RotateSecret(ctx, &sm.RotateSecretInput{SecretId: aws.String(arn),
		RotationLambdaARN: aws.String(c.Info.RotationFunctionARN),
		RotationRules:     &types.RotationRulesType{AutomaticallyAfterDays: aws.Int64(2)}})
	if err != nil {
		t.Fatal(err)
	}
	c.waitFor("STEP setSecret started")
	c.kill9()

	c = startChild(t, dir, "")
	c.waitFor("STEP finishSecret done")
	client, closeIdle = lambda.NewSecretsClient(c.Info.Region, c.Info.SecretsManagerEndpoint, c.Info.AccessKey())
	defer closeIdle()
	d, err := client.DescribeSecret(ctx, &sm.DescribeSecretInput{SecretId: aws.String(arn)})
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Contains(d.VersionIdsToStages[aws.ToString(out.VersionId)], "AWSCURRENT") {
		t.Fatalf("after the restart AWSCURRENT is not on the rotation's version %s: %v", aws.ToString(out.VersionId), d.VersionIdsToStages)
	}
	cur, err := client.GetSecretValue(ctx, &sm.GetSecretValueInput{SecretId: aws.String(arn)})
	if err != nil {
		t.Fatal(err)
	}
	s, err := rotation.ParseSecret(aws.ToString(cur.SecretString))
	if err != nil {
		t.Fatal(err)
	}
	if s.Username != "appuser_clone" {
		t.Errorf("current user %s, want appuser_clone", s.Username)
	}
	if err := dbclient.Login(ctx, tunnel(t, ctx, c.Info).DialContext, s.Target(nil)); err != nil {
		t.Errorf("the rotated credentials do not log in: %v", err)
	}
}

// appSecret makes a database user with SELECT on the tutorial database, through the bastion
// as the tutorial does, and a secret for it; it returns the secret's ARN.
func appSecret(t *testing.T, ctx context.Context, client *sm.Client, in sandbox.Info, user, password string) string {
	t.Helper()
	_, adminPW := adminCreds(t, ctx, client, in.Database.AdminSecretARN)
	db, err := dbclient.Open(ctx, tunnel(t, ctx, in).DialContext, dbclient.Target{Host: in.Database.Host,
		Port: in.Database.Port, User: sandbox.AdminUser, Password: adminPW, Database: in.Database.Name})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if err := dbclient.CreateUser(ctx, db, user, password); err != nil {
		t.Fatal(err)
	}
	if err := dbclient.GrantSelect(ctx, db, in.Database.Name, user); err != nil {
		t.Fatal(err)
	}
	value, _ := json.Marshal(map[string]any{"engine": "mysql", "host": in.Database.Host, "port": in.Database.Port,
		"username": user, "password": password, "dbname": in.Database.Name, "masterarn": in.Database.AdminSecretARN})
	out, err := client.CreateSecret(ctx, &sm.CreateSecretInput{Name: aws.String("app-" + user), SecretString: aws.String(string(value))})
	if err != nil {
		t.Fatal(err)
	}
	return aws.ToString(out.ARN)
}

// A rotation that fails is not left stuck without a word: the sandbox shows it, with the
// attempt's error and when the next attempt (Lambda's retry, a minute later) will run, and
// RotateSecret says it will be reattempted.
func TestFailedRotationIsVisible(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	sb := start(t, t.TempDir())
	in := sb.Info()
	client := secretsClient(t, in)
	// A secret for a user the database does not have: setSecret cannot log in with it.
	value, _ := json.Marshal(map[string]any{"engine": "mysql", "host": in.Database.Host, "port": in.Database.Port,
		"username": "nobody", "password": "Not-a-user-1", "dbname": in.Database.Name, "masterarn": in.Database.AdminSecretARN})
	out, err := client.CreateSecret(ctx, &sm.CreateSecretInput{Name: aws.String("broken"), SecretString: aws.String(string(value))})
	if err != nil {
		t.Fatal(err)
	}
	before := time.Now()
	if _, err := client.RotateSecret(ctx, &sm.RotateSecretInput{SecretId: out.ARN,
		RotationLambdaARN: aws.String(in.RotationFunctionARN)}); err != nil {
		t.Fatal(err)
	}
	if err := sb.WaitRotations(ctx); err != nil {
		t.Fatal(err)
	}
	rs := sb.Rotations()
	if len(rs) != 1 || rs[0].SecretARN != aws.ToString(out.ARN) || rs[0].Running || rs[0].Failed || rs[0].Attempts != 1 ||
		!strings.Contains(rs[0].LastError, "setSecret") || rs[0].NextAttempt.Before(before.Add(time.Minute)) {
		t.Fatalf("rotations after a failed attempt: %+v", rs)
	}
	_, err = client.RotateSecret(ctx, &sm.RotateSecretInput{SecretId: out.ARN})
	if err == nil || !strings.Contains(err.Error(), "A previous rotation isn't complete. That rotation will be reattempted.") {
		t.Fatalf("RotateSecret while the retry waits: %v", err)
	}
}
