// Package lambdatest builds a small sandbox for tests of rotation: the
// sandbox's Secrets Manager on a loopback port, a database (the embedded one,
// or a real MariaDB), the Lambda registry with the tutorial's two functions,
// an admin secret and app secrets, all over real sockets.
package lambdatest

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"maps"
	"net"
	"net/http/httptest"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsrds "github.com/aws/aws-sdk-go-v2/service/rds"
	sm "github.com/aws/aws-sdk-go-v2/service/secretsmanager"
	"github.com/aws/smithy-go"

	"rotation-tutor/dbclient"
	"rotation-tutor/internal/testenv"
	"rotation-tutor/internal/vclock"
	"rotation-tutor/rotation"
	"rotation-tutor/sandbox/database"
	"rotation-tutor/sandbox/lambda"
	"rotation-tutor/sandbox/rds"
	smsvc "rotation-tutor/sandbox/secretsmanager"
)

// Internal address of the database, as secrets name it; only the world's
// Dial resolves it.
const (
	DBHost = "secretsmanagertutorial.sandbox.internal"
	DBPort = 3306
	DBName = "tutorial"
	Region = "us-east-1"
)

// Options shape a World.
type Options struct {
	// MariaDB, if set, is used instead of the embedded database.
	MariaDB *testenv.MariaDB
	// RotationAttempts is how often the service tries a rotation (default 3).
	RotationAttempts int
	// Observe sees every step of the tutorial functions.
	Observe func(rotation.StepEvent)
	// CA verifies the database's certificate (a MariaDB with TLS); the
	// functions and the world's own logins use it.
	CA *dbclient.CABundle
	// Clock is the service's time (nil: the wall clock).
	Clock *vclock.Clock
}

// World is a running sandbox for one test.
type World struct {
	URL      string
	Service  *smsvc.Service
	Registry *lambda.Registry
	Secrets  *sm.Client
	RDS      *awsrds.Client // answers DescribeDBInstances for the database
	// Dial resolves DBHost:DBPort to the database ("inside the VPC").
	Dial dbclient.DialFunc
	CA   *dbclient.CABundle
	// DBRoute reaches the database itself, for a bastion's route to it.
	DBRoute dbclient.DialFunc
	// Key is the access key the clients sign with (the account's root user);
	// the endpoints accept it and the functions' own keys.
	Key smsvc.AccessKey

	AdminARN                 string
	AdminUser, AdminPassword string

	results chan smsvc.RotationResult
}

