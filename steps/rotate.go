package steps

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	sm "github.com/aws/aws-sdk-go-v2/service/secretsmanager"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager/types"

	"rotation-tutor/rotation"
)

// Rotation is one finished (or failed) rotation.
type Rotation struct {
	Strategy rotation.Strategy
	Function string // the Lambda ARN, or noteLocalRotator
	Version  string // the version the rotation made (its token)
	From, To string // usernames before and after
	Took     time.Duration
	// At is when it was seen to finish, on the world's clock.
	At time.Time
	// Elsewhere says this session did not start it: the schedule did, or
	// another caller's RotateSecret.
	Elsewhere bool
}

// pollEvery is how often a rotation through a real Lambda is checked.
const pollEvery = time.Second

// functionFor returns the rotation function for a strategy, or "" for the
// local rotator.
func functionFor(env *Env, strategy rotation.Strategy) string {
	if strategy == rotation.SingleUser {
		return env.SingleUserLambdaARN
	}
	return env.RotationLambdaARN
}

// UnfinishedError says a rotation left unfinished stands in the way of a new
// one: finish it or cancel it first (FinishRotation, CancelRotation).
type UnfinishedError struct{ Rotation *rotation.Unfinished }

func (e *UnfinishedError) Error() string {
	if e.Rotation.Stale {
		return fmt.Sprintf("AWSPENDING was left on version %s, older than AWSCURRENT (%s): a new value was stored after a rotation, "+
			"and Secrets Manager refuses to start another until the label is off", short(e.Rotation.Pending), short(e.Rotation.Current))
	}
	return fmt.Sprintf("a rotation did not finish: AWSPENDING is on version %s, AWSCURRENT on %s, and Secrets Manager "+
		"refuses to start another until it is finished or cancelled", short(e.Rotation.Pending), short(e.Rotation.Current))
}

// unfinished returns an *UnfinishedError when a rotation is left
// unfinished, nil otherwise.
func (s *Session) unfinished(ctx context.Context, env *Env) error {
	u, err := rotation.FindUnfinished(ctx, env.Secrets, env.SecretName)
	if err != nil {
		return fail("look for an unfinished rotation of "+env.SecretName, err)
	}
	if u != nil {
		return failFix("start a rotation of "+env.SecretName, fixUnfinished(u), &UnfinishedError{Rotation: u})
	}
	return nil
}

// Rotate rotates the app secret now with the strategy's function (or the
// local rotator), waits until it ends, and returns what changed. rules, if
// set, also configures the schedule. A rotation left unfinished is reported
// (an *UnfinishedError), not run over.
func (s *Session) Rotate(ctx context.Context, strategy rotation.Strategy, rules *types.RotationRulesType) (Rotation, error) {
	env, err := s.requireEnv()
	if err != nil {
		return Rotation{}, err
	}
	if err := s.unfinished(ctx, env); err != nil {
		return Rotation{}, err
	}
	start := time.Now()
	before, _ := s.currentUsername(ctx, env)
	r := Rotation{Strategy: strategy, From: before}
	fn := functionFor(env, strategy)
	if fn == "" {
		r.Function = noteLocalRotator
		r.Version, err = s.rotateLocally(ctx, env, strategy)
	} else {
		r.Function = fn
		r.Version, err = s.rotateWithService(ctx, env, fn, rules)
	}
	s.live.drain(env.StepEvents)
	r.Took = time.Since(start)
	if err != nil {
		return r, err
	}
	r.To, _ = s.currentUsername(ctx, env)
	s.live.markRotated(r)
	return r, nil
}

// localFunction is the rotation function run from this process, through
// the tunnel.
func (s *Session) localFunction(env *Env, strategy rotation.Strategy) *rotation.Function {
	return &rotation.Function{Secrets: env.Secrets, RDS: env.RDS, Dial: s.conn.Dial, CA: env.DBCA, Strategy: strategy,
		Observe: s.live.observeStep, Pace: env.Pace}
}

func (s *Session) rotateLocally(ctx context.Context, env *Env, strategy rotation.Strategy) (string, error) {
	if _, _, err := s.requireAdmin(ctx); err != nil {
		return "", err
	}
	version, err := s.localFunction(env, strategy).RotateLocallyVersion(ctx, env.SecretName)
	if err != nil {
		var inProgress *rotation.InProgressError
		if errors.As(err, &inProgress) {
			return version, s.unfinished(ctx, env)
		}
		return version, fail("rotate "+env.SecretName+" with "+noteLocalRotator, err)
	}
	return version, nil
}

func (s *Session) rotateWithService(ctx context.Context, env *Env, fn string, rules *types.RotationRulesType) (string, error) {
	in := &sm.RotateSecretInput{SecretId: aws.String(env.SecretName), RotationLambdaARN: aws.String(fn), RotateImmediately: aws.Bool(true)}
	if rules != nil {
		in.RotationRules = rules
	}
	out, err := env.Secrets.RotateSecret(ctx, in)
	if err != nil {
		if uerr := s.unfinished(ctx, env); uerr != nil {
			return "", uerr
		}
		return "", fail("call RotateSecret with "+fn, err)
	}
	token := aws.ToString(out.VersionId)
	s.live.started(token)
	if env.WaitRotations != nil {
		if err := env.WaitRotations(ctx); err != nil {
			return token, fail("wait for the rotation", err)
		}
	}
	ctx, cancel := context.WithTimeout(ctx, s.opts.RotationTimeout)
	defer cancel()
	for {
		desc, err := env.Secrets.DescribeSecret(ctx, &sm.DescribeSecretInput{SecretId: aws.String(env.SecretName)})
		if err != nil {
			if ctx.Err() != nil {
				return token, s.rotationFailed(env, token, fn, ctx.Err())
			}
			return token, fail("describe "+env.SecretName+" while it rotates", err)
		}
		if env.StepEvents == nil {
			s.live.inferSteps(desc.VersionIdsToStages)
		}
		stages := desc.VersionIdsToStages[token]
		switch {
		case slices.Contains(stages, rotation.StageCurrent):
			return token, nil
		case env.WaitRotations != nil || !slices.Contains(stages, rotation.StagePending):
			// The sandbox said nothing is running, or the version lost its
			// label: the function gave up.
			return token, s.rotationFailed(env, token, fn, fmt.Errorf("version %s did not become AWSCURRENT (its labels: %v)", short(token), stages))
		}
		t := time.NewTimer(pollEvery)
		select {
		case <-ctx.Done():
			t.Stop()
			return token, s.rotationFailed(env, token, fn, ctx.Err())
		case <-t.C:
		}
	}
}

