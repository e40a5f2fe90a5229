package secretsmanager

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	"github.com/aws/aws-sdk-go-v2/credentials"
	sm "github.com/aws/aws-sdk-go-v2/service/secretsmanager"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager/types"
)

// testClock is a clock the test sets.
type testClock struct {
	mu  sync.Mutex
	now time.Time
}

func newTestClock() *testClock {
	return &testClock{now: time.Date(2026, 3, 2, 10, 0, 0, 0, time.UTC)}
}

func (c *testClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *testClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

// env is one endpoint on a real loopback socket and an SDK client for it.
type env struct {
	svc    *Service
	url    string
	client *sm.Client
	clock  *testClock
}

func newEnv(t *testing.T, opts Options) *env {
	t.Helper()
	clock := newTestClock()
	if opts.Clock == nil {
		opts.Clock = clock
	}
	if opts.RetryDelay == 0 {
		opts.RetryDelay = -1
	}
	svc, err := New(keyed(opts))
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	url, err := svc.Listen("127.0.0.1:0")
	if err != nil {
		t.Fatalf("Listen: %v", err)
	}
	t.Cleanup(func() {
		if err := svc.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
	})
	return &env{svc: svc, url: url, client: newRegionClient(url, svc.opts.Region), clock: clock}
}

// testKey is the access key the tests' services accept and their clients sign with: the
// account's root user.
var testKey = AccessKey{ID: "AKIDSANDBOX", Secret: "sandbox-secret"}

// keyed adds testKey to opts.
func keyed(opts Options) Options {
	opts.AccessKeys = append(opts.AccessKeys, testKey)
	return opts
}

func newClient(url string) *sm.Client { return newRegionClient(url, DefaultRegion) }

// newRegionClient is a client for region (any: the endpoint serves every Region, and its
// secrets live per Region), signing with testKey.
func newRegionClient(url, region string) *sm.Client { return newKeyClient(url, region, testKey) }

// newKeyClient is a client for region that signs with key: the key says which identity the
// endpoint sees.
func newKeyClient(url, region string, key AccessKey) *sm.Client {
	cfg := aws.Config{
		Region:      region,
		Credentials: credentials.NewStaticCredentialsProvider(key.ID, key.Secret, ""),
	}
	return sm.NewFromConfig(cfg, func(o *sm.Options) {
		o.BaseEndpoint = aws.String(url)
		// The SDK's own retry of a connection closed under the response
		// (aws-sdk-go-v2#2737) stays on, as in the product; only the
		// backoff goes, so a refused request still fails at once.
		o.Retryer = retry.NewStandard(func(so *retry.StandardOptions) {
			so.Backoff = retry.BackoffDelayerFunc(func(int, error) (time.Duration, error) { return 0, nil })
		})
	})
}

// sign signs req (whose body is body) with key, as an SDK would at signedAt.
func sign(t testing.TB, req *http.Request, body string, key AccessKey, signedAt time.Time) {
	t.Helper()
	sum := sha256.Sum256([]byte(body))
	creds := aws.Credentials{AccessKeyID: key.ID, SecretAccessKey: key.Secret}
	if err := v4.NewSigner().SignHTTP(context.Background(), creds, req, hex.EncodeToString(sum[:]),
		"secretsmanager", "us-east-1", signedAt); err != nil {
		t.Fatal(err)
	}
}

// must returns v, failing the test on err: must(client.Op(ctx, in))(t).
func must[T any](v T, err error) func(*testing.T) T {
	return func(t *testing.T) T {
		t.Helper()
		if err != nil {
			t.Fatalf("unexpected error: %v", err)
		}
		return v
	}
}

// wantErr asserts err is the SDK's typed error E.
func wantErr[E error](t *testing.T, err error) E {
	t.Helper()
	var target E
	if !errors.As(err, &target) {
		t.Fatalf("want %T, got %v", target, err)
	}
	return target
}

// wantCode asserts an API error code for types the SDK has no struct for.
func wantCode(t *testing.T, err error, code string) {
	t.Helper()
	var api interface{ ErrorCode() string }
	if !errors.As(err, &api) || api.ErrorCode() != code {
		t.Fatalf("want %s, got %v", code, err)
	}
}

func (e *env) create(t *testing.T, name, value string) *sm.CreateSecretOutput {
	t.Helper()
	return must(e.client.CreateSecret(context.Background(), &sm.CreateSecretInput{
		Name: aws.String(name), SecretString: aws.String(value),
	}))(t)
}

func (e *env) stages(t *testing.T, id string) map[string][]string {
	t.Helper()
	d := must(e.client.DescribeSecret(context.Background(), &sm.DescribeSecretInput{SecretId: aws.String(id)}))(t)
	return d.VersionIdsToStages
}

// fakeFunction is a rotation function of the test's own: it behaves like
// AWS's templates (idempotent steps, createSecret fills AWSPENDING,
// finishSecret moves AWSCURRENT), records every step, and can be made to
// fail a chosen step a number of times.
type fakeFunction struct {
	arn    string
	client *sm.Client

	mu       sync.Mutex
	steps    []string // "step token"
	failStep string
	failures int           // how many more times failStep fails; <0 forever
	block    chan struct{} // if set, setSecret waits for it to close
	entered  chan struct{} // if set, receives when setSecret starts waiting
	events   []RotationEvent
}

type fakeInvoker struct{ fns map[string]*fakeFunction }

func (i *fakeInvoker) HasFunction(arn string) bool { return i.fns[arn] != nil }

func (i *fakeInvoker) Invoke(ctx context.Context, arn string, ev RotationEvent) error {
	fn := i.fns[arn]
	if fn == nil {
		return fmt.Errorf("no function %s", arn)
	}
	return fn.invoke(ctx, ev)
}

const testFunctionARN = "arn:aws:lambda:us-east-1:000000000000:function:test-rotation"

// withFunction returns options with an invoker that knows one fake
// function; its client is set once the endpoint listens.
func withFunction(opts Options) (Options, *fakeFunction) {
	fn := &fakeFunction{arn: testFunctionARN}
	opts.Invoker = &fakeInvoker{fns: map[string]*fakeFunction{fn.arn: fn}}
	return opts, fn
}

func newRotationEnv(t *testing.T, opts Options) (*env, *fakeFunction) {
	opts, fn := withFunction(opts)
	e := newEnv(t, opts)
	fn.setClient(e.client)
	return e, fn
}

// The test goroutine and the rotation goroutines share the fake function;
// a request over a socket does not order memory for the race detector, so
// every field is set and read under f.mu.

func (f *fakeFunction) setClient(c *sm.Client) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.client = c
}

