package lab

import (
	"context"
	"encoding/json"

	"github.com/aws/aws-sdk-go-v2/aws"
	sm "github.com/aws/aws-sdk-go-v2/service/secretsmanager"

	"rotation-tutor/doctor"
	"rotation-tutor/rotation"
)

func init() {
	register(Scenario{
		Name: "previous-rotation-stuck", Order: 80,
		What:    "AWSPENDING left on another version than AWSCURRENT, as a rotation cut short leaves it",
		Heading: doctor.HeadingNotRotating, Hop: doctor.HopRotation, Check: "last rotation",
		Break: func(ctx context.Context, w *World) error {
			v, err := w.raw(ctx)
			if err != nil {
				return err
			}
			b, _ := json.Marshal(v) // read as JSON just now
			_, err = w.Secrets.PutSecretValue(ctx, &sm.PutSecretValueInput{SecretId: aws.String(w.SecretName),
				SecretString: aws.String(string(b)), VersionStages: []string{rotation.StagePending}})
			return err
		},
		Fix: func(ctx context.Context, w *World) error {
			u, err := rotation.FindUnfinished(ctx, w.Secrets, w.SecretName)
			if err != nil || u == nil {
				return err
			}
			_, err = w.Secrets.UpdateSecretVersionStage(ctx, &sm.UpdateSecretVersionStageInput{SecretId: aws.String(w.SecretName),
				VersionStage: aws.String(rotation.StagePending), RemoveFromVersionId: aws.String(u.Pending)})
			return err
		},
	})
}
