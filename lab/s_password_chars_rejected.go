package lab

import (
	"context"

	"rotation-tutor/doctor"
	"rotation-tutor/sandbox/account"
)

// rejected are the characters the broken database refuses: the ones AWS's template leaves out
// of passwords by default, because they break connection strings.
const rejected = account.DefaultExcludeCharacters

func init() {
	register(Scenario{
		Name: "password-chars-rejected", Order: 70, GMSOnly: true,
		What:    "generated passwords may hold characters the database refuses (EXCLUDE_CHARACTERS emptied)",
		Heading: doctor.HeadingInternalFailure, Hop: doctor.HopFunction, Check: "environment",
		Break: func(_ context.Context, w *World) error {
			return w.Account(func(a *account.Account) error {
				a.Database.RejectedPasswordCharacters = rejected
				for _, name := range Functions {
					if f := a.Functions[name]; f != nil {
						f.Environment["EXCLUDE_CHARACTERS"] = ""
					}
				}
				return nil
			})
		},
		Fix: func(_ context.Context, w *World) error {
			return w.Account(func(a *account.Account) error {
				a.Database.RejectedPasswordCharacters = ""
				for _, name := range Functions {
					if f := a.Functions[name]; f != nil {
						f.Environment["EXCLUDE_CHARACTERS"] = account.DefaultExcludeCharacters
					}
				}
				return nil
			})
		},
	})
}
