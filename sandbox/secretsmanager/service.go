// Package secretsmanager is the sandbox's AWS Secrets Manager: an
// http.Handler speaking the AWS JSON 1.1 protocol that the real AWS SDKs,
// the aws CLI and boto3 talk to exactly as they talk to AWS, verifying their
// SigV4 signatures. The verified key says who made a request (for secrets'
// resource policies), its credential scope in which Region (secrets live per
// Region, with replicas in others). It keeps its secrets in memory
// (optionally in a journal, encrypted, under a state path; an answer to a
// change comes once the change is on disk) and runs rotations through a
// pluggable Invoker that stands in for Lambda.
package secretsmanager

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"sync"
	"time"

	"rotation-tutor/internal/netguard"
	"rotation-tutor/sandbox/sigv4"
)

// Clock tells the service what time it is; tests drive it to make
// schedules come due.
type Clock interface{ Now() time.Time }

type realClock struct{}

func (realClock) Now() time.Time { return time.Now() }

// RealUntil makes the real clock one the scheduler can sleep on.
func (realClock) RealUntil(t time.Time) (time.Duration, <-chan struct{}) {
	return max(time.Until(t), 0), nil
}

// sleeper is a Clock that says how long, on the wall clock, until one of its
// moments, and tells when it changes pace or jumps (the sandbox's virtual
// clock, and the real one): the scheduler sleeps exactly until the next
// rotation is due. Other clocks (a test's) are looked at every
// schedulerEvery.
type sleeper interface {
	RealUntil(t time.Time) (wait time.Duration, changed <-chan struct{})
}

// RotationEvent is what a rotation function receives, as Lambda sends it.
// SecretID is the secret's ARN, as AWS sends it.
type RotationEvent struct{ Step, SecretID, ClientRequestToken string }

// Invoker stands in for Lambda: it knows functions by ARN and runs one step
// of one. HasFunction is called with the service's lock held and must not
// call back into the Service.
type Invoker interface {
	HasFunction(functionARN string) bool
	Invoke(ctx context.Context, functionARN string, ev RotationEvent) error
}

// RotationResult reports how a rotation ended.
type RotationResult struct {
	SecretARN, Token, FunctionARN string
	Attempts                      int
	Err                           error
	Started, Finished             time.Time
	// Scheduled says the schedule started the rotation (not RotateSecret);
	// WindowOpen and WindowClose are then the window it started in.
	Scheduled               bool
	WindowOpen, WindowClose time.Time
}

// Options configure a Service.
type Options struct {
	// Region is the service's own, where Seed creates secrets; a request
	// names its Region in its credential scope, and may name any.
	Region, AccountID string
	// AccessKeys are the keys whose signatures the endpoint accepts, each with
	// the principal it stands for; at least one is required.
	AccessKeys []AccessKey
	// StatePath "" keeps everything in memory; otherwise state is kept in a
	// journal there (0600) and reloaded by New.
	StatePath string
	// StateKey (32 bytes) encrypts the state file with AES-256-GCM: the
	// sandbox's stand-in for KMS, so no secret value ever reaches the disk
	// in plain text. Required when StatePath != "".
	StateKey []byte
	// Clock is the service's time: schedules, retries, dates (nil = real
	// time). AuthClock is the wall clock that signing times are checked
	// against (nil = real time): a client signs with the time on its wall,
	// whatever the service's clock says.
	Clock, AuthClock Clock
	Invoker          Invoker // nil = no functions known
	// RotationAttempts is how many times a whole rotation is attempted
	// before it fails for good (default 3: one and two retries, as Lambda
	// retries an asynchronous invocation). RetryDelay is the wait before the
	// first retry, doubled before each next one (default 1 minute, as
	// Lambda's); negative retries at once (tests).
	RotationAttempts int
	RetryDelay       time.Duration
	// OnRotation, if set, is called when a rotation ends (success, final
	// failure or cancellation), from the rotation's goroutine, before
	// WaitRotations sees the rotation as over (so it must not call
	// WaitRotations).
	OnRotation func(RotationResult)
	// Logf, when set, hears about failed rotation attempts, failed writes and
	// accept errors. It never receives a secret value.
	Logf func(format string, args ...any)
	// IdentityPolicies, if set, returns the permission policies of a principal of the
	// service's account (its role's, for a role's session) and whether it has any set:
	// such a principal may do only what they, or a secret's policy, allow. A principal
	// without (the learner, an administrator) is limited by secrets' policies alone.
	IdentityPolicies func(principalARN string) (documents []string, managed bool)
}