// New starts a World; t.Cleanup stops it.
func New(t testing.TB, opts Options) *World {
	t.Helper()
	ctx := context.Background()
	w := &World{results: make(chan smsvc.RotationResult, 64), CA: opts.CA}

	if opts.MariaDB != nil {
		w.DBRoute, w.AdminUser, w.AdminPassword = lambda.TCPRoute(opts.MariaDB.Addr), "root", opts.MariaDB.RootPassword
	} else {
		w.AdminUser, w.AdminPassword = "admin", RandomPassword(t)
		db, err := database.Start(ctx, database.Options{StateDir: t.TempDir(), AdminUser: w.AdminUser, AdminPassword: w.AdminPassword})
		if err != nil {
			t.Fatalf("start database: %v", err)
		}
		t.Cleanup(func() { db.Close() })
		w.DBRoute = db.Dial
	}
	routes := map[string]dbclient.DialFunc{net.JoinHostPort(DBHost, strconv.Itoa(DBPort)): w.DBRoute}
	w.Dial = lambda.VPCDialer(routes)
	w.Key = smsvc.AccessKey{ID: "AKIA" + strings.ToUpper(RandomPassword(t)[3:19]), Secret: RandomPassword(t)}
	functionKeys := lambda.FunctionKeys(func(string) string { return RandomPassword(t) })
	if opts.MariaDB != nil {
		admin := w.Admin(t)
		for _, stmt := range []string{
			"CREATE DATABASE IF NOT EXISTS " + DBName,
			"CREATE TABLE IF NOT EXISTS " + DBName + ".items (id INT PRIMARY KEY, name VARCHAR(40))",
		} {
			if _, err := admin.ExecContext(ctx, stmt); err != nil {
				t.Fatalf("prepare MariaDB: %v", err)
			}
		}
	}

	attempts := opts.RotationAttempts
	if attempts == 0 {
		attempts = 3
	}
	w.Registry = lambda.NewRegistry(Region)
	var clock smsvc.Clock // nil: the wall clock
	if opts.Clock != nil {
		clock = opts.Clock
	}
	svc, err := smsvc.New(smsvc.Options{
		Region: Region, Invoker: w.Registry, RotationAttempts: attempts, RetryDelay: -1,
		AccessKeys: append([]smsvc.AccessKey{w.Key}, slices.Collect(maps.Values(functionKeys))...), Clock: clock,
		OnRotation: func(r smsvc.RotationResult) {
			select {
			case w.results <- r:
			default: // a test that rotates more than the buffer holds reads none
			}
		},
	})
	if err != nil {
		t.Fatalf("start secrets manager: %v", err)
	}
	t.Cleanup(func() { svc.Close() })
	w.Service = svc
	if w.URL, err = svc.Listen("127.0.0.1:0"); err != nil {
		t.Fatalf("listen: %v", err)
	}
	// Like an RDS-managed secret (rds!db-…): username and password only,
	// tagged with its instance, which RDS's DescribeDBInstances describes.
	instance := rds.Instance{Identifier: "secretsmanagertutorial", Address: DBHost, Port: DBPort,
		MasterUsername: w.AdminUser, Region: Region, AccountID: "000000000000"}
	admin := fmt.Sprintf(`{"username":%q,"password":%q}`, w.AdminUser, w.AdminPassword)
	if w.AdminARN, err = svc.Seed("rds!db-tutorial", "The secret associated with the primary RDS DB instance", admin,
		map[string]string{"aws:rds:primaryDBInstanceArn": instance.ARN(), "aws:secretsmanager:owningService": "rds"}); err != nil {
		t.Fatalf("seed admin secret: %v", err)
	}
	instance.MasterSecretARN = w.AdminARN
	rdsServer := httptest.NewServer(rds.NewHandler(instance, svc.SecretKey))
	t.Cleanup(rdsServer.Close)

	if err := w.Registry.RegisterTutorial(lambda.Config{
		EndpointURL:    w.URL,
		RDSEndpointURL: rdsServer.URL,
		FunctionKeys:   functionKeys,
		Routes:         routes,
		CA:             opts.CA,
		Observe:        opts.Observe,
	}); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(w.Registry.Close)
	client, closeIdle := lambda.NewSecretsClient(Region, w.URL, w.Key)
	t.Cleanup(closeIdle)
	w.Secrets = client
	rdsClient, closeRDS := lambda.NewRDSClient(Region, rdsServer.URL, w.Key)
	t.Cleanup(closeRDS)
	w.RDS = rdsClient
	return w
}

