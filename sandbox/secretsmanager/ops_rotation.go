package secretsmanager

import (
	"context"
	"fmt"
	"time"
)

// The four steps of a rotation function, in the order they are invoked.
const (
	StepCreate = "createSecret"
	StepSet    = "setSecret"
	StepTest   = "testSecret"
	StepFinish = "finishSecret"
)

var (
	allSteps = []string{StepCreate, StepSet, StepTest, StepFinish}
	testOnly = []string{StepTest}
)

// rotationRun is one rotation in flight: all its attempts share the token.
type rotationRun struct {
	secretARN, token, function string
	steps                      []string
	cancel                     context.CancelFunc
}

func (s *Service) rotateSecret(body []byte) (any, *apiError) {
	var in rotateSecretInput
	if e := decode(body, &in); e != nil {
		return nil, e
	}
	if e := validateToken(in.ClientRequestToken); e != nil {
		return nil, e
	}
	if in.RotationLambdaARN != nil && len(*in.RotationLambdaARN) > maxLambdaARNLen {
		return nil, validationf("rotationLambdaARN", "Member must have length less than or equal to 2048")
	}
	if e := validateRules(in.RotationRules); e != nil {
		return nil, e
	}
	immediately := in.RotateImmediately == nil || *in.RotateImmediately

	now := s.clock.Now()
	s.mu.Lock()
	defer s.mu.Unlock()
	sec, e := s.lookupLive(in.SecretId, now)
	if e != nil {
		return nil, e
	}
	// Checked in the order AWS checks them (research §1.3).
	fn := sec.RotationLambda
	if in.RotationLambdaARN != nil && *in.RotationLambdaARN != "" {
		fn = *in.RotationLambdaARN
	}
	if fn == "" {
		return nil, errorf(typeInvalidRequest, msgNoLambda)
	}
	if s.opts.Invoker == nil || !s.opts.Invoker.HasFunction(fn) {
		return nil, errorf(typeAccessDenied, msgCannotInvoke)
	}
	if run := s.running[sec.ARN]; run != nil {
		if in.ClientRequestToken != nil && *in.ClientRequestToken == run.token {
			// The same request again (a client retry): same answer.
			return arnNameVersion{ARN: sec.ARN, Name: sec.Name, VersionId: run.token}, nil
		}
		return nil, errorf(typeInvalidRequest, msgRotationIncomplete)
	}
	if sec.pendingElsewhere() != nil {
		return nil, errorf(typeInvalidRequest, msgRotationIncomplete)
	}
	if in.ClientRequestToken == nil {
		return nil, errorf(typeInvalidRequest, msgTokenRequired)
	}
	tok := *in.ClientRequestToken
	if sec.Versions[tok] != nil {
		return nil, errorf(typeResourceExists, msgTokenInUse, tok, sec.ARN)
	}
	if e := sec.canAddVersion(now); e != nil {
		return nil, e
	}

	// Store the configuration; a RotateSecret without it reuses what is
	// stored.
	enabled := true
	if in.RotationRules != nil || sec.RotationEnabled == nil || !*sec.RotationEnabled {
		sec.Anchor = now
	}
	sec.RotationEnabled = &enabled
	sec.RotationLambda = fn
	if in.RotationRules != nil {
		r := *in.RotationRules
		sec.Rules = &r
	}
	sec.RetryAfter = time.Time{}

	// The new version has no value: createSecret's PutSecretValue fills it.
	s.addVersion(sec, tok, nil, nil, []string{stagePending}, now)
	steps := allSteps
	if !immediately {
		steps = testOnly
	}
	s.startRun(sec, tok, fn, steps)
	s.changed()
	return arnNameVersion{ARN: sec.ARN, Name: sec.Name, VersionId: tok}, nil
}

func (s *Service) cancelRotateSecret(body []byte) (any, *apiError) {
	var in secretIDInput
	if e := decode(body, &in); e != nil {
		return nil, e
	}
	now := s.clock.Now()
	s.mu.Lock()
	defer s.mu.Unlock()
	sec, e := s.lookupLive(in.SecretId, now)
	if e != nil {
		return nil, e
	}
	// The configuration stays (DescribeSecret still shows it); the
	// AWSPENDING version stays too, for the user to inspect and remove.
	disabled := false
	sec.RotationEnabled = &disabled
	s.stopRotation(sec)
	out := arnNameVersion{ARN: sec.ARN, Name: sec.Name}
	if p := sec.versionWithStage(stagePending); p != nil {
		out.VersionId = p.ID
	}
	s.changed()
	return out, nil
}

// stopRotation cancels the rotation in flight on sec, if any; its goroutine
// sees the cancellation and ends without retrying. Call with s.mu held.
func (s *Service) stopRotation(sec *secret) {
	if run := s.running[sec.ARN]; run != nil {
		run.cancel()
	}
}

// currentMoved records that AWSCURRENT moved onto v. During a rotation, onto
// the rotation's own version, that is the rotation taking effect
// (LastRotatedDate); any other change of AWSCURRENT counts as a rotation
// for the schedule, as AWS counts a manual PutSecretValue. Call with s.mu
// held.
func (s *Service) currentMoved(sec *secret, v *version, now time.Time) {
	if run := s.running[sec.ARN]; run != nil && run.token == v.ID {
		sec.LastRotated = now
	}
	sec.Anchor = now
}

