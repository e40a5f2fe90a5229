// Package steps is the tutorial as data and actions: every step has an id, a
// title, a short explanation, the equivalent commands built from live values,
// and an action. It has no UI: the walkthrough (tui/) and the headless runner
// (RunHeadless) both drive it.
package steps

import (
	"context"
	"errors"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"

	"rotation-tutor/dbclient"
	"rotation-tutor/rotation"
)

// Kinds of world.
const (
	KindSandbox = "sandbox"
	KindAWS     = "aws"
)

// Env is everything the steps need to know about the world they act on. The
// sandbox and a real account fill it the same way; steps never know which
// one they talk to beyond Kind (used only for wording).
type Env struct {
	Kind            string // KindSandbox or KindAWS
	Region          string
	Secrets         *secretsmanager.Client // SDK client: the sandbox endpoint or AWS
	SecretsEndpoint string                 // shown in the equivalent aws CLI commands as --endpoint-url; "" on AWS
	SSH             dbclient.SSHConfig     // the bastion
	DBHost          string                 // the database as the bastion resolves it
	DBPort          int
	DBName          string // "tutorial"
	DBInstance      string // "secretsmanagertutorial"
	AdminSecretARN  string
	// DBCA verifies the database's TLS certificate (RDS's CA bundle); nil
	// leaves it unverified. Whether a login uses TLS is its secret's ssl key.
	DBCA *dbclient.CABundle
	// RDS answers DescribeDBInstances: the local rotator finds the database
	// of an RDS-managed admin secret with it, as AWS's template does.
	RDS rotation.RDSAPI
	// SecretName is the app secret; "" means DefaultSecretName.
	SecretName string
	// RotationLambdaARN and SingleUserLambdaARN are the rotation functions;
	// "" means the local rotator: the app runs the four steps itself,
	// through the tunnel.
	RotationLambdaARN, SingleUserLambdaARN string
	// StepEvents carries the rotation function's steps as they start and
	// end; nil when they cannot be observed (a real Lambda). The walkthrough
	// drains it; whoever sends must never block on it.
	StepEvents <-chan rotation.StepEvent
	// WaitRotations returns when the endpoint has no rotation running (the
	// sandbox); nil means poll DescribeSecret (AWS).
	WaitRotations func(ctx context.Context) error
	// RotateDue asks the endpoint to run the rotations that are due (the
	// sandbox's clock); nil on AWS.
	RotateDue func(ctx context.Context) error
}

// World is where the tutorial happens: the in-process sandbox or a real
// account. main.go builds one; the steps only see its Env.
type World interface {
	// Start brings the world up (the sandbox starts its servers; AWS checks
	// the identity and discovers the database), reporting stages as it goes.
	Start(ctx context.Context, progress func(stage string)) (*Env, error)
	// Close stops what Start started.
	Close() error
}

// Check is one hop-by-hop check of the troubleshooting step.
type Check struct {
	Hop, Name string
	OK        bool
	Skipped   bool // not tried: an earlier hop failed, or it does not apply
	Took      time.Duration
	Detail    string // what was found; never a secret value
	Fix       string // what to do, when it failed
}

// CheckRequest says what to check.
type CheckRequest struct {
	Env      *Env
	SecretID string // the app secret, name or ARN
	Strategy string // StrategyAlternating or StrategySingle
}

// Checker runs the troubleshooting checks. main.go plugs the doctor in;
// BasicChecks is what the steps can do by themselves.
type Checker func(ctx context.Context, req CheckRequest) []Check

// Question is a setting a world needs, cannot discover and was not given:
// real-AWS mode's bastion and key. It is put to the learner while the world
// starts.
type Question struct {
	Name    string // short: "bastion"
	Explain string // what it is and where to find it
	Example string // what an answer looks like
	// Problem says why the previous answer was refused, and Refused is
	// that answer, to correct rather than retype; both "" the first time.
	Problem, Refused string
}

// Asker puts a question to the learner and returns the answer, or an error
// when the learner declined to give one.
type Asker func(ctx context.Context, q Question) (string, error)

// ErrNotAnswered is what an Asker returns when the learner declines.
var ErrNotAnswered = errors.New("not answered")
