package probe_test

import (
	"context"
	"testing"

	"rotation-tutor/rotation"
	"rotation-tutor/rotation/probe"
	"rotation-tutor/sandbox/lambda"
	"rotation-tutor/sandbox/lambda/lambdatest"
)

func run(t *testing.T, s rotation.Strategy, clients, rotations int) probe.Report {
	t.Helper()
	w := lambdatest.New(t, lambdatest.Options{})
	arn := w.AppSecret(t, "SecretsManagerTutorialAppuser", "appuser", lambdatest.RandomPassword(t))
	fnARN := lambda.AlternatingARN(lambdatest.Region)
	if s == rotation.SingleUser {
		fnARN = lambda.SingleUserARN(lambdatest.Region)
	}
	rep, err := probe.Run(context.Background(), probe.RunConfig{
		Config:    probe.Config{Clients: clients, Secrets: w.Secrets, SecretID: arn, Dial: w.Dial},
		Rotations: rotations,
		Rotate:    probe.ServiceRotation(w.Secrets, arn, fnARN, w.Service.WaitRotations),
	})
	if err != nil {
		t.Fatal(err)
	}
	w.Check(t, arn, s)
	return rep
}

// Every client refreshes between two rotations, and logs in with its stale
// secret right after each one: alternating users never fails.
func TestAlternatingUsersNoFailedLogins(t *testing.T) {
	const clients, rotations = 8, 5
	rep := run(t, rotation.AlternatingUsers, clients, rotations)
	if rep.FailedLogins != 0 || rep.UnavailableMS != 0 {
		t.Fatalf("alternating users: %+v", rep)
	}
	// One login at start, then two per rotation (stale, then refreshed).
	if want := clients * (1 + 2*rotations); rep.Logins != want {
		t.Fatalf("logins %d, want %d", rep.Logins, want)
	}
	if len(rep.RotationTimes) != rotations {
		t.Fatalf("%d rotation times", len(rep.RotationTimes))
	}
}

// With a single user, the stale login after each rotation fails for every
// client: the password changed in place.
func TestSingleUserFailsUntilRefresh(t *testing.T) {
	const clients, rotations = 4, 3
	rep := run(t, rotation.SingleUser, clients, rotations)
	if rep.FailedLogins != clients*rotations {
		t.Fatalf("failed logins %d, want %d", rep.FailedLogins, clients*rotations)
	}
	if rep.Logins != clients*(1+rotations) || rep.UnavailableMS <= 0 {
		t.Fatalf("single user: %+v", rep)
	}
}

// Continuous traffic (clients on a pace of their own) through rotations
// that the clients' refreshes bracket: still no failure with alternating
// users, and the probe stops with no goroutine left.
func TestAlternatingUsersUnderContinuousTraffic(t *testing.T) {
	w := lambdatest.New(t, lambdatest.Options{})
	arn := w.AppSecret(t, "SecretsManagerTutorialAppuser", "appuser", lambdatest.RandomPassword(t))
	ctx := context.Background()
	p, err := probe.Start(ctx, probe.Config{Clients: 4, Secrets: w.Secrets, SecretID: arn, Dial: w.Dial, Pause: pace})
	if err != nil {
		t.Fatal(err)
	}
	defer p.Stop()
	rotate := probe.ServiceRotation(w.Secrets, arn, lambda.AlternatingARN(lambdatest.Region), w.Service.WaitRotations)
	if err := p.RefreshAll(ctx); err != nil {
		t.Fatal(err)
	}
	for range 4 {
		v, err := rotate(ctx)
		if err != nil {
			t.Fatal(err)
		}
		p.MarkRotated(v)
		if s := p.Snapshot(); s.Stale != 4 {
			t.Fatalf("right after a rotation every client is stale: %d", s.Stale)
		}
		if err := p.RefreshAll(ctx); err != nil {
			t.Fatal(err)
		}
		if s := p.Snapshot(); s.Stale != 0 {
			t.Fatalf("after the refresh no client is stale: %d", s.Stale)
		}
	}
	p.Stop()
	if s := p.Snapshot(); s.Failed != 0 || s.FetchErrs != 0 {
		t.Fatalf("failures under continuous traffic: %+v", s)
	}
}