// rotationFailed explains a rotation that did not end: the step that failed
// and its own error when the function's steps are seen, or where to read
// them when they are not.
func (s *Session) rotationFailed(env *Env, token, fn string, err error) error {
	s.live.drain(env.StepEvents)
	if m, ok := s.live.failedStep(token); ok {
		return failFix("rotate "+env.SecretName+" ("+m.Step+" failed)", fixRotationStep, errors.New(m.Err))
	}
	return failFix("rotate "+env.SecretName+" with "+fn, fixRotationLogs(fn), err)
}

// FinishRotation runs the remaining steps of the rotation left unfinished,
// with its own token, from this process through the tunnel: what Secrets
// Manager's retry would do. Every step skips what is already done.
func (s *Session) FinishRotation(ctx context.Context) (Rotation, error) {
	env, _, err := s.requireAdmin(ctx)
	if err != nil {
		return Rotation{}, err
	}
	u, err := rotation.FindUnfinished(ctx, env.Secrets, env.SecretName)
	switch {
	case err != nil:
		return Rotation{}, fail("look for an unfinished rotation of "+env.SecretName, err)
	case u == nil:
		return Rotation{}, failFix("finish the rotation", fixNothingUnfinished, rotation.ErrNothingToResume)
	case u.Stale:
		return Rotation{}, failFix("finish the rotation on version "+short(u.Pending), fixUnfinished(u), &UnfinishedError{Rotation: u})
	}
	start := time.Now()
	cur, _, err := readSecret(ctx, env, env.SecretName, rotation.StageCurrent, "")
	if err != nil {
		return Rotation{}, fail("read the AWSCURRENT version of "+env.SecretName, err)
	}
	strategy := s.pendingStrategy(ctx, env, u, cur.Username)
	r := Rotation{Strategy: strategy, Function: noteLocalRotator, Version: u.Pending, From: cur.Username}
	if _, err := s.localFunction(env, strategy).ResumeLocally(ctx, env.SecretName); err != nil {
		return r, fail("finish the rotation on version "+short(u.Pending), err)
	}
	r.Took = time.Since(start)
	r.To, _ = s.currentUsername(ctx, env)
	s.live.markRotated(r)
	return r, nil
}

// pendingStrategy is the strategy that made the pending version: the same
// user as AWSCURRENT is a single-user rotation. A version with no value yet
// takes the configured function's.
func (s *Session) pendingStrategy(ctx context.Context, env *Env, u *rotation.Unfinished, current string) rotation.Strategy {
	if u.HasValue {
		if pend, _, err := readSecret(ctx, env, env.SecretName, "", u.Pending); err == nil {
			if pend.Username == current {
				return rotation.SingleUser
			}
			return rotation.AlternatingUsers
		}
	}
	if d, err := describeApp(ctx, env); err == nil && d != nil && aws.ToString(d.RotationLambdaARN) != "" &&
		aws.ToString(d.RotationLambdaARN) == env.SingleUserLambdaARN {
		return rotation.SingleUser
	}
	return s.Choices().Strategy
}

// CancelRotation takes AWSPENDING off the version of the rotation left
// unfinished, as `aws secretsmanager update-secret-version-stage` would.
// Automatic rotation stays on; the next rotation starts afresh.
func (s *Session) CancelRotation(ctx context.Context) (Result, error) {
	env, err := s.requireEnv()
	if err != nil {
		return Result{}, err
	}
	start := time.Now()
	u, err := rotation.FindUnfinished(ctx, env.Secrets, env.SecretName)
	switch {
	case err != nil:
		return Result{}, fail("look for an unfinished rotation of "+env.SecretName, err)
	case u == nil:
		return Result{}, failFix("cancel the rotation", fixNothingUnfinished, rotation.ErrNothingToResume)
	}
	_, err = env.Secrets.UpdateSecretVersionStage(ctx, &sm.UpdateSecretVersionStageInput{SecretId: aws.String(env.SecretName),
		VersionStage: aws.String(rotation.StagePending), RemoveFromVersionId: aws.String(u.Pending)})
	if err != nil {
		return Result{}, fail("take AWSPENDING off version "+short(u.Pending), err)
	}
	return Result{Holds: true, Summary: "cancelled: AWSPENDING is off version " + short(u.Pending) + "; the next rotation starts afresh",
		At: start, Took: time.Since(start)}, nil
}

// currentUsername is the username in AWSCURRENT.
func (s *Session) currentUsername(ctx context.Context, env *Env) (string, error) {
	sec, version, err := readSecret(ctx, env, env.SecretName, rotation.StageCurrent, "")
	if err != nil {
		return "", err
	}
	s.live.rememberUsername(version, sec.Username)
	return sec.Username, nil
}
