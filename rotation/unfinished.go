package rotation

import (
	"context"
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	sm "github.com/aws/aws-sdk-go-v2/service/secretsmanager"
)

// Unfinished is a rotation the secret's labels say did not end: AWSPENDING
// on another version than AWSCURRENT, the state in which Secrets Manager
// refuses a new RotateSecret.
type Unfinished struct {
	SecretID       string
	Pending        string // the version AWSPENDING is on: the rotation's token
	Current        string // the version AWSCURRENT is on
	PendingCreated time.Time
	CurrentCreated time.Time
	// HasValue says createSecret stored the pending value; a version made
	// by RotateSecret has none until then.
	HasValue bool
	// Stale says the pending version is older than the current one: a new
	// value was stored after a rotation left AWSPENDING on its version
	// (the MySQL template leaves it there, and PutSecretValue moves only
	// AWSCURRENT). Nothing failed, and finishing it would bring back an
	// older password: take the label off.
	Stale bool
}

// UnfinishedAPI is what FindUnfinished reads.
type UnfinishedAPI interface {
	ListSecretVersionIds(ctx context.Context, in *sm.ListSecretVersionIdsInput, optFns ...func(*sm.Options)) (*sm.ListSecretVersionIdsOutput, error)
	GetSecretValue(ctx context.Context, in *sm.GetSecretValueInput, optFns ...func(*sm.Options)) (*sm.GetSecretValueOutput, error)
}

// FindUnfinished looks at the secret's versions and returns the rotation
// left unfinished, or nil when AWSPENDING is on no version or on
// AWSCURRENT's (the two states a rotation may end in).
func FindUnfinished(ctx context.Context, api UnfinishedAPI, secretID string) (*Unfinished, error) {
	u := &Unfinished{SecretID: secretID}
	in := &sm.ListSecretVersionIdsInput{SecretId: aws.String(secretID), IncludeDeprecated: aws.Bool(false)}
	for {
		out, err := api.ListSecretVersionIds(ctx, in)
		if err != nil {
			return nil, fmt.Errorf("list the versions of %s: %w", secretID, err)
		}
		for _, v := range out.Versions {
			id := aws.ToString(v.VersionId)
			if has(v.VersionStages, StagePending) {
				u.Pending, u.PendingCreated = id, aws.ToTime(v.CreatedDate)
			}
			if has(v.VersionStages, StageCurrent) {
				u.Current, u.CurrentCreated = id, aws.ToTime(v.CreatedDate)
			}
		}
		if out.NextToken == nil {
			break
		}
		in.NextToken = out.NextToken
	}
	if u.Pending == "" || u.Pending == u.Current {
		return nil, nil
	}
	u.Stale = u.Current != "" && u.PendingCreated.Before(u.CurrentCreated)
	_, err := api.GetSecretValue(ctx, &sm.GetSecretValueInput{SecretId: aws.String(secretID),
		VersionId: aws.String(u.Pending), VersionStage: aws.String(StagePending)})
	switch {
	case err == nil:
		u.HasValue = true
	case !isNotFound(err):
		return nil, fmt.Errorf("read the %s version of %s: %w", StagePending, secretID, err)
	}
	return u, nil
}