// Defaults that Options fall back to.
const (
	DefaultRegion    = "us-east-1"
	DefaultAccountID = "000000000000"
	defaultAttempts  = 3
	defaultRetry     = time.Minute
	schedulerEvery   = 2 * time.Second
	// maxSchedulerSleep bounds the scheduler's sleep on a clock it can
	// sleep on, so that a machine back from suspend catches up soon.
	maxSchedulerSleep = time.Minute
	// failedRetryAfter holds the scheduler back after a rotation failed for
	// good, so a broken function is retried on a later pass, not in a loop.
	failedRetryAfter = time.Hour
)

// Service is the in-process Secrets Manager.
type Service struct {
	opts     Options
	clock    Clock
	verifier *sigv4.Verifier
	keys     map[string]signingKey // the keys the endpoint accepts, by id (auth.go)

	mu      sync.Mutex
	secrets map[string]*secret // by Region and name (regionName), including those scheduled for deletion
	byARN   map[string]*secret
	seq     uint64
	closed  bool
	// valueBytes is the size of every version's value together, at most
	// maxValueBytes; versionCount is how many versions there are.
	valueBytes, maxValueBytes, versionCount int64

	// replicas holds, by the replica's Region and name, the primary of each
	// replica in sync; refusals, the last requests secrets' policies refused.
	replicas map[string]*secret
	refusals []PolicyRefusal

	// Rotations in flight, by secret ARN; idle is closed whenever none is.
	running map[string]*rotationRun
	idle    chan struct{}

	// scheduling says the scheduler runs; wake (one slot) tells it that
	// something changed that may move the next rotation.
	scheduling bool
	wake       chan struct{}

	// ctx is cancelled by Close: it ends rotations and the scheduler.
	ctx    context.Context
	cancel context.CancelFunc
	wg     sync.WaitGroup // rotations and the scheduler

	// The journal, and what it holds: secrets changed since their records
	// were last queued, what the journal has of each secret's versions, and
	// the sequence counter it has.
	journal   *journal
	dirty     map[*secret]struct{}
	image     map[string]onDisk
	seqOnDisk uint64

	// Requests being handled; drained is closed when Close has begun and
	// the last one has finished.
	active  int
	drained chan struct{}

	server     *http.Server
	serverDone chan struct{}
}

// New builds a Service; with a StatePath it reloads what was saved there. A
// state path with no file yet starts empty.
func New(opts Options) (*Service, error) {
	if len(opts.AccessKeys) == 0 {
		return nil, errors.New("secretsmanager: no access key: nothing could sign a request")
	}
	if opts.Region == "" {
		opts.Region = DefaultRegion
	}
	if opts.AccountID == "" {
		opts.AccountID = DefaultAccountID
	}
	if opts.RotationAttempts <= 0 {
		opts.RotationAttempts = defaultAttempts
	}
	if opts.RetryDelay == 0 {
		opts.RetryDelay = defaultRetry
	}
	if opts.RetryDelay < 0 {
		opts.RetryDelay = 0
	}
	if opts.Clock == nil {
		opts.Clock = realClock{}
	}
	if opts.AuthClock == nil {
		opts.AuthClock = realClock{}
	}
	keys, err := newKeyring(opts.AccessKeys, opts.AccountID)
	if err != nil {
		return nil, fmt.Errorf("secretsmanager: %w", err)
	}
	s := &Service{
		opts:     opts,
		clock:    opts.Clock,
		keys:     keys,
		secrets:  map[string]*secret{},
		byARN:    map[string]*secret{},
		replicas: map[string]*secret{},
		running:  map[string]*rotationRun{},
		idle:     closedChan(),
		drained:  make(chan struct{}),
		dirty:    map[*secret]struct{}{},
		image:    map[string]onDisk{},
		wake:     make(chan struct{}, 1),

		maxValueBytes: maxValueBytes,
	}
	s.verifier = &sigv4.Verifier{Service: "secretsmanager", SecretKey: s.SecretKey, Now: opts.AuthClock.Now}
	s.ctx, s.cancel = context.WithCancel(context.Background())
	if opts.StatePath != "" {
		if err := s.open(opts.StatePath, opts.StateKey); err != nil {
			return nil, fmt.Errorf("secretsmanager: %w", err)
		}
	}
	return s, nil
}

