package steps

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	sm "github.com/aws/aws-sdk-go-v2/service/secretsmanager"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager/types"

	"rotation-tutor/rotation"
)

// Rotation is one finished (or failed) rotation.
type Rotation struct {
	Strategy string
	Function string // the Lambda ARN, or noteLocalRotator
	Version  string // the version the rotation made (its token)
	From, To string // usernames before and after
	Took     time.Duration
}

// pollEvery is how often a rotation through a real Lambda is checked.
const pollEvery = time.Second

// functionFor returns the rotation function for a strategy, or "" for the
// local rotator.
func functionFor(env *Env, strategy string) string {
	if strategy == StrategySingle {
		return env.SingleUserLambdaARN
	}
	return env.RotationLambdaARN
}

// Rotate rotates the app secret now with the strategy's function (or the
// local rotator), waits until it ends, and returns what changed. rules, if
// set, also configures the schedule. progress, if set, hears what it waits
// for.
func (s *Session) Rotate(ctx context.Context, strategy string, rules *types.RotationRulesType, progress func(string)) (Rotation, error) {
	env, err := s.requireEnv()
	if err != nil {
		return Rotation{}, err
	}
	if progress == nil {
		progress = func(string) {}
	}
	start := time.Now()
	before, _ := s.currentUsername(ctx)
	r := Rotation{Strategy: strategy, From: before}
	fn := functionFor(env, strategy)
	if fn == "" {
		r.Function = noteLocalRotator
		r.Version, err = s.rotateLocally(ctx, strategy)
	} else {
		r.Function = fn
		r.Version, err = s.rotateWithService(ctx, env, fn, rules, progress)
	}
	s.drainStepEvents()
	r.Took = time.Since(start)
	if err != nil {
		return r, err
	}
	r.To, _ = s.currentUsername(ctx)
	s.markRotated(r)
	return r, nil
}

func (s *Session) rotateLocally(ctx context.Context, strategy string) (string, error) {
	env := s.Env()
	tun, _, err := s.ensureConnected(ctx)
	if err != nil {
		return "", err
	}
	rs := rotation.AlternatingUsers
	if strategy == StrategySingle {
		rs = rotation.SingleUser
	}
	f := &rotation.Function{Secrets: env.Secrets, RDS: env.RDS, Dial: tun.DialContext, CA: env.DBCA, Strategy: rs, Observe: s.observeStep}
	version, err := f.RotateLocallyVersion(ctx, s.SecretID())
	if err != nil {
		var inProgress *rotation.InProgressError
		if errors.As(err, &inProgress) {
			return version, failFix("start a rotation", fmt.Sprintf(fixPending, s.SecretID(), inProgress.PendingVersion), err)
		}
		return version, fail("rotate "+env.SecretName+" with "+noteLocalRotator, err)
	}
	return version, nil
}

func (s *Session) rotateWithService(ctx context.Context, env *Env, fn string, rules *types.RotationRulesType, progress func(string)) (string, error) {
	in := &sm.RotateSecretInput{SecretId: aws.String(s.SecretID()), RotationLambdaARN: aws.String(fn), RotateImmediately: aws.Bool(true)}
	if rules != nil {
		in.RotationRules = rules
	}
	out, err := env.Secrets.RotateSecret(ctx, in)
	if err != nil {
		if strings.Contains(err.Error(), "previous rotation isn't complete") {
			pending, _ := s.pendingVersion(ctx)
			return "", failFix("start a rotation", fmt.Sprintf(fixPending, s.SecretID(), pending), err)
		}
		return "", fail("call RotateSecret with "+fn, err)
	}
	token := aws.ToString(out.VersionId)
	progress("RotateSecret returned version " + short(token) + "; the function is running")
	if env.WaitRotations != nil {
		if err := env.WaitRotations(ctx); err != nil {
			return token, fail("wait for the rotation", err)
		}
	}
	ctx, cancel := context.WithTimeout(ctx, s.Options().RotationTimeout)
	defer cancel()
	start := time.Now()
	for {
		desc, err := env.Secrets.DescribeSecret(ctx, &sm.DescribeSecretInput{SecretId: aws.String(s.SecretID())})
		if err != nil {
			if ctx.Err() != nil {
				return token, failFix("wait for version "+short(token)+" to become AWSCURRENT", fixRotationWait, ctx.Err())
			}
			return token, fail("describe "+env.SecretName+" while it rotates", err)
		}
		s.inferSteps(desc.VersionIdsToStages)
		stages := desc.VersionIdsToStages[token]
		switch {
		case slices.Contains(stages, rotation.StageCurrent):
			return token, nil
		case env.WaitRotations != nil || !slices.Contains(stages, rotation.StagePending):
			// The sandbox said nothing is running, or the version lost its
			// label: the function gave up.
			return token, failFix("rotate "+env.SecretName, fixRotationWait,
				fmt.Errorf("version %s did not become AWSCURRENT (its stages: %v)", short(token), stages))
		}
		progress(fmt.Sprintf("version %s is AWSPENDING; waiting for finishSecret (%s)", short(token), time.Since(start).Round(time.Second)))
		t := time.NewTimer(pollEvery)
		select {
		case <-ctx.Done():
			t.Stop()
			return token, failFix("wait for version "+short(token)+" to become AWSCURRENT", fixRotationWait, ctx.Err())
		case <-t.C:
		}
	}
}

// currentUsername is the username in AWSCURRENT.
func (s *Session) currentUsername(ctx context.Context) (string, error) {
	env := s.Env()
	out, err := env.Secrets.GetSecretValue(ctx, &sm.GetSecretValueInput{SecretId: aws.String(s.SecretID())})
	if err != nil {
		return "", err
	}
	sec, err := rotation.ParseSecret(aws.ToString(out.SecretString))
	if err != nil {
		return "", err
	}
	s.rememberUsername(aws.ToString(out.VersionId), sec.Username)
	return sec.Username, nil
}

func (s *Session) pendingVersion(ctx context.Context) (string, error) {
	env := s.Env()
	desc, err := env.Secrets.DescribeSecret(ctx, &sm.DescribeSecretInput{SecretId: aws.String(s.SecretID())})
	if err != nil {
		return "", err
	}
	for v, st := range desc.VersionIdsToStages {
		if slices.Contains(st, rotation.StagePending) && !slices.Contains(st, rotation.StageCurrent) {
			return v, nil
		}
	}
	return "", nil
}