// Admin opens an admin connection; t.Cleanup closes it.
func (w *World) Admin(t testing.TB) *sql.DB {
	t.Helper()
	db, err := dbclient.Open(context.Background(), w.Dial, dbclient.Target{
		Host: DBHost, Port: DBPort, User: w.AdminUser, Password: w.AdminPassword, CA: w.CA})
	if err != nil {
		t.Fatalf("admin login: %v", err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// AppSecret makes a database user with SELECT on the tutorial database and a
// secret for it (with masterarn), and returns the secret's ARN.
func (w *World) AppSecret(t testing.TB, name, user, password string) string {
	t.Helper()
	ctx := context.Background()
	admin := w.Admin(t)
	if err := dbclient.CreateUser(ctx, admin, user, password); err != nil {
		t.Fatalf("create user %s: %v", user, err)
	}
	if err := dbclient.GrantSelect(ctx, admin, DBName, user); err != nil {
		t.Fatalf("grant: %v", err)
	}
	value := fmt.Sprintf(`{"engine":"mysql","host":%q,"port":%d,"username":%q,"password":%q,"dbname":%q,"masterarn":%q}`,
		DBHost, DBPort, user, password, DBName, w.AdminARN)
	arn, err := w.Service.Seed(name, "tutorial app secret", value, nil)
	if err != nil {
		t.Fatalf("seed %s: %v", name, err)
	}
	return arn
}

// Function returns a rotation function wired like the registered ones, for
// a test to adjust (wrap its Secrets or Dial) and register.
func (w *World) Function(s rotation.Strategy) *rotation.Function {
	return &rotation.Function{Secrets: w.Secrets, RDS: w.RDS, Dial: w.Dial, CA: w.CA, Strategy: s}
}

// Rotate calls RotateSecret with the function arn and waits until the
// service has finished with it (including its retries), returning how the
// rotation ended.
func (w *World) Rotate(t testing.TB, secretID, arn string) smsvc.RotationResult {
	t.Helper()
	return w.RotateWith(t, &sm.RotateSecretInput{
		SecretId: aws.String(secretID), RotationLambdaARN: aws.String(arn), RotateImmediately: aws.Bool(true),
	})
}

// RotateWith is Rotate with the request as given.
func (w *World) RotateWith(t testing.TB, in *sm.RotateSecretInput) smsvc.RotationResult {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if _, err := w.Secrets.RotateSecret(ctx, in); err != nil {
		t.Fatalf("RotateSecret: %v", err)
	}
	if err := w.Service.WaitRotations(ctx); err != nil {
		t.Fatalf("wait for rotation: %v", err)
	}
	select {
	case r := <-w.results:
		return r
	case <-ctx.Done():
		t.Fatal("rotation ended without a result")
	}
	return smsvc.RotationResult{}
}

// WaitHeld waits, on the Pace's own signal, until it holds step (slow
// motion), and returns what it holds.
func WaitHeld(t testing.TB, p *rotation.Pace, step string) rotation.Held {
	t.Helper()
	for {
		changes := p.Changes()
		if h, ok := p.Holding(); ok && h.Step == step {
			return h
		}
		select {
		case <-changes:
		case <-time.After(time.Minute):
			t.Fatalf("%s was never held", step)
		}
	}
}

// Value reads a version of the secret by stage; ok is false when no version
// has that stage.
func (w *World) Value(t testing.TB, secretID, stage string) (rotation.Secret, string, bool) {
	t.Helper()
	out, err := w.Secrets.GetSecretValue(context.Background(), &sm.GetSecretValueInput{
		SecretId: aws.String(secretID), VersionStage: aws.String(stage)})
	if err != nil {
		var api smithy.APIError
		if errors.As(err, &api) && api.ErrorCode() == "ResourceNotFoundException" {
			return rotation.Secret{}, "", false
		}
		t.Fatalf("read %s: %v", stage, err)
	}
	s, err := rotation.ParseSecret(aws.ToString(out.SecretString))
	if err != nil {
		t.Fatalf("parse %s: %v", stage, err)
	}
	return s, aws.ToString(out.VersionId), true
}

// Stages returns version id → stages.
func (w *World) Stages(t testing.TB, secretID string) map[string][]string {
	t.Helper()
	out, err := w.Secrets.DescribeSecret(context.Background(), &sm.DescribeSecretInput{SecretId: aws.String(secretID)})
	if err != nil {
		t.Fatalf("describe: %v", err)
	}
	return out.VersionIdsToStages
}

// Login tries the credentials on a fresh connection.
func (w *World) Login(s rotation.Secret) error {
	return dbclient.Login(context.Background(), w.Dial, s.Target(w.CA))
}

// Check asserts what must hold after every completed rotation: AWSCURRENT
// logs in; AWSPENDING is gone or on the current version; with alternating
// users AWSPREVIOUS (another user) logs in too, and both users have the
// same grants. It returns the current value.
func (w *World) Check(t testing.TB, secretID string, s rotation.Strategy) rotation.Secret {
	t.Helper()
	cur, curVersion, ok := w.Value(t, secretID, rotation.StageCurrent)
	if !ok {
		t.Fatal("no AWSCURRENT")
	}
	if err := w.Login(cur); err != nil {
		t.Fatalf("AWSCURRENT (%s) does not log in: %v", cur.Username, err)
	}
	for v, stages := range w.Stages(t, secretID) {
		if slices.Contains(stages, rotation.StagePending) && v != curVersion {
			t.Fatalf("AWSPENDING left on version %s, not the current %s", v, curVersion)
		}
	}
	if s != rotation.AlternatingUsers {
		return cur
	}
	prev, _, ok := w.Value(t, secretID, rotation.StagePrevious)
	if !ok {
		return cur
	}
	if prev.Username == cur.Username {
		t.Fatalf("AWSPREVIOUS and AWSCURRENT are both %s", cur.Username)
	}
	if err := w.Login(prev); err != nil {
		t.Fatalf("AWSPREVIOUS (%s) does not log in: %v", prev.Username, err)
	}
	a, b := w.Grants(t, cur.Username), w.Grants(t, prev.Username)
	if !slices.Equal(a, b) {
		t.Fatalf("grants differ:\n%s: %q\n%s: %q", cur.Username, a, prev.Username, b)
	}
	return cur
}

// Grants returns a user's privileges, without the user's name (the part of
// each SHOW GRANTS line before " TO "), sorted.
func (w *World) Grants(t testing.TB, user string) []string {
	t.Helper()
	lines, err := dbclient.ShowGrants(context.Background(), w.Admin(t), user)
	if err != nil {
		t.Fatalf("show grants for %s: %v", user, err)
	}
	var out []string
	for _, l := range lines {
		priv, _, _ := strings.Cut(l, " TO ")
		out = append(out, priv)
	}
	slices.Sort(out)
	return out
}

// RandomPassword is a password of letters and digits.
func RandomPassword(t testing.TB) string {
	b := make([]byte, 12)
	if _, err := rand.Read(b); err != nil {
		t.Fatal(err)
	}
	return "Pw1" + hex.EncodeToString(b)
}