func closedChan() chan struct{} {
	c := make(chan struct{})
	close(c)
	return c
}

// maxEndpointConns bounds the connections Listen's server holds.
const maxEndpointConns = 256

// Listen serves the endpoint on addr (e.g. "127.0.0.1:0") and starts the
// scheduler that rotates secrets when due. It returns the endpoint URL.
func (s *Service) Listen(addr string) (string, error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return "", fmt.Errorf("secretsmanager: listen %s: %w", addr, err)
	}
	s.mu.Lock()
	if s.closed || s.server != nil {
		s.mu.Unlock()
		ln.Close()
		return "", errors.New("secretsmanager: Listen called twice or after Close")
	}
	limited := netguard.Limit(ln, netguard.Options{MaxConns: maxEndpointConns, Logf: s.opts.Logf})
	s.server = NewHTTPServer(s, limited, s.opts.Logf)
	s.serverDone = make(chan struct{})
	s.mu.Unlock()

	go func() {
		defer close(s.serverDone)
		_ = s.server.Serve(limited) // returns ErrServerClosed on Close
	}()
	s.StartScheduler()
	return "http://" + ln.Addr().String(), nil
}

// StartScheduler starts the goroutine that rotates secrets when their
// schedule says, as AWS does, and resumes rotations whose next attempt is
// due; Close stops it. Listen starts it; a service served otherwise (the
// sandbox's) calls it. A second call does nothing.
func (s *Service) StartScheduler() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed || s.scheduling {
		return
	}
	s.scheduling = true
	s.wg.Add(1)
	go s.schedule()
}

// schedule starts what is due, then sleeps until the next thing is — on the
// service's clock, so a fast clock brings it sooner and a jump at once —
// or until a change may have moved it.
func (s *Service) schedule() {
	defer s.wg.Done()
	c, canSleep := s.clock.(sleeper)
	for first := true; ; first = false {
		// A clock the scheduler cannot sleep on (a test's) is looked at every
		// schedulerEvery, not at once, and changes do not wake it: the test
		// drives.
		var next time.Time
		if canSleep || !first {
			_, next = s.rotateDue(s.ctx)
		}
		wait, changed, poked := schedulerEvery, (<-chan struct{})(nil), (<-chan struct{})(nil)
		if canSleep {
			wait, changed = c.RealUntil(next)
			if next.IsZero() || wait < 0 || wait > maxSchedulerSleep {
				wait = maxSchedulerSleep
			}
			poked = s.wake
		}
		t := time.NewTimer(wait)
		select {
		case <-s.ctx.Done():
			t.Stop()
			return
		case <-t.C:
		case <-changed:
		case <-poked:
		}
		t.Stop()
	}
}

// poke tells the scheduler to look again. It never blocks.
func (s *Service) poke() {
	select {
	case s.wake <- struct{}{}:
	default:
	}
}

