package lab

import (
	"context"
	"encoding/json"

	"github.com/aws/aws-sdk-go-v2/aws"
	sm "github.com/aws/aws-sdk-go-v2/service/secretsmanager"

	"rotation-tutor/doctor"
	"rotation-tutor/sandbox/lambda"
)

func init() {
	register(Scenario{
		Name: "secret-policy-locks-function-out", Order: 95,
		What:    "a policy on the admin secret denies the rotation functions' role",
		Heading: doctor.HeadingFirstRotation, Hop: doctor.HopFunction, Check: "permissions",
		Break: func(ctx context.Context, w *World) error {
			doc, _ := json.Marshal(map[string]any{"Version": "2012-10-17", "Statement": []any{map[string]any{
				"Sid": "OnlyPeopleReadTheAdminSecret", "Effect": "Deny", "Principal": map[string]any{"AWS": lambda.RoleARN()},
				"Action": "secretsmanager:GetSecretValue", "Resource": "*"}}})
			_, err := w.Secrets.PutResourcePolicy(ctx, &sm.PutResourcePolicyInput{SecretId: aws.String(w.MasterARN(ctx)),
				ResourcePolicy: aws.String(string(doc))})
			return err
		},
		Fix: func(ctx context.Context, w *World) error {
			_, err := w.Secrets.DeleteResourcePolicy(ctx, &sm.DeleteResourcePolicyInput{SecretId: aws.String(w.MasterARN(ctx))})
			return err
		},
	})
}
