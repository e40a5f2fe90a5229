package rotation

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	sm "github.com/aws/aws-sdk-go-v2/service/secretsmanager"

	"rotation-tutor/dbclient"
)

// SecretsAPI is the part of the Secrets Manager API a rotation function uses.
// *secretsmanager.Client from aws-sdk-go-v2 satisfies it.
type SecretsAPI interface {
	DescribeSecret(ctx context.Context, in *sm.DescribeSecretInput, optFns ...func(*sm.Options)) (*sm.DescribeSecretOutput, error)
	GetSecretValue(ctx context.Context, in *sm.GetSecretValueInput, optFns ...func(*sm.Options)) (*sm.GetSecretValueOutput, error)
	PutSecretValue(ctx context.Context, in *sm.PutSecretValueInput, optFns ...func(*sm.Options)) (*sm.PutSecretValueOutput, error)
	UpdateSecretVersionStage(ctx context.Context, in *sm.UpdateSecretVersionStageInput, optFns ...func(*sm.Options)) (*sm.UpdateSecretVersionStageOutput, error)
	GetRandomPassword(ctx context.Context, in *sm.GetRandomPasswordInput, optFns ...func(*sm.Options)) (*sm.GetRandomPasswordOutput, error)
}

// Strategy says how a rotation changes the database.
type Strategy string

const (
	// AlternatingUsers keeps two users, NAME and NAME_clone, and changes the
	// password of the one that is not current. The admin secret named by the
	// secret's masterarn does the work. Clients holding the previous secret
	// keep logging in. AWS calls this the multi-user template.
	AlternatingUsers Strategy = "alternating-users"
	// SingleUser changes the password of the one user, logged in as that
	// user. Until clients fetch the new secret, their logins fail.
	SingleUser Strategy = "single-user"
)

// The four step names, as Secrets Manager sends them.
const (
	StepCreate = "createSecret"
	StepSet    = "setSecret"
	StepTest   = "testSecret"
	StepFinish = "finishSecret"
)

// Steps lists the four steps in the order Secrets Manager runs them.
var Steps = [4]string{StepCreate, StepSet, StepTest, StepFinish}

// The staging labels rotation moves around.
const (
	StageCurrent  = "AWSCURRENT"
	StagePending  = "AWSPENDING"
	StagePrevious = "AWSPREVIOUS"
)

// DefaultUsernameLimit is the template's USERNAME_CHARACTER_LIMIT default.
// MySQL 5.7 and later allow 32 characters.
const DefaultUsernameLimit = 16

// Event is one invocation of the rotation function.
type Event struct {
	Step               string
	SecretID           string
	ClientRequestToken string
}

// StepEvent reports a step starting (Done false) and ending (Done true).
type StepEvent struct {
	SecretID, Token, Step string
	Started               time.Time
	Done                  bool
	Took                  time.Duration // set when Done
	Err                   error         // set when Done and the step failed
	// Detail says, in a few words, what the step did or skipped: "pending
	// version already stored", "created user appuser_clone", "TLS options not
	// copied: the server refused ALTER USER … REQUIRE".
	Detail string
	// Log is the line AWS's MySQL template logs (at INFO) when the step ends well, e.g.
	// "testSecret: Successfully signed into MySQL DB with AWSPENDING secret in ARN.";
	// failures log the error itself.
	Log string
	// Summary is Detail without the remarks on the way: what the step did.
	Summary string
}

// Function is a rotation function. Its zero value is not usable: Secrets,
// Dial and Strategy must be set. It holds no per-rotation state, so one
// Function may serve several rotations at once.
type Function struct {
	Secrets SecretsAPI
	// Dial reaches the database: directly in the sandbox (the function runs
	// "inside the VPC"), through the SSH tunnel for the local rotator.
	Dial     dbclient.DialFunc
	Strategy Strategy
	Password PasswordPolicy
	// CA verifies the database's TLS certificate (RDS's CA bundle); nil
	// leaves it unverified. Whether a login uses TLS is each secret's ssl
	// key.
	CA *dbclient.CABundle
	// RDS finds the database of an admin secret that RDS manages (and tells
	// a read replica); without it such a secret cannot be used.
	RDS RDSAPI
	// UsernameLimit is the longest user name the database accepts; zero
	// means DefaultUsernameLimit, like the template.
	UsernameLimit int
	// Observe, if set, is called synchronously at the start and end of every
	// step. It must return quickly.
	Observe func(StepEvent)
	// Pace, if set, holds each step the local rotator runs (slow motion).
	// Steps invoked through Handle are paced by whoever invokes them.
	Pace *Pace
}

