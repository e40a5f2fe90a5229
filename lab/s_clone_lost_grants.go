package lab

import (
	"context"
	"fmt"
	"strings"

	"rotation-tutor/dbclient"
	"rotation-tutor/doctor"
)

// idle is the user of the pair that the current secret does not name: the one the next
// rotation will log in as.
func idle(ctx context.Context, w *World) (string, error) {
	cur, err := w.Current(ctx)
	if err != nil {
		return "", err
	}
	if base, ok := strings.CutSuffix(cur.Username, "_clone"); ok {
		return base, nil
	}
	return cur.Username + "_clone", nil
}

func init() {
	register(Scenario{
		Name: "clone-lost-grants", Order: 90,
		What:    "the user the next rotation switches to lost its SELECT grant",
		Heading: doctor.HeadingSetSecretLogin, Hop: doctor.HopDatabase, Check: "clone user and grants",
		Break: func(ctx context.Context, w *World) error {
			user, err := idle(ctx, w)
			if err != nil {
				return err
			}
			db, done, err := w.Admin(ctx)
			if err != nil {
				return err
			}
			defer done()
			if ok, err := dbclient.UserExists(ctx, db, user); err != nil || !ok {
				return fmt.Errorf("%s does not exist yet: rotate once first (err: %v)", user, err)
			}
			_, err = db.ExecContext(ctx, "REVOKE SELECT ON "+dbclient.QuoteIdent(w.Info.Database.Name)+".* FROM "+dbclient.Account(user))
			return err
		},
		Fix: func(ctx context.Context, w *World) error {
			user, err := idle(ctx, w)
			if err != nil {
				return err
			}
			db, done, err := w.Admin(ctx)
			if err != nil {
				return err
			}
			defer done()
			return dbclient.GrantSelect(ctx, db, w.Info.Database.Name, user)
		},
	})
}
