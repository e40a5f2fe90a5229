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

// rotationRun is the goroutine of a rotation in flight: one attempt, or
// attempts back to back when retries do not wait.
type rotationRun struct {
	secretARN, token, function string
	steps                      []string
	cancel                     context.CancelFunc
	scheduled                  bool      // the schedule started it, in window
	window                     window    // (its at is unused)
	started                    time.Time // when the rotation began (its first attempt)
}

func (s *Service) rotateSecret(rq *request, body []byte) (any, *apiError) {
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
	sec, e := s.lookupLive(rq, in.SecretId, now)
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
	if st := sec.Rotation; st != nil && !st.Failed {
		if in.ClientRequestToken != nil && *in.ClientRequestToken == st.Token {
			// The same request again (a client retry): same answer.
			return arnNameVersion{ARN: sec.ARN, Name: sec.Name, VersionId: st.Token}, nil
		}
		return nil, errorf(typeInvalidRequest, msgRotationIncomplete)
	}
	if s.running[sec.ARN] != nil || sec.pendingElsewhere() != nil {
		return nil, errorf(typeInvalidRequest, msgRotationIncomplete)
	}
	if in.ClientRequestToken == nil {
		return nil, errorf(typeInvalidRequest, msgTokenRequired)
	}
	tok := *in.ClientRequestToken
	if sec.Versions[tok] != nil {
		return nil, errorf(typeResourceExists, msgTokenInUse, tok, sec.ARN)
	}
	if e := s.canAddVersion(sec, 0, now); e != nil {
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
	s.startRun(sec, &rotationState{Token: tok, Function: fn, TestOnly: !immediately, Started: now})
	return arnNameVersion{ARN: sec.ARN, Name: sec.Name, VersionId: tok}, nil
}

func (s *Service) cancelRotateSecret(rq *request, body []byte) (any, *apiError) {
	var in secretIDInput
	if e := decode(body, &in); e != nil {
		return nil, e
	}
	now := s.clock.Now()
	s.mu.Lock()
	defer s.mu.Unlock()
	sec, e := s.lookupLive(rq, in.SecretId, now)
	if e != nil {
		return nil, e
	}
	// The configuration stays (DescribeSecret still shows it); the
	// AWSPENDING version stays too, for the user to inspect and remove.
	disabled := false
	sec.RotationEnabled = &disabled
	sec.Rotation = nil
	s.stopRotation(sec)
	out := arnNameVersion{ARN: sec.ARN, Name: sec.Name}
	if p := sec.versionWithStage(stagePending); p != nil {
		out.VersionId = p.ID
	}
	s.changed(sec)
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
	if st := sec.Rotation; st != nil && st.Token == v.ID {
		sec.LastRotated = now
	}
	sec.Anchor = now
}

// startRun records st as sec's rotation and starts its goroutine. Call with
// s.mu held.
func (s *Service) startRun(sec *secret, st *rotationState) {
	sec.Rotation = st
	s.changed(sec)
	ctx, cancel := context.WithCancel(s.ctx)
	steps := allSteps
	if st.TestOnly {
		steps = testOnly
	}
	run := &rotationRun{secretARN: sec.ARN, token: st.Token, function: st.Function, steps: steps, cancel: cancel,
		scheduled: st.Scheduled, window: window{open: st.WindowOpen, close: st.WindowClose}, started: st.Started}
	if len(s.running) == 0 {
		s.idle = make(chan struct{})
	}
	s.running[sec.ARN] = run
	s.wg.Add(1)
	go s.rotate(ctx, run, st.Attempts)
}

// rotate invokes the function's steps in order, and retries the whole
// rotation with the same token when a step fails, as Secrets Manager does;
// every step of a well-written function is idempotent, so a retry is safe.
// Retries follow Lambda's for an asynchronous invocation: two, after a
// minute and then two (Options.RetryDelay). A retry that must wait ends this
// goroutine; the scheduler starts the next attempt when it is due (RotateDue).
// failed is how many attempts of this rotation have already failed.
func (s *Service) rotate(ctx context.Context, run *rotationRun, failed int) {
	defer s.wg.Done()
	defer run.cancel()
	res := RotationResult{SecretARN: run.secretARN, Token: run.token, FunctionARN: run.function, Started: s.clock.Now(),
		Scheduled: run.scheduled, WindowOpen: run.window.open, WindowClose: run.window.close}
	attempts := s.opts.RotationAttempts
	if len(run.steps) == 1 {
		attempts = 1 // RotateImmediately=false is a test, not a rotation
	}
	for {
		res.Attempts = failed + 1
		res.Err = s.attempt(ctx, run)
		if res.Err == nil || ctx.Err() != nil {
			break
		}
		failed++
		if failed >= attempts || !s.stillPending(run) {
			break
		}
		if wait := s.opts.RetryDelay << (failed - 1); wait > 0 {
			s.retryLater(run, failed, res.Err, wait)
			return
		}
		s.retryNow(run, failed, res.Err)
	}
	cancelled := ctx.Err() != nil
	if cancelled && res.Err == nil {
		res.Err = fmt.Errorf("rotation of %s cancelled: %w", run.secretARN, ctx.Err())
	}
	res.Finished = s.clock.Now()
	// Report before the run ends: whoever returns from WaitRotations must already have
	// heard how the rotation went.
	if s.opts.OnRotation != nil {
		s.opts.OnRotation(res)
	}
	s.endRun(run, res, cancelled)
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
	return s.pendingOn(s.byARN[run.secretARN], run.token)
}

// pendingOn reports whether sec (alive) still has AWSPENDING on token. Call
// with s.mu held.
func (s *Service) pendingOn(sec *secret, token string) bool {
	if sec == nil || sec.deleted() {
		return false
	}
	v := sec.Versions[token]
	return v != nil && v.hasStage(stagePending)
}

// ownState is sec's rotation state if it is still run's. Call with s.mu held.
func ownState(sec *secret, run *rotationRun) *rotationState {
	if sec == nil || sec.Rotation == nil || sec.Rotation.Token != run.token {
		return nil
	}
	return sec.Rotation
}

// retryNow records a failed attempt before the next one starts at once, so
// a crash in between does not forget it.
func (s *Service) retryNow(run *rotationRun, failed int, err error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	sec := s.byARN[run.secretARN]
	if st := ownState(sec, run); st != nil {
		st.Attempts, st.LastError = failed, err.Error()
		s.changed(sec)
		s.enqueueLocked()
	}
	s.logf("secretsmanager: %v; attempt %d failed, trying again", err, failed)
}

// retryLater records a failed attempt and when the next may start, and ends
// the run: the scheduler resumes it then.
func (s *Service) retryLater(run *rotationRun, failed int, err error, wait time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.dropRun(run)
	sec := s.byARN[run.secretARN]
	st := ownState(sec, run)
	if st == nil {
		return
	}
	st.Attempts, st.LastError = failed, err.Error()
	st.NextAttempt = s.clock.Now().Add(wait)
	s.changed(sec)
	s.enqueueLocked()
	s.logf("secretsmanager: %v; attempt %d of %d failed, the next at %s", err, failed, s.opts.RotationAttempts, stamp(st.NextAttempt))
}

// dropRun forgets run as in flight. Call with s.mu held.
func (s *Service) dropRun(run *rotationRun) {
	if s.running[run.secretARN] == run {
		delete(s.running, run.secretARN)
		if len(s.running) == 0 {
			close(s.idle)
		}
	}
}

// endRun records the end of a rotation. A rotation cancelled by Close keeps
// its state, so that the next start resumes it; CancelRotateSecret has
// already cleared it.
func (s *Service) endRun(run *rotationRun, res RotationResult, cancelled bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.dropRun(run)
	sec := s.byARN[run.secretARN]
	st := ownState(sec, run)
	if st == nil || cancelled {
		return
	}
	switch {
	case st.TestOnly:
		// The test run's AWSPENDING version goes away again, as AWS's does.
		if v := sec.Versions[run.token]; v != nil && !v.hasValue() {
			s.deleteVersion(sec, v)
		} else if v != nil {
			v.Stages = removeStage(v.Stages, stagePending)
		}
		sec.Rotation = nil
	case res.Err != nil:
		st.Failed, st.Attempts, st.LastError = true, res.Attempts, res.Err.Error()
		sec.RetryAfter = res.Finished.Add(failedRetryAfter)
		s.logf("secretsmanager: %v; the rotation failed after %d attempts and stays incomplete until it is retried (by its schedule, after %s) or cancelled",
			res.Err, res.Attempts, stamp(sec.RetryAfter))
	default:
		sec.Rotation = nil
		if run.scheduled {
			s.logf("secretsmanager: scheduled rotation of %s (version %s) started %s, inside its window %s to %s, and finished %s",
				sec.ARN, run.token, stamp(run.started), stamp(run.window.open), stamp(run.window.close), stamp(res.Finished))
		}
		if sec.Anchor.Before(res.Started) {
			// A function that succeeded without moving AWSCURRENT still
			// counts as a rotation, or the schedule would fire again at once.
			sec.Anchor = res.Finished
		}
	}
	s.changed(sec)
	s.enqueueLocked()
}

// RotateDue starts every rotation that should run at Clock.Now() and returns
// how many it started: a rotation in progress that is not running (its next
// attempt is due, or a crash or Close cut it short), and a rotation whose
// schedule is due. A secret whose last rotation never finished (AWSPENDING on
// another version than AWSCURRENT) has that rotation reattempted with its
// token, as AWS's error message promises.
func (s *Service) RotateDue(ctx context.Context) int {
	n, _ := s.rotateDue(ctx)
	return n
}

// rotateDue is RotateDue; it also says when the next thing will be due
// (zero: nothing is scheduled), for the scheduler to sleep until then.
func (s *Service) rotateDue(ctx context.Context) (started int, next time.Time) {
	if ctx.Err() != nil {
		return 0, time.Time{}
	}
	now := s.clock.Now()
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return 0, time.Time{}
	}
	later := func(t time.Time) {
		if next.IsZero() || t.Before(next) {
			next = t
		}
	}
	for _, sec := range s.secrets {
		if s.alive(sec, now) == nil || sec.deleted() || s.running[sec.ARN] != nil {
			continue
		}
		if st := sec.Rotation; st != nil && !st.Failed {
			if !s.canInvoke(st.Function) {
				continue
			}
			if now.Before(st.NextAttempt) {
				later(st.NextAttempt)
				continue
			}
			if !s.pendingOn(sec, st.Token) {
				// Its version lost AWSPENDING meanwhile: nothing is left to finish.
				sec.Rotation = nil
				s.changed(sec)
				continue
			}
			s.startRun(sec, st)
			started++
			continue
		}
		if sec.RotationEnabled == nil || !*sec.RotationEnabled || sec.RotationLambda == "" || !s.canInvoke(sec.RotationLambda) {
			continue
		}
		at, w, ok := dueAt(sec, now)
		if !ok {
			continue
		}
		if now.Before(at) {
			later(at)
			continue
		}
		tok := ""
		if p := sec.pendingElsewhere(); p != nil {
			tok = p.ID
		} else {
			if s.canAddVersion(sec, 0, now) != nil {
				continue
			}
			tok = newToken()
			s.addVersion(sec, tok, nil, nil, []string{stagePending}, now)
		}
		s.startRun(sec, &rotationState{Token: tok, Function: sec.RotationLambda, Started: now,
			Scheduled: true, WindowOpen: w.open, WindowClose: w.close})
		started++
	}
	s.enqueueLocked()
	return started, next
}

