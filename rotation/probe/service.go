package probe

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	sm "github.com/aws/aws-sdk-go-v2/service/secretsmanager"

	"rotation-tutor/rotation"
)

// RotateAPI is what ServiceRotation needs; *secretsmanager.Client has it.
type RotateAPI interface {
	RotateSecret(ctx context.Context, in *sm.RotateSecretInput, optFns ...func(*sm.Options)) (*sm.RotateSecretOutput, error)
	DescribeSecret(ctx context.Context, in *sm.DescribeSecretInput, optFns ...func(*sm.Options)) (*sm.DescribeSecretOutput, error)
}

// pollEvery is how often ServiceRotation looks at a rotation it has no
// other way to wait for (real AWS).
const pollEvery = 500 * time.Millisecond

// ServiceRotation rotates through Secrets Manager: RotateSecret with
// functionARN, then waits until the rotation ends. wait, if set, returns when
// the service has no rotation running (the sandbox's WaitRotations);
// otherwise DescribeSecret is polled. It fails unless the new version became
// AWSCURRENT.
func ServiceRotation(api RotateAPI, secretID, functionARN string, wait func(context.Context) error) RotateFunc {
	return func(ctx context.Context) (string, error) {
		out, err := api.RotateSecret(ctx, &sm.RotateSecretInput{
			SecretId: aws.String(secretID), RotationLambdaARN: aws.String(functionARN), RotateImmediately: aws.Bool(true),
		})
		if err != nil {
			return "", fmt.Errorf("RotateSecret: %w", err)
		}
		token := aws.ToString(out.VersionId)
		if wait != nil {
			if err := wait(ctx); err != nil {
				return token, err
			}
		}
		for {
			meta, err := api.DescribeSecret(ctx, &sm.DescribeSecretInput{SecretId: aws.String(secretID)})
			if err != nil {
				return token, fmt.Errorf("DescribeSecret: %w", err)
			}
			stages := meta.VersionIdsToStages[token]
			switch {
			case slices.Contains(stages, rotation.StageCurrent):
				return token, nil
			case wait != nil || !slices.Contains(stages, rotation.StagePending):
				return token, fmt.Errorf("rotation %s of %s did not finish (version stages %v)", token, secretID, stages)
			}
			t := time.NewTimer(pollEvery)
			select {
			case <-ctx.Done():
				t.Stop()
				return token, ctx.Err()
			case <-t.C:
			}
		}
	}
}
