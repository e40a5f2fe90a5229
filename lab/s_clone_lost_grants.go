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
		What:    "the user the next rotation switches to lost its grants",
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
			grants, err := dbclient.ShowGrants(ctx, db, user)
			if err != nil {
				return err
			}
			for _, g := range grants {
				// GRANT x ON y TO u [WITH GRANT OPTION] → REVOKE x ON y FROM u; the USAGE line stays.
				on, _, ok := strings.Cut(strings.TrimPrefix(g, "GRANT "), " TO ")
				if !ok || strings.HasPrefix(on, "USAGE ") {
					continue
				}
				if _, err := db.ExecContext(ctx, "REVOKE "+on+" FROM "+dbclient.Account(user)); err != nil {
					return err
				}
			}
			return nil
		},
		Fix: func(ctx context.Context, w *World) error {
			user, err := idle(ctx, w)
			if err != nil {
				return err
			}
			cur, err := w.Current(ctx)
			if err != nil {
				return err
			}
			db, done, err := w.Admin(ctx)
			if err != nil {
				return err
			}
			defer done()
			// The grants of the current user, copied again, as setSecret copies them.
			_, err = dbclient.CloneUser(ctx, db, cur.Username, user, "")
			return err
		},
	})
}
