package secretsmanager

import (
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	sm "github.com/aws/aws-sdk-go-v2/service/secretsmanager"
)

func p50(d []time.Duration) time.Duration {
	slices.Sort(d)
	return d[len(d)/2]
}

// BenchmarkGetSecretValue measures GetSecretValue through the SDK against
// the endpoint and, interleaved in the same run, the same call against the
// floor server (a canned answer: all client cost, no service work). The
// goal is ours ≤ 1.5× floor at p50.
func BenchmarkGetSecretValue(b *testing.B) {
	svc, err := New(keyed(Options{}))
	if err != nil {
		b.Fatal(err)
	}
	defer svc.Close()
	url, err := svc.Listen("127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	if _, err := svc.Seed("bench", "", floorValue(), nil); err != nil {
		b.Fatal(err)
	}
	floorURL, closeFloor := NewFloorServer()
	defer closeFloor()
	ours, floor := newClient(url), newClient(floorURL)
	in := &sm.GetSecretValueInput{SecretId: aws.String("bench")}
	for range 200 { // warm both connections and code paths
		if _, err := ours.GetSecretValue(ctx, in); err != nil {
			b.Fatal(err)
		}
		if _, err := floor.GetSecretValue(ctx, in); err != nil {
			b.Fatal(err)
		}
	}
	oursT := make([]time.Duration, 0, b.N)
	floorT := make([]time.Duration, 0, b.N)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		t0 := time.Now()
		if _, err := ours.GetSecretValue(ctx, in); err != nil {
			b.Fatal(err)
		}
		t1 := time.Now()
		if _, err := floor.GetSecretValue(ctx, in); err != nil {
			b.Fatal(err)
		}
		t2 := time.Now()
		oursT = append(oursT, t1.Sub(t0))
		floorT = append(floorT, t2.Sub(t1))
	}
	b.StopTimer()
	o, f := p50(oursT), p50(floorT)
	b.ReportMetric(float64(o.Microseconds()), "ours-p50-µs")
	b.ReportMetric(float64(f.Microseconds()), "floor-p50-µs")
	b.ReportMetric(float64(o)/float64(f), "ratio")
}

// floorValue is the secret string the floor server answers with.
func floorValue() string {
	return `{"engine":"mysql","host":"db.sandbox.internal","port":3306,"username":"appuser","password":"0123456789abcdefghijklmnopqrstuv","dbname":"tutorial"}`
}

// BenchmarkRotation measures one whole rotation (RotateSecret, then the
// fake function's four steps through the SDK, ≈10 API calls) at p50.
func BenchmarkRotation(b *testing.B) {
	b.Run("memory", func(b *testing.B) { benchRotation(b, Options{}) })
	// Persisted: the background writer encrypts and fsyncs the state while
	// the rotation runs; requests must not wait for it.
	b.Run("persisted", func(b *testing.B) {
		benchRotation(b, Options{StatePath: filepath.Join(b.TempDir(), "state"), StateKey: make([]byte, 32)})
	})
}

func benchRotation(b *testing.B, base Options) {
	// The clock moves a day per rotation so old versions are pruned, as
	// they would be on AWS, instead of piling up to the version limit.
	clock := newTestClock()
	base.RetryDelay, base.Clock = -1, clock
	opts, fn := withFunction(base)
	svc, err := New(opts)
	if err != nil {
		b.Fatal(err)
	}
	defer svc.Close()
	url, err := svc.Listen("127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	fn.setClient(newClient(url))
	c := newClient(url)
	if _, err := svc.Seed("app", "", appValue, nil); err != nil {
		b.Fatal(err)
	}
	times := make([]time.Duration, 0, b.N)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		t0 := time.Now()
		// A fresh input each time: the SDK writes the token it generates
		// into the input.
		in := &sm.RotateSecretInput{SecretId: aws.String("app"), RotationLambdaARN: aws.String(testFunctionARN)}
		if _, err := c.RotateSecret(ctx, in); err != nil {
			b.Fatal(err)
		}
		if err := svc.WaitRotations(ctx); err != nil {
			b.Fatal(err)
		}
		times = append(times, time.Since(t0))
		clock.Advance(25 * time.Hour)
		fn.reset()
	}
	b.StopTimer()
	b.ReportMetric(float64(p50(times).Microseconds()), "p50-µs")
}