// Close stops the server and the scheduler, cancels and waits for rotations
// in flight, lets requests being handled finish, and writes what is not yet
// written. A rotation cut short keeps its state, as after a crash: the next
// start resumes it (RotateDue).
func (s *Service) Close() error {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return nil
	}
	s.closed = true
	if s.active == 0 {
		close(s.drained)
	}
	srv, done := s.server, s.serverDone
	s.mu.Unlock()

	s.cancel()
	s.wg.Wait()
	<-s.drained
	var errs []error
	if srv != nil {
		// Every handler has returned, so closing the connections cuts
		// nothing short; Shutdown would instead wait for connections the
		// client opened but never used.
		if err := srv.Close(); err != nil {
			errs = append(errs, fmt.Errorf("secretsmanager: close server: %w", err))
		}
		<-done
	}
	if s.journal != nil {
		_ = s.sync(false)
		if err := s.journal.stop(); err != nil {
			errs = append(errs, fmt.Errorf("secretsmanager: %w", err))
		}
	}
	return errors.Join(errs...)
}

// WaitRotations blocks until no rotation is in flight (or ctx ends). A
// rotation waiting for its next attempt after a failure is not in flight.
func (s *Service) WaitRotations(ctx context.Context) error {
	for {
		s.mu.Lock()
		n, idle := len(s.running), s.idle
		s.mu.Unlock()
		if n == 0 {
			return nil
		}
		select {
		case <-idle:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}

// Seed creates the secret in the service's Region if it is missing
// (restoring it if it was scheduled for deletion) and returns its ARN once
// that is on disk. The sandbox uses it for the RDS-style admin secret.
func (s *Service) Seed(name, description, secretString string, tags map[string]string) (string, error) {
	if e := validateName(name); e != nil {
		return "", fmt.Errorf("secretsmanager: seed %q: %w", name, e)
	}
	if len(secretString) == 0 || len(secretString) > maxSecretBytes {
		return "", fmt.Errorf("secretsmanager: seed %q: value must be 1-%d bytes", name, maxSecretBytes)
	}
	arn, err := s.seed(name, description, secretString, tags)
	if err != nil {
		return "", fmt.Errorf("secretsmanager: seed %q: %w", name, err)
	}
	if err := s.sync(true); err != nil {
		return "", fmt.Errorf("secretsmanager: seed %q: %w", name, err)
	}
	return arn, nil
}

func (s *Service) seed(name, description, secretString string, tags map[string]string) (string, error) {
	now := s.clock.Now()
	s.mu.Lock()
	defer s.mu.Unlock()
	if sec := s.byName(s.opts.Region, name, now); sec != nil {
		if sec.deleted() {
			sec.Deleted, sec.Purge = time.Time{}, time.Time{}
			s.changed(sec)
		}
		return sec.ARN, nil
	}
	if e := s.roomForValue(int64(len(secretString))); e != nil {
		return "", e
	}
	var ts []tag
	for k, v := range tags {
		ts = append(ts, tag{Key: k, Value: v})
	}
	sortTags(ts)
	sec := s.newSecret(s.opts.Region, name, now)
	if description != "" {
		sec.Description = &description
	}
	sec.Tags = ts
	str := secretString
	s.addVersion(sec, newToken(), &str, nil, []string{stageCurrent}, now)
	return sec.ARN, nil
}

// Latest is the newest date the service has recorded (zero when it holds
// nothing): a clock restarted on its state should not run back past it.
func (s *Service) Latest() time.Time {
	s.mu.Lock()
	defer s.mu.Unlock()
	var latest time.Time
	later := func(t time.Time) {
		if t.After(latest) {
			latest = t
		}
	}
	for _, sec := range s.secrets {
		for _, t := range []time.Time{sec.Created, sec.Changed, sec.Accessed, sec.Deleted, sec.LastRotated, sec.Anchor} {
			later(t)
		}
		for _, v := range sec.Versions {
			later(v.Created)
			later(v.Accessed)
		}
	}
	return latest
}

// BytesWritten is how many bytes the service has written to its state file
// since New, snapshots included.
func (s *Service) BytesWritten() int64 {
	if s.journal == nil {
		return 0
	}
	return s.journal.bytesWritten()
}

func (s *Service) logf(format string, args ...any) {
	if s.opts.Logf != nil {
		s.opts.Logf(format, args...)
	}
}
