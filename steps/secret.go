package steps

import (
	"context"
	"errors"
	"slices"

	"github.com/aws/aws-sdk-go-v2/aws"
	sm "github.com/aws/aws-sdk-go-v2/service/secretsmanager"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager/types"

	"rotation-tutor/rotation"
)

// readSecret reads one version of a secret, by stage or by id, and returns
// its value and version id. Its errors never quote the value.
func readSecret(ctx context.Context, env *Env, secretID, stage, versionID string) (rotation.Secret, string, error) {
	in := &sm.GetSecretValueInput{SecretId: aws.String(secretID)}
	if versionID != "" {
		in.VersionId = aws.String(versionID)
	} else {
		in.VersionStage = aws.String(stage)
	}
	out, err := env.Secrets.GetSecretValue(ctx, in)
	if err != nil {
		return rotation.Secret{}, "", err
	}
	sec, err := rotation.ReadSecret(aws.ToString(out.SecretString))
	return sec, aws.ToString(out.VersionId), err
}

// describeApp describes the app secret; nil (and no error) when it does not
// exist.
func describeApp(ctx context.Context, env *Env) (*sm.DescribeSecretOutput, error) {
	return describeSecret(ctx, env, env.SecretName)
}

// describeSecret describes a secret; nil (and no error) when it does not exist.
func describeSecret(ctx context.Context, env *Env, id string) (*sm.DescribeSecretOutput, error) {
	d, err := env.Secrets.DescribeSecret(ctx, &sm.DescribeSecretInput{SecretId: aws.String(id)})
	var nf *types.ResourceNotFoundException
	if errors.As(err, &nf) {
		return nil, nil
	}
	if err != nil {
		return nil, fail("describe "+id, err)
	}
	return d, nil
}

// versionWith returns the version of d that carries stage, or "".
func versionWith(d *sm.DescribeSecretOutput, stage string) string {
	if d == nil {
		return ""
	}
	for id, st := range d.VersionIdsToStages {
		if slices.Contains(st, stage) {
			return id
		}
	}
	return ""
}

// appVersions reads the app secret's labelled versions that hold a value:
// AWSCURRENT, then AWSPREVIOUS. A missing label is left out.
func appVersions(ctx context.Context, env *Env) (map[string]rotation.Secret, error) {
	out := map[string]rotation.Secret{}
	for _, stage := range []string{rotation.StageCurrent, rotation.StagePrevious} {
		sec, _, err := readSecret(ctx, env, env.SecretName, stage, "")
		var nf *types.ResourceNotFoundException
		switch {
		case errors.As(err, &nf):
			continue
		case err != nil:
			return nil, fail("read the "+stage+" version of "+env.SecretName, err)
		}
		out[stage] = sec
	}
	return out, nil
}
