package lab

import (
	"context"

	"rotation-tutor/doctor"
	"rotation-tutor/sandbox/account"
)

func init() {
	register(Scenario{
		Name: "function-cannot-reach-db", Order: 20,
		What:    "the database's security group does not admit the function",
		Heading: doctor.HeadingNoActivityCreate, Hop: doctor.HopFunction, Check: "network",
		Break: func(_ context.Context, w *World) error {
			return w.Account(func(a *account.Account) error {
				dropRule(a, account.DatabaseGroup, account.FunctionGroup)
				return nil
			})
		},
		Fix: func(_ context.Context, w *World) error {
			return w.Account(func(a *account.Account) error {
				restoreRule(a, account.DatabaseGroup, account.FunctionGroup, account.DatabasePort, false)
				return nil
			})
		},
	})
}