// dueAt is when sec's next scheduled rotation starts, as NextRotationDate
// says: the sandbox's moment in the next window that has not closed by now,
// held back until RetryAfter after a rotation that failed for good. Call
// with s.mu held.
func dueAt(sec *secret, now time.Time) (time.Time, window, bool) {
	from := now
	if sec.RetryAfter.After(from) {
		from = sec.RetryAfter
	}
	w, ok := nextWindow(sec, from)
	if !ok {
		return time.Time{}, window{}, false
	}
	if sec.RetryAfter.After(w.at) {
		return sec.RetryAfter, w, true
	}
	return w.at, w, true
}

// stamp writes a time of the service's clock for its log.
func stamp(t time.Time) string { return t.UTC().Format(time.RFC3339) }

func (s *Service) canInvoke(fn string) bool {
	return s.opts.Invoker != nil && s.opts.Invoker.HasFunction(fn)
}

// RotationStatus is a rotation that has not finished: running now, waiting
// for its next attempt, or failed for good (Failed), which stays visible here
// until the rotation is retried or cancelled.
type RotationStatus struct {
	SecretARN, Token, FunctionARN string
	Running                       bool
	// Attempts is how many attempts have failed; NextAttempt is when the next
	// may start (zero: at once).
	Attempts    int
	NextAttempt time.Time
	Failed      bool
	LastError   string
}

// Rotations lists the rotations that have not finished.
func (s *Service) Rotations() []RotationStatus {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []RotationStatus
	for _, sec := range s.byARN {
		if st := sec.Rotation; st != nil {
			out = append(out, RotationStatus{SecretARN: sec.ARN, Token: st.Token, FunctionARN: st.Function,
				Running: s.running[sec.ARN] != nil, Attempts: st.Attempts, NextAttempt: st.NextAttempt,
				Failed: st.Failed, LastError: st.LastError})
		}
	}
	return out
}
