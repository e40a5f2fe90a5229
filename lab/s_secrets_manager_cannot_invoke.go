package lab

import (
	"context"
	"slices"

	"rotation-tutor/doctor"
	"rotation-tutor/sandbox/account"
)

func init() {
	register(Scenario{
		Name: "secrets-manager-cannot-invoke", Order: 40,
		What:    "no resource policy lets secretsmanager.amazonaws.com invoke the function",
		Heading: doctor.HeadingConfigureDenied, Hop: doctor.HopRotation, Check: "rotation configured",
		Break: func(_ context.Context, w *World) error {
			return w.Account(func(a *account.Account) error {
				for _, name := range Functions {
					if f := a.Functions[name]; f != nil {
						f.Policy = slices.DeleteFunc(f.Policy, func(p account.Permission) bool { return p.Principal == account.SecretsManagerPrincipal })
					}
				}
				return nil
			})
		},
		Fix: func(_ context.Context, w *World) error {
			return w.Account(func(a *account.Account) error {
				for _, name := range Functions {
					if f := a.Functions[name]; f != nil && !f.Allows(account.SecretsManagerPrincipal, "") {
						f.Policy = append(f.Policy, account.Permission{Sid: account.InvokeStatementID, Action: "lambda:InvokeFunction",
							Principal: account.SecretsManagerPrincipal})
					}
				}
				return nil
			})
		},
	})
}
