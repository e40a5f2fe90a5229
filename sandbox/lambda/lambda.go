// Package lambda is the sandbox's Lambda service: a registry of rotation
// functions by ARN that the sandbox's Secrets Manager invokes, one step at a
// time, the way AWS invokes a rotation Lambda.
//
// A registered function runs "inside the VPC": it reaches the database by
// its internal name (resolved to a loopback address only here and on the
// bastion), and Secrets Manager through the SDK, like a Lambda that reaches a
// VPC endpoint.
package lambda

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"rotation-tutor/rotation"
	"rotation-tutor/sandbox/account"
	smsvc "rotation-tutor/sandbox/secretsmanager"
)

// AccountID is the sandbox's account, as in its ARNs.
const AccountID = "000000000000"

// The tutorial's two functions.
const (
	AlternatingName = "tutorial-alternating-users-rotation"
	SingleUserName  = "tutorial-single-user-rotation"
)

// DefaultTimeout is the longest one invocation may run, like a Lambda
// function's timeout (AWS's rotation templates are deployed with 30 s).
const DefaultTimeout = 30 * time.Second

// FunctionARN is the ARN of the sandbox function name in region.
func FunctionARN(region, name string) string {
	return fmt.Sprintf("arn:aws:lambda:%s:%s:function:%s", region, AccountID, name)
}

// AlternatingARN is the alternating-users function's ARN.
func AlternatingARN(region string) string { return FunctionARN(region, AlternatingName) }

// SingleUserARN is the single-user function's ARN.
func SingleUserARN(region string) string { return FunctionARN(region, SingleUserName) }

// Registry knows functions by ARN and implements the sandbox Secrets
// Manager's Invoker.
type Registry struct {
	region  string
	timeout time.Duration
	pace    *rotation.Pace // slow motion: holds each invocation before it starts

	mu      sync.Mutex
	fns     map[string]*function
	closers []func() // release what RegisterTutorial made
	rt      *Runtime
	streams map[string]string // log stream by function and configuration revision
}

// function is a registered rotation function. slot serialises its
// invocations: a rotation's steps arrive one after another anyway, and two
// rotations of different secrets through one function then cannot interleave
// their statements on the database (Lambda would run them in parallel; the
// embedded database serialises statements regardless).
type function struct {
	name string
	fn   *rotation.Function
	slot chan struct{}
}

var _ smsvc.Invoker = (*Registry)(nil)

// NewRegistry returns an empty registry for region.
func NewRegistry(region string) *Registry {
	if region == "" {
		region = smsvc.DefaultRegion
	}
	return &Registry{region: region, timeout: DefaultTimeout, fns: map[string]*function{}, streams: map[string]string{}}
}

// Region is the registry's region.
func (r *Registry) Region() string { return r.region }

// SetTimeout changes how long one invocation may run (zero: DefaultTimeout).
func (r *Registry) SetTimeout(d time.Duration) {
	if d <= 0 {
		d = DefaultTimeout
	}
	r.mu.Lock()
	r.timeout = d
	r.mu.Unlock()
}

// SetPace makes every invocation wait for p first (slow motion), as if
// Secrets Manager took its time between steps; the function's timeout
// starts when the step does. Nil invokes at once.
func (r *Registry) SetPace(p *rotation.Pace) {
	r.mu.Lock()
	r.pace = p
	r.mu.Unlock()
}

// Register makes fn invocable as arn, replacing any function registered
// under that ARN.
func (r *Registry) Register(arn string, fn *rotation.Function) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.fns[arn] = &function{name: nameOf(arn), fn: fn, slot: make(chan struct{}, 1)}
}

// nameOf is a function ARN's name part.
func nameOf(arn string) string {
	if i := strings.LastIndex(arn, ":function:"); i >= 0 {
		return arn[i+len(":function:"):]
	}
	return arn
}

// HasFunction says whether arn is registered and its resource policy lets Secrets Manager
// invoke it. It does not call back into the Secrets Manager service (which calls it with its
// lock held).
func (r *Registry) HasFunction(arn string) bool {
	r.mu.Lock()
	f, ok := r.fns[arn]
	r.mu.Unlock()
	if !ok {
		return false
	}
	allows := true
	r.look(f.name, func(cfg *account.Function, _ *account.Account) {
		allows = cfg == nil || cfg.Allows(account.SecretsManagerPrincipal, "")
	})
	return allows
}

// Invoke runs one step of the function arn for Secrets Manager, as Lambda runs an invocation:
// only when the function's resource policy lets Secrets Manager invoke it, within the
// function's timeout, and logging to its log group. It returns the step's error, as Lambda
// reports a function error.
func (r *Registry) Invoke(ctx context.Context, arn string, ev smsvc.RotationEvent) error {
	if !r.HasFunction(arn) {
		if !r.Registered(arn) {
			return fmt.Errorf("lambda: Function not found: %s", arn)
		}
		return fmt.Errorf("AccessDeniedException: Secrets Manager cannot invoke %s: its resource policy does not let %s call lambda:InvokeFunction",
			arn, account.SecretsManagerPrincipal)
	}
	return r.Run(ctx, arn, rotation.Event{Step: ev.Step, SecretID: ev.SecretID, ClientRequestToken: ev.ClientRequestToken})
}

// Registered says whether a function is registered as arn, whoever may invoke it.
func (r *Registry) Registered(arn string) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	_, ok := r.fns[arn]
	return ok
}

// Run runs one invocation of the function arn with ev, whoever asked (the resource policy is
// the caller's to check), within the function's timeout.
func (r *Registry) Run(ctx context.Context, arn string, ev rotation.Event) error {
	r.mu.Lock()
	f, ok := r.fns[arn]
	timeout, pace := r.timeout, r.pace
	r.mu.Unlock()
	if !ok {
		return fmt.Errorf("lambda: Function not found: %s", arn)
	}
	if err := pace.Wait(ctx, ev); err != nil {
		return fmt.Errorf("lambda: %s: %s for %s: %w", arn, ev.Step, ev.SecretID, err)
	}
	// The timeout is on the wall clock, whatever the sandbox's clock says:
	// the step's work runs in real time, and a fast clock would otherwise
	// time out every step (5 ms of work is 7 virtual minutes at a day per
	// second).
	inv, err := r.newInvocation(f.name, timeout)
	ctx, cancel := context.WithTimeout(ctx, inv.timeout)
	defer cancel()
	select {
	case f.slot <- struct{}{}:
	case <-ctx.Done():
		return fmt.Errorf("lambda: %s: %s for %s: %w", arn, ev.Step, ev.SecretID, ctx.Err())
	}
	defer func() { <-f.slot }()
	inv.start()
	if err != nil {
		return inv.end(err, false)
	}
	fn := *f.fn
	fn.Password = mergePolicy(fn.Password, inv.policy)
	observe := fn.Observe
	fn.Observe = func(se rotation.StepEvent) {
		inv.observe(se)
		if observe != nil {
			observe(se)
		}
	}
	err = fn.Handle(ctx, ev)
	return inv.end(err, err != nil && errors.Is(ctx.Err(), context.DeadlineExceeded))
}

// mergePolicy is the function's own password policy with what its environment sets.
func mergePolicy(base, env rotation.PasswordPolicy) rotation.PasswordPolicy {
	if env.ExcludeCharacters != "" {
		base.ExcludeCharacters = env.ExcludeCharacters
	}
	if env.Length != 0 {
		base.Length = env.Length
	}
	return base
}
