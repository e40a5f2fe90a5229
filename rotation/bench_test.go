package rotation_test

import (
	"context"
	"testing"
	"time"

	"rotation-tutor/rotation/probe"
	"rotation-tutor/sandbox/lambda"
	"rotation-tutor/sandbox/lambda/lambdatest"
)

// One full rotation (RotateSecret, the four steps invoked by the service,
// through the SDK and the embedded database), reported as p50/p99.
func BenchmarkRotation(b *testing.B) {
	w := lambdatest.New(b, lambdatest.Options{})
	arn := w.AppSecret(b, appSecret, "appuser", lambdatest.RandomPassword(b))
	rotate := probe.ServiceRotation(w.Secrets, arn, lambda.AlternatingARN(lambdatest.Region), w.Service.WaitRotations)
	ctx := context.Background()
	var took []time.Duration
	for b.Loop() {
		start := time.Now()
		if _, err := rotate(ctx); err != nil {
			b.Fatal(err)
		}
		took = append(took, time.Since(start))
	}
	p := probe.PercentilesOf(took)
	b.ReportMetric(p.P50, "p50-ms")
	b.ReportMetric(p.P99, "p99-ms")
}

// 50 clients through b.N alternating-users rotations: the failed logins
// (which must be 0) per run.
func BenchmarkAlternating50Clients(b *testing.B) {
	benchmarkProbe(b, lambda.AlternatingARN(lambdatest.Region))
}

// The same with a single user, for comparison.
func BenchmarkSingleUser50Clients(b *testing.B) {
	benchmarkProbe(b, lambda.SingleUserARN(lambdatest.Region))
}

func benchmarkProbe(b *testing.B, fnARN string) {
	w := lambdatest.New(b, lambdatest.Options{})
	arn := w.AppSecret(b, appSecret, "appuser", lambdatest.RandomPassword(b))
	b.ResetTimer()
	rep, err := probe.Run(context.Background(), probe.RunConfig{
		Config:    probe.Config{Clients: 50, Secrets: w.Secrets, SecretID: arn, Dial: w.Dial},
		Rotations: b.N,
		Rotate:    probe.ServiceRotation(w.Secrets, arn, fnARN, w.Service.WaitRotations),
	})
	if err != nil {
		b.Fatal(err)
	}
	b.ReportMetric(float64(rep.FailedLogins), "failed-logins")
	b.ReportMetric(float64(rep.Logins), "logins")
	b.ReportMetric(rep.UnavailableMS, "unavailable-ms")
	p := probe.PercentilesOf(rep.RotationTimes)
	b.ReportMetric(p.P50, "rotation-p50-ms")
}
