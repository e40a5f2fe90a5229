package rotation

import (
	"context"
	"fmt"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	sm "github.com/aws/aws-sdk-go-v2/service/secretsmanager"
)

// cloneSuffix is what the alternating strategy adds to, or removes from, the
// user name at every rotation.
const cloneSuffix = "_clone"

// createSecret stores the new value under AWSPENDING for the token, unless a
// value is already stored there (a retry, or a crash after PutSecretValue).
func (f *Function) createSecret(ctx context.Context, ev Event, n *note) error {
	cur, err := f.getSecret(ctx, ev.SecretID, StageCurrent, "")
	if err != nil {
		return err
	}
	_, err = f.getValue(ctx, ev.SecretID, StagePending, ev.ClientRequestToken)
	if err == nil {
		n.add("pending version already stored")
		n.logs("createSecret: Successfully retrieved secret for %s.", ev.SecretID)
		return nil
	}
	if !isNotFound(err) {
		return fmt.Errorf("read %s: %w", StagePending, err)
	}

	user := cur.Username
	if f.Strategy == AlternatingUsers {
		if user, err = AlternateUsername(cur.Username, f.usernameLimit()); err != nil {
			return err
		}
	}
	password, err := f.newPassword(ctx)
	if err != nil {
		return fmt.Errorf("generate password: %w", err)
	}
	value, err := cur.withCredentials(user, password).JSON()
	if err != nil {
		return err
	}
	_, err = f.Secrets.PutSecretValue(ctx, &sm.PutSecretValueInput{
		SecretId:           aws.String(ev.SecretID),
		ClientRequestToken: aws.String(ev.ClientRequestToken),
		SecretString:       aws.String(value),
		VersionStages:      []string{StagePending},
	})
	if err != nil {
		return fmt.Errorf("store %s: %w", StagePending, err)
	}
	n.add(fmt.Sprintf("stored %s for user %s", StagePending, user))
	n.logs("createSecret: Successfully put secret for ARN %s and version %s.", ev.SecretID, ev.ClientRequestToken)
	return nil
}

// AlternateUsername returns the other user of the pair: NAME_clone for NAME,
// NAME for NAME_clone. Like the template it refuses, rather than truncates, a
// clone name longer than limit (MySQL before 5.7 allows 16 characters).
func AlternateUsername(name string, limit int) (string, error) {
	if base, ok := strings.CutSuffix(name, cloneSuffix); ok {
		return base, nil
	}
	alt := name + cloneSuffix
	if limit > 0 && len(alt) > limit {
		return "", fmt.Errorf("Unable to clone user, username length with _clone appended would exceed %d characters", limit)
	}
	return alt, nil
}
