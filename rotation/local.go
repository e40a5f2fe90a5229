package rotation

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	sm "github.com/aws/aws-sdk-go-v2/service/secretsmanager"
)

// InProgressError says a rotation was left unfinished: AWSPENDING sits on a
// version other than AWSCURRENT's. Secrets Manager refuses a new RotateSecret
// then ("A previous rotation isn't complete…"); the local rotator does too.
type InProgressError struct {
	SecretID       string
	PendingVersion string
}

func (e *InProgressError) Error() string {
	return fmt.Sprintf("a previous rotation isn't complete: AWSPENDING is on version %s of %s, not on AWSCURRENT. "+
		"Finish it (resume runs the four steps again with that version's token), or drop it with: "+
		"aws secretsmanager update-secret-version-stage --secret-id %s --version-stage AWSPENDING --remove-from-version-id %s",
		e.PendingVersion, e.SecretID, e.SecretID, e.PendingVersion)
}

// ErrNothingToResume is returned by ResumeLocally when no rotation is
// unfinished.
var ErrNothingToResume = errors.New("no unfinished rotation: AWSPENDING is not on a version of its own")

// RotateLocally does what Secrets Manager and its Lambda do together, from
// this process: it makes a new token and runs the four steps with it. Use it
// against real AWS when no rotation Lambda can reach the database (the steps
// then reach it through the caller's Dial, e.g. the SSH tunnel).
func (f *Function) RotateLocally(ctx context.Context, secretID string) error {
	_, err := f.RotateLocallyVersion(ctx, secretID)
	return err
}

// RotateLocallyVersion is RotateLocally, returning the new version's id (the
// token) whether or not the steps succeeded, so a failed rotation can be
// named.
func (f *Function) RotateLocallyVersion(ctx context.Context, secretID string) (string, error) {
	if err := f.check(); err != nil {
		return "", err
	}
	current, pending, err := f.stages(ctx, secretID)
	if err != nil {
		return "", err
	}
	if pending != "" && pending != current {
		return "", &InProgressError{SecretID: secretID, PendingVersion: pending}
	}
	token, err := newToken()
	if err != nil {
		return "", err
	}
	return token, f.runSteps(ctx, secretID, token)
}

// ResumeLocally finishes a rotation left unfinished (by a crash, a failed
// step, or a Lambda that could not reach the database): it runs the four
// steps again with the pending version's token, as the service's retry does.
func (f *Function) ResumeLocally(ctx context.Context, secretID string) (string, error) {
	if err := f.check(); err != nil {
		return "", err
	}
	current, pending, err := f.stages(ctx, secretID)
	if err != nil {
		return "", err
	}
	if pending == "" || pending == current {
		return "", ErrNothingToResume
	}
	return pending, f.runSteps(ctx, secretID, pending)
}

func (f *Function) runSteps(ctx context.Context, secretID, token string) error {
	for _, step := range Steps {
		ev := Event{Step: step, SecretID: secretID, ClientRequestToken: token}
		// The local rotator is its own Secrets Manager: it paces the steps
		// it invokes, as the sandbox's Lambda service does.
		if err := f.Pace.Wait(ctx, ev); err != nil {
			return fmt.Errorf("%s: %w", step, err)
		}
		if err := f.handle(ctx, ev, true); err != nil {
			return err
		}
	}
	return nil
}

// stages returns the versions holding AWSCURRENT and AWSPENDING.
func (f *Function) stages(ctx context.Context, secretID string) (current, pending string, err error) {
	meta, err := f.Secrets.DescribeSecret(ctx, &sm.DescribeSecretInput{SecretId: aws.String(secretID)})
	if err != nil {
		return "", "", fmt.Errorf("describe secret: %w", err)
	}
	return versionWith(meta.VersionIdsToStages, StageCurrent), versionWith(meta.VersionIdsToStages, StagePending), nil
}

// newToken makes a random (version 4) UUID, the form the SDKs and the CLI use
// for ClientRequestToken (32 to 64 characters).
func newToken() (string, error) {
	var b [16]byte
	if _, err := rand.Read(b[:]); err != nil {
		return "", fmt.Errorf("random token: %w", err)
	}
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:16]), nil
}