// hold makes setSecret wait until release is called; entered receives
// when a setSecret starts waiting.
func (f *fakeFunction) hold() (entered <-chan struct{}, release func()) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.block, f.entered = make(chan struct{}), make(chan struct{}, 1)
	block := f.block
	return f.entered, func() { close(block) }
}

func (f *fakeFunction) reset() {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.steps, f.events = f.steps[:0], f.events[:0]
}

func (f *fakeFunction) failAt(step string, times int) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.failStep, f.failures = step, times
}

func (f *fakeFunction) recorded() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]string(nil), f.steps...)
}

func (f *fakeFunction) invoke(ctx context.Context, ev RotationEvent) error {
	f.mu.Lock()
	f.steps = append(f.steps, ev.Step)
	f.events = append(f.events, ev)
	fail := ev.Step == f.failStep && f.failures != 0
	if fail && f.failures > 0 {
		f.failures--
	}
	block, entered, client := f.block, f.entered, f.client
	f.mu.Unlock()
	if block != nil && ev.Step == StepSet {
		select { // never blocks: one signal is enough
		case entered <- struct{}{}:
		default:
		}
		select {
		case <-block:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	if fail {
		return fmt.Errorf("%s failed on purpose", ev.Step)
	}
	id := aws.String(ev.SecretID)
	switch ev.Step {
	case StepCreate:
		_, err := client.GetSecretValue(ctx, &sm.GetSecretValueInput{SecretId: id,
			VersionId: aws.String(ev.ClientRequestToken), VersionStage: aws.String("AWSPENDING")})
		if err == nil {
			return nil
		}
		var nf *types.ResourceNotFoundException
		if !errors.As(err, &nf) {
			return err
		}
		cur, err := client.GetSecretValue(ctx, &sm.GetSecretValueInput{SecretId: id})
		if err != nil {
			return err
		}
		var val map[string]any
		if err := json.Unmarshal([]byte(aws.ToString(cur.SecretString)), &val); err != nil {
			return err
		}
		pw, err := client.GetRandomPassword(ctx, &sm.GetRandomPasswordInput{ExcludeCharacters: aws.String(`/@"'\`)})
		if err != nil {
			return err
		}
		val["password"] = aws.ToString(pw.RandomPassword)
		b, _ := json.Marshal(val)
		_, err = client.PutSecretValue(ctx, &sm.PutSecretValueInput{SecretId: id,
			ClientRequestToken: aws.String(ev.ClientRequestToken), SecretString: aws.String(string(b)),
			VersionStages: []string{"AWSPENDING"}})
		return err
	case StepFinish:
		d, err := client.DescribeSecret(ctx, &sm.DescribeSecretInput{SecretId: id})
		if err != nil {
			return err
		}
		current := ""
		for v, st := range d.VersionIdsToStages {
			for _, s := range st {
				if s == "AWSCURRENT" {
					current = v
				}
			}
		}
		if current == ev.ClientRequestToken {
			return nil
		}
		_, err = client.UpdateSecretVersionStage(ctx, &sm.UpdateSecretVersionStageInput{SecretId: id,
			VersionStage: aws.String("AWSCURRENT"), MoveToVersionId: aws.String(ev.ClientRequestToken),
			RemoveFromVersionId: aws.String(current)})
		return err
	}
	return nil
}

func wait(t *testing.T, svc *Service) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := svc.WaitRotations(ctx); err != nil {
		t.Fatalf("WaitRotations: %v", err)
	}
}
