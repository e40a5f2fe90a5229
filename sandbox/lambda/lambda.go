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
	"fmt"
	"sync"
	"time"

	"rotation-tutor/rotation"
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

	mu      sync.Mutex
	fns     map[string]*function
	closers []func() // release what RegisterTutorial made
}

// function is a registered rotation function. slot serialises its
// invocations: a rotation's steps arrive one after another anyway, and two
// rotations of different secrets through one function then cannot interleave
// their statements on the database (Lambda would run them in parallel; the
// embedded database serialises statements regardless).
type function struct {
	fn   *rotation.Function
	slot chan struct{}
}

var _ smsvc.Invoker = (*Registry)(nil)

// NewRegistry returns an empty registry for region.
func NewRegistry(region string) *Registry {
	if region == "" {
		region = smsvc.DefaultRegion
	}
	return &Registry{region: region, timeout: DefaultTimeout, fns: map[string]*function{}}
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

// Register makes fn invocable as arn, replacing any function registered
// under that ARN.
func (r *Registry) Register(arn string, fn *rotation.Function) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.fns[arn] = &function{fn: fn, slot: make(chan struct{}, 1)}
}

// HasFunction says whether arn is registered. It does not call back into the
// Secrets Manager service (which calls it with its lock held).
func (r *Registry) HasFunction(arn string) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	_, ok := r.fns[arn]
	return ok
}

// Invoke runs one step of the function arn, within the function's timeout,
// and returns the step's error, as Lambda reports a function error.
func (r *Registry) Invoke(ctx context.Context, arn string, ev smsvc.RotationEvent) error {
	r.mu.Lock()
	f, ok := r.fns[arn]
	timeout := r.timeout
	r.mu.Unlock()
	if !ok {
		return fmt.Errorf("lambda: Function not found: %s", arn)
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	select {
	case f.slot <- struct{}{}:
	case <-ctx.Done():
		return fmt.Errorf("lambda: %s: %s for %s: %w", arn, ev.Step, ev.SecretID, ctx.Err())
	}
	defer func() { <-f.slot }()
	return f.fn.Handle(ctx, rotation.Event{Step: ev.Step, SecretID: ev.SecretID, ClientRequestToken: ev.ClientRequestToken})
}