// startRun starts a rotation's goroutine. Call with s.mu held.
func (s *Service) startRun(sec *secret, token, fn string, steps []string) {
	ctx, cancel := context.WithCancel(s.ctx)
	run := &rotationRun{secretARN: sec.ARN, token: token, function: fn, steps: steps, cancel: cancel}
	if len(s.running) == 0 {
		s.idle = make(chan struct{})
	}
	s.running[sec.ARN] = run
	s.wg.Add(1)
	go s.rotate(ctx, run)
}

// rotate invokes the function's steps in order, retrying the whole rotation
// with the same token when a step fails, as Secrets Manager does; every
// step of a well-written function is idempotent, so a retry is safe.
func (s *Service) rotate(ctx context.Context, run *rotationRun) {
	defer s.wg.Done()
	defer run.cancel()
	res := RotationResult{SecretARN: run.secretARN, Token: run.token, FunctionARN: run.function, Started: s.clock.Now()}
	attempts := s.opts.RotationAttempts
	if len(run.steps) == 1 {
		attempts = 1 // RotateImmediately=false is a test, not a rotation
	}
	for res.Attempts < attempts {
		res.Attempts++
		res.Err = s.attempt(ctx, run)
		if res.Err == nil || ctx.Err() != nil || res.Attempts == attempts || !s.stillPending(run) {
			break
		}
		if s.opts.RetryDelay > 0 {
			t := time.NewTimer(s.opts.RetryDelay)
			select {
			case <-ctx.Done():
			case <-t.C:
			}
			t.Stop()
			if ctx.Err() != nil {
				break
			}
		}
	}
	if res.Err == nil && ctx.Err() != nil {
		res.Err = fmt.Errorf("rotation of %s cancelled: %w", run.secretARN, ctx.Err())
	}
	res.Finished = s.clock.Now()
	// Report before the run ends: whoever returns from WaitRotations must already have
	// heard how the rotation went.
	if s.opts.OnRotation != nil {
		s.opts.OnRotation(res)
	}
	s.endRun(run, res)
}

func (s *Service) attempt(ctx context.Context, run *rotationRun) error {
	for _, step := range run.steps {
		if err := ctx.Err(); err != nil {
			return fmt.Errorf("rotation of %s: before %s: %w", run.secretARN, step, err)
		}
		ev := RotationEvent{Step: step, SecretID: run.secretARN, ClientRequestToken: run.token}
		if err := s.opts.Invoker.Invoke(ctx, run.function, ev); err != nil {
			return fmt.Errorf("rotation of %s: %s: %w", run.secretARN, step, err)
		}
	}
	return nil
}

// stillPending reports whether a retry still makes sense: the secret exists,
// is not scheduled for deletion, and AWSPENDING is still on the run's token.
func (s *Service) stillPending(run *rotationRun) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	sec := s.byARN[run.secretARN]
	if sec == nil || sec.deleted() {
		return false
	}
	v := sec.Versions[run.token]
	return v != nil && v.hasStage(stagePending)
}

// endRun records the end of a rotation.
func (s *Service) endRun(run *rotationRun, res RotationResult) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.running[run.secretARN] == run {
		delete(s.running, run.secretARN)
	}
	if len(s.running) == 0 {
		close(s.idle)
	}
	sec := s.byARN[run.secretARN]
	if sec == nil {
		return
	}
	if len(run.steps) == 1 {
		// The test run's AWSPENDING version goes away again, as AWS's does.
		if v := sec.Versions[run.token]; v != nil && !v.hasValue() {
			delete(sec.Versions, run.token)
		} else if v != nil {
			v.Stages = removeStage(v.Stages, stagePending)
		}
	} else if res.Err != nil {
		sec.RetryAfter = res.Finished.Add(failedRetryAfter)
	} else if sec.Anchor.Before(res.Started) {
		// A function that succeeded without moving AWSCURRENT still
		// counts as a rotation, or the schedule would fire again at once.
		sec.Anchor = res.Finished
	}
	s.changed()
}

// RotateDue starts every rotation whose schedule is due at Clock.Now() and
// returns how many it started. A secret whose last rotation never finished
// (AWSPENDING on another version than AWSCURRENT) has that rotation
// reattempted with its token, as AWS's error message promises.
func (s *Service) RotateDue(ctx context.Context) int {
	if ctx.Err() != nil {
		return 0
	}
	now := s.clock.Now()
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return 0
	}
	started := 0
	for _, sec := range s.secrets {
		if s.alive(sec, now) == nil || sec.deleted() || s.running[sec.ARN] != nil {
			continue
		}
		if sec.RotationEnabled == nil || !*sec.RotationEnabled || sec.RotationLambda == "" {
			continue
		}
		next, ok := nextRotation(sec)
		if !ok || now.Before(next) || now.Before(sec.RetryAfter) {
			continue
		}
		if s.opts.Invoker == nil || !s.opts.Invoker.HasFunction(sec.RotationLambda) {
			continue
		}
		tok := ""
		if p := sec.pendingElsewhere(); p != nil {
			tok = p.ID
		} else {
			if sec.canAddVersion(now) != nil {
				continue
			}
			tok = newToken()
			s.addVersion(sec, tok, nil, nil, []string{stagePending}, now)
		}
		s.startRun(sec, tok, sec.RotationLambda, allSteps)
		started++
	}
	if started > 0 {
		s.changed()
	}
	return started
}
