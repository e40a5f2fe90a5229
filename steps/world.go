// Package steps is the tutorial as data and actions: every step has an id, a
// title, a short explanation, the equivalent commands built from live values,
// an action, and a look at the world that says whether the step's effect
// holds now. It has no UI: the walkthrough (tui/) and the headless runner
// (RunHeadless) both drive it.
package steps

import (
	"context"
	"errors"

	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"

	"rotation-tutor/awsclient"
	"rotation-tutor/dbclient"
	"rotation-tutor/internal/vclock"
	"rotation-tutor/rotation"
)

// Kinds of world.
const (
	KindSandbox = "sandbox"
	KindAWS     = "aws"
)

// Env is everything the steps need to know about the world they act on. The
// sandbox and a real account fill it the same way; steps never know which
// one they talk to beyond Kind (used for wording and for the commands shown).
type Env struct {
	Kind            string // KindSandbox or KindAWS
	Region          string
	Secrets         *secretsmanager.Client // SDK client: the sandbox endpoint or AWS
	SecretsEndpoint string                 // shown in the equivalent aws CLI commands as --endpoint-url; "" on AWS
	// ShellSetup is the one line that points a new shell's aws CLI at this
	// world (the sandbox's credentials file, profile and region), shown before
	// the commands that need it; "" on AWS, where the learner's own credential
	// chain applies. It names where the secret key is, never the key itself.
	ShellSetup string
	// Profile is the AWS profile given (--profile), repeated in the
	// commands shown; "" when none was.
	Profile    string
	SSH        dbclient.SSHConfig // the bastion
	DBHost     string             // the database as the bastion resolves it
	DBPort     int
	DBName     string // "tutorial"
	DBInstance string // "secretsmanagertutorial"
	// AdminSecretARN is the admin secret, RDS-managed in the current tutorial; the older
	// tutorial's view names its own master secret here, by name.
	AdminSecretARN string
	// Classic is the older tutorial's instance when the world has one of its own (the
	// sandbox); nil where the world's database serves both tutorials (a real account,
	// pointed at it with --db-instance).
	Classic *Database
	// MasterPassword is the master password of the tutorial's database when the world
	// knows it (the sandbox chose the older tutorial's); nil where only the learner does.
	MasterPassword func() string
	// DBCA verifies the database's TLS certificate (RDS's CA bundle); nil
	// leaves it unverified. Whether a login uses TLS is its secret's ssl key.
	DBCA *dbclient.CABundle
	// RDS answers DescribeDBInstances: the local rotator finds the database
	// of an RDS-managed admin secret with it, as AWS's template does.
	RDS rotation.RDSAPI
	// FunctionSide reads the rotation function's configuration, VPC, role and log group,
	// for the doctor; zero where there is none to read.
	FunctionSide awsclient.FunctionSide
	// Lab breaks the world for the troubleshooting screen; nil on a real account.
	Lab Lab
	// SecretName is the app secret; "" means the tutorial's own.
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
	// Clock is the world's time when this process keeps it: the sandbox's
	// clock, which can run fast and jump to the next scheduled rotation. Nil
	// means the wall clock (a real account, a sandbox another process runs).
	Clock *vclock.Clock
	// Pace holds each rotation step this process can hold — the sandbox's
	// functions, the local rotator — for slow motion. Nil: none can be.
	Pace *rotation.Pace
	// Identity returns who the credentials belong to (sts:GetCallerIdentity);
	// nil where there is no STS (the sandbox, a custom endpoint).
	Identity func(ctx context.Context) (string, error)
	// Remembered names the settings that came from an earlier run rather
	// than from flags or questions, to say so on screen.
	Remembered []string
}

// Database is a DB instance the world has besides the one Env names.
type Database struct {
	Instance string // as RDS names it
	Host     string // as the bastion resolves it
	Port     int
	// MasterPassword is the password chosen when the instance was made, when the world
	// knows it; nil when only the learner does.
	MasterPassword func() string
}

func (env *Env) defaults() {
	if env.DBPort == 0 {
		env.DBPort = rotation.DefaultPort
	}
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
