package steps

import (
	"errors"
	"fmt"

	"github.com/aws/smithy-go"

	"rotation-tutor/awsclient"
	"rotation-tutor/dbclient"
)

// Failure is a step's error: the action that failed and why.
type Failure struct {
	Step   ID
	Action string // what was being done, in words: "open the SSH tunnel through bastion.example:22"
	Fix    string // a step-specific fix, used when the error itself suggests none
	Err    error
}

func (f *Failure) Error() string {
	if f.Err == nil {
		return f.Action
	}
	return f.Action + ": " + f.Err.Error()
}

func (f *Failure) Unwrap() error { return f.Err }

// fail builds a Failure for the current action.
func fail(action string, err error) *Failure { return &Failure{Action: action, Err: err} }

// failFix is fail with a fix of the step's own.
func failFix(action, fix string, err error) *Failure {
	return &Failure{Action: action, Fix: fix, Err: err}
}

func asFailure(st Step, err error) *Failure {
	var f *Failure
	if errors.As(err, &f) {
		if f.Step == "" {
			f.Step = st.ID
		}
		return f
	}
	return &Failure{Step: st.ID, Action: st.Action, Err: err}
}

// Problem is an error as a person reads it: what failed, why, and the fix.
type Problem struct {
	What string
	Why  string
	Fix  string
}

func (p Problem) String() string {
	return fmt.Sprintf("%s: %s. Fix: %s", p.What, p.Why, p.Fix)
}

// Explain turns any error from a step into a Problem. Database and SSH errors
// go through dbclient.Classify, AWS errors through awsclient.Explain; what
// neither recognises keeps its own message.
func Explain(err error) Problem {
	if err == nil {
		return Problem{}
	}
	p := Problem{What: textFailedGeneric, Why: err.Error(), Fix: textFixGeneric}
	inner := err
	var f *Failure
	if errors.As(err, &f) {
		p.What = capitalise(f.Action)
		if f.Fix != "" {
			p.Fix = f.Fix
		}
		if f.Err != nil {
			inner = f.Err
			p.Why = f.Err.Error()
		}
	}
	if inner == nil {
		return p
	}
	var dbe *dbclient.Error
	if errors.As(inner, &dbe) {
		return withCause(p, dbe.What, dbe.Fix)
	}
	if c := dbclient.Classify(inner); c != nil && c.What != "" {
		return withCause(p, c.What, c.Fix)
	}
	var ae *awsclient.Error
	if errors.As(inner, &ae) {
		return withCause(p, ae.What, ae.Fix)
	}
	// Only what came back from an SDK call is an AWS error worth
	// explaining; awsclient would call anything else "failed".
	var op *smithy.OperationError
	if errors.As(inner, &op) {
		if e := awsclient.Explain(op.Operation(), inner); errors.As(e, &ae) && ae.What != "" {
			return withCause(p, ae.What, ae.Fix)
		}
	}
	return p
}

func withCause(p Problem, why, fix string) Problem {
	if why != "" {
		p.Why = why
	}
	if fix != "" {
		p.Fix = fix
	}
	return p
}

func capitalise(s string) string {
	if s == "" || s[0] < 'a' || s[0] > 'z' {
		return s
	}
	return string(s[0]-'a'+'A') + s[1:]
}
