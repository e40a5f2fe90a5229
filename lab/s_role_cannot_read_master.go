package lab

import (
	"context"

	"rotation-tutor/doctor"
	"rotation-tutor/sandbox"
	"rotation-tutor/sandbox/account"
	"rotation-tutor/sandbox/lambda"
)

func init() {
	register(Scenario{
		Name: "role-cannot-read-master", Order: 30,
		What:    "the function's role lacks GetSecretValue on the admin secret",
		Heading: doctor.HeadingFirstRotation, Hop: doctor.HopFunction, Check: "permissions",
		Break: func(_ context.Context, w *World) error {
			return w.Account(func(a *account.Account) error {
				delete(a.Roles[lambda.RoleName], account.MasterSecretPolicy)
				return nil
			})
		},
		Fix: func(_ context.Context, w *World) error {
			return w.Account(func(a *account.Account) error {
				if a.Roles[lambda.RoleName] == nil {
					a.Roles[lambda.RoleName] = map[string]string{}
				}
				a.Roles[lambda.RoleName][account.MasterSecretPolicy] = sandbox.DefaultAccount(w.Info.Region, w.Info.SecretsManagerEndpoint,
					w.Info.Database.AdminSecretARN).Roles[lambda.RoleName][account.MasterSecretPolicy]
				return nil
			})
		},
	})
}
