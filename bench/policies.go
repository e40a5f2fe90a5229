package bench

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	sm "github.com/aws/aws-sdk-go-v2/service/secretsmanager"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager/types"

	"rotation-tutor/dbclient"
	"rotation-tutor/rotation"
	"rotation-tutor/rotation/probe"
	"rotation-tutor/sandbox"
	"rotation-tutor/sandbox/secretsmanager"
)

// Policies compares the clients' caching policies under each strategy: the
// sandbox's clock runs TimeScale times real time, the secret rotates by its
// own Schedule (no RotateSecret), and the clients log in throughout.
type Policies struct {
	TimeScale float64     `json:"time_scale"`
	Schedule  string      `json:"schedule"`
	PauseMS   float64     `json:"pause_ms"` // real time between one client's logins
	Runs      []PolicyRun `json:"runs"`
}

// PolicyRun is one policy under one strategy over Rotations scheduled
// rotations. UnavailableS is on the sandbox's clock.
type PolicyRun struct {
	Strategy     rotation.Strategy `json:"strategy"`
	Policy       string            `json:"policy"`
	Clients      int               `json:"clients"`
	Rotations    int               `json:"rotations"`
	Logins       int               `json:"logins"`
	FailedLogins int               `json:"failed_logins"`
	UnavailableS float64           `json:"unavailable_s"`
}

// The comparison's settings: a rotation every 4 virtual hours (the shortest
// schedule AWS allows) is 0.2 s of real time, the 300 s TTL 4 ms, the hour's
// 50 ms; a client logs in every 20 ms, ten times between rotations.
const (
	policyScale     = 72000
	policySchedule  = "rate(4 hours)"
	policyPause     = 20 * time.Millisecond
	policyClients   = 8
	policyRotations = 10
)

// rotationEnds hands each rotation's end to whoever watches its secret.
type rotationEnds struct {
	mu   sync.Mutex
	subs map[string]chan secretsmanager.RotationResult
}

func (r *rotationEnds) hear(res secretsmanager.RotationResult) {
	r.mu.Lock()
	ch := r.subs[res.SecretARN]
	r.mu.Unlock()
	if ch != nil {
		select {
		case ch <- res:
		default: // nobody is counting that fast: dropped, as a log line would not be
		}
	}
}

func (r *rotationEnds) watch(arn string) (<-chan secretsmanager.RotationResult, func()) {
	ch := make(chan secretsmanager.RotationResult, 64)
	r.mu.Lock()
	if r.subs == nil {
		r.subs = map[string]chan secretsmanager.RotationResult{}
	}
	r.subs[arn] = ch
	r.mu.Unlock()
	return ch, func() {
		r.mu.Lock()
		delete(r.subs, arn)
		r.mu.Unlock()
	}
}

// comparePolicies runs every policy under both strategies on the sandbox's
// clock made fast, and puts it back to real time after.
func comparePolicies(ctx context.Context, sb *sandbox.Sandbox, client *sm.Client, dial dbclient.DialFunc, ends *rotationEnds,
	progress func(string, int, int)) (Policies, error) {
	out := Policies{TimeScale: policyScale, Schedule: policySchedule, PauseMS: float64(policyPause) / float64(time.Millisecond)}
	clock := sb.Clock()
	if err := clock.SetScale(policyScale); err != nil {
		return out, err
	}
	defer clock.SetScale(1) //nolint:errcheck // 1 is always a valid scale
	info := sb.Info()
	i := 0
	for _, s := range []struct {
		strategy rotation.Strategy
		fn       string
	}{{rotation.AlternatingUsers, info.RotationFunctionARN}, {rotation.SingleUser, info.SingleUserFunctionARN}} {
		for _, pol := range probe.Policies {
			i++
			arn, err := prepareSecret(ctx, client, dial, info, fmt.Sprintf("bpol%d", i), fmt.Sprintf("BenchPolicy%d", i))
			if err != nil {
				return out, err
			}
			run, err := policyRun(ctx, sb, client, dial, ends, arn, s.fn, pol,
				func(done int) { progress(fmt.Sprintf("%s, %s", s.strategy, pol.Name), done, policyRotations) })
			if err != nil {
				return out, fmt.Errorf("%s, clients caching %s: %w", s.strategy, pol.Name, err)
			}
			run.Strategy = s.strategy
			out.Runs = append(out.Runs, run)
		}
	}
	return out, nil
}

// policyRun turns on the secret's schedule (without rotating now), lets it
// rotate policyRotations times while the clients log in, and turns it off.
func policyRun(ctx context.Context, sb *sandbox.Sandbox, client *sm.Client, dial dbclient.DialFunc, ends *rotationEnds,
	arn, fn string, pol probe.Policy, progress func(int)) (PolicyRun, error) {
	run := PolicyRun{Policy: pol.Name, Clients: policyClients, Rotations: policyRotations}
	results, stop := ends.watch(arn)
	defer stop()
	p, err := probe.Start(ctx, probe.Config{Clients: policyClients, Secrets: client, SecretID: arn, Dial: dial,
		Policy: pol, Clock: sb.Clock(), Pause: policyPause})
	if err != nil {
		return run, err
	}
	defer p.Stop()
	if err := p.RefreshAll(ctx); err != nil {
		return run, err
	}
	if _, err := client.RotateSecret(ctx, &sm.RotateSecretInput{SecretId: aws.String(arn), RotationLambdaARN: aws.String(fn),
		RotateImmediately: aws.Bool(false), RotationRules: &types.RotationRulesType{ScheduleExpression: aws.String(policySchedule)}}); err != nil {
		return run, fmt.Errorf("turn rotation on: %w", err)
	}
	ctx, cancel := context.WithTimeout(ctx, 2*time.Minute)
	defer cancel()
	for done := 0; done < policyRotations; {
		select {
		case r := <-results:
			if !r.Scheduled {
				continue // the test run RotateSecret made
			}
			if r.Err != nil {
				return run, fmt.Errorf("scheduled rotation: %w", r.Err)
			}
			p.MarkRotated(r.Token)
			done++
			progress(done)
		case <-ctx.Done():
			return run, errors.New("the schedule did not rotate the secret often enough within two minutes")
		}
	}
	p.Stop()
	s := p.Snapshot() // now: an outage still going on counts up to here
	run.Logins, run.FailedLogins, run.UnavailableS = s.Logins, s.Failed, s.Unavailable.Seconds()
	if _, err := client.CancelRotateSecret(ctx, &sm.CancelRotateSecretInput{SecretId: aws.String(arn)}); err != nil {
		return run, fmt.Errorf("turn rotation off: %w", err)
	}
	return run, sb.WaitRotations(ctx)
}