// Handle runs one step, with the checks AWS's templates make first: rotation
// is not disabled, the token names a version, a version already AWSCURRENT is
// done, and otherwise the version must be AWSPENDING.
func (f *Function) Handle(ctx context.Context, ev Event) error {
	return f.handle(ctx, ev, false)
}

// handle is Handle; local says the caller is the local rotator, which has no
// service to create the pending version before createSecret.
func (f *Function) handle(ctx context.Context, ev Event, local bool) (err error) {
	if err := f.check(); err != nil {
		return err
	}
	var run func(context.Context, Event, *note) error
	switch ev.Step {
	case StepCreate:
		run = f.createSecret
	case StepSet:
		run = f.setSecret
	case StepTest:
		run = f.testSecret
	case StepFinish:
		run = f.finishSecret
	default:
		return fmt.Errorf("Invalid step parameter %s for secret %s", ev.Step, ev.SecretID)
	}

	n := &note{}
	started := time.Now()
	f.observe(StepEvent{SecretID: ev.SecretID, Token: ev.ClientRequestToken, Step: ev.Step, Started: started})
	defer func() {
		err = n.redact(err)
		f.observe(StepEvent{SecretID: ev.SecretID, Token: ev.ClientRequestToken, Step: ev.Step,
			Started: started, Done: true, Took: time.Since(started), Err: err, Detail: n.String(), Log: n.log, Summary: n.summary()})
	}()

	done, err := f.preamble(ctx, ev, local)
	if err != nil {
		return fmt.Errorf("%s: %w", ev.Step, err)
	}
	if done {
		n.add("version already AWSCURRENT: nothing to do")
		n.logs("Secret version %s already set as AWSCURRENT for secret %s.", ev.ClientRequestToken, ev.SecretID)
		return nil
	}
	if err := run(ctx, ev, n); err != nil {
		return fmt.Errorf("%s: %w", ev.Step, err)
	}
	return nil
}

// preamble makes the template's checks. done means the token is already
// AWSCURRENT, so the step has nothing to do.
func (f *Function) preamble(ctx context.Context, ev Event, local bool) (done bool, err error) {
	meta, err := f.Secrets.DescribeSecret(ctx, &sm.DescribeSecretInput{SecretId: aws.String(ev.SecretID)})
	if err != nil {
		return false, fmt.Errorf("describe secret: %w", err)
	}
	if meta.RotationEnabled != nil && !*meta.RotationEnabled {
		return false, fmt.Errorf("Secret %s is not enabled for rotation", ev.SecretID)
	}
	stages, ok := meta.VersionIdsToStages[ev.ClientRequestToken]
	if !ok {
		// The local rotator has no RotateSecret to create the pending
		// version: its createSecret is what creates it (PutSecretValue with
		// the new token). So only there, and only for createSecret, a token
		// the secret does not know yet is expected.
		if local && ev.Step == StepCreate {
			return false, nil
		}
		return false, fmt.Errorf("Secret version %s has no stage for rotation of secret %s.", ev.ClientRequestToken, ev.SecretID)
	}
	if has(stages, StageCurrent) {
		return true, nil
	}
	if !has(stages, StagePending) {
		return false, fmt.Errorf("Secret version %s not set as AWSPENDING for rotation of secret %s.", ev.ClientRequestToken, ev.SecretID)
	}
	return false, nil
}

func (f *Function) check() error {
	switch {
	case f == nil || f.Secrets == nil:
		return errors.New("rotation: Function has no Secrets client")
	case f.Dial == nil:
		return errors.New("rotation: Function has no Dial")
	case f.Strategy != AlternatingUsers && f.Strategy != SingleUser:
		return fmt.Errorf("rotation: unknown strategy %q (want %q or %q)", f.Strategy, AlternatingUsers, SingleUser)
	}
	return nil
}

func (f *Function) observe(ev StepEvent) {
	if f.Observe != nil {
		f.Observe(ev)
	}
}

func (f *Function) usernameLimit() int {
	if f.UsernameLimit > 0 {
		return f.UsernameLimit
	}
	return DefaultUsernameLimit
}

func has(stages []string, stage string) bool {
	for _, s := range stages {
		if s == stage {
			return true
		}
	}
	return false
}
