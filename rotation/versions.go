package rotation

import (
	"context"
	"errors"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	sm "github.com/aws/aws-sdk-go-v2/service/secretsmanager"
	"github.com/aws/smithy-go"
)

// getValue reads one version of a secret: by stage alone, or by stage and
// version id together (the service then checks that they match).
func (f *Function) getValue(ctx context.Context, secretID, stage, versionID string) (*sm.GetSecretValueOutput, error) {
	in := &sm.GetSecretValueInput{SecretId: aws.String(secretID), VersionStage: aws.String(stage)}
	if versionID != "" {
		in.VersionId = aws.String(versionID)
	}
	out, err := f.Secrets.GetSecretValue(ctx, in)
	if err != nil {
		return nil, err
	}
	if out.SecretString == nil {
		return nil, fmt.Errorf("secret %s %s has no SecretString (binary secrets cannot hold database credentials)", secretID, stage)
	}
	return out, nil
}

// getSecret reads and checks an app secret's version.
func (f *Function) getSecret(ctx context.Context, secretID, stage, versionID string) (Secret, error) {
	out, err := f.getValue(ctx, secretID, stage, versionID)
	if err != nil {
		return Secret{}, fmt.Errorf("read %s: %w", stage, err)
	}
	s, err := ParseSecret(*out.SecretString)
	if err != nil {
		return Secret{}, fmt.Errorf("read %s: %w", stage, err)
	}
	return s, nil
}

// isNotFound says whether the service answered ResourceNotFoundException:
// for a pending version, that it has no value yet.
func isNotFound(err error) bool {
	var api smithy.APIError
	return errors.As(err, &api) && api.ErrorCode() == "ResourceNotFoundException"
}

// versionWith returns the version that carries stage, or "".
func versionWith(stages map[string][]string, stage string) string {
	for id, ss := range stages {
		if has(ss, stage) {
			return id
		}
	}
	return ""
}
