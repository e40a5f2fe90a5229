package lab

import (
	"context"
	"crypto/rand"
	"encoding/hex"

	"rotation-tutor/dbclient"
	"rotation-tutor/doctor"
)

func init() {
	register(Scenario{
		Name: "password-changed-outside", Order: 60,
		What:    "the current user's password was changed in MySQL, not in the secret",
		Heading: doctor.HeadingSetSecretLogin, Hop: doctor.HopDatabase, Check: "login as app user",
		Break: func(ctx context.Context, w *World) error {
			cur, err := w.Current(ctx)
			if err != nil {
				return err
			}
			db, done, err := w.Admin(ctx)
			if err != nil {
				return err
			}
			defer done()
			b := make([]byte, 12)
			_, _ = rand.Read(b) // crypto/rand.Read never fails on supported platforms
			return dbclient.SetPassword(ctx, db, cur.Username, "Changed-by-hand-"+hex.EncodeToString(b))
		},
		Fix: func(ctx context.Context, w *World) error {
			cur, err := w.Current(ctx)
			if err != nil {
				return err
			}
			db, done, err := w.Admin(ctx)
			if err != nil {
				return err
			}
			defer done()
			return dbclient.SetPassword(ctx, db, cur.Username, cur.Password)
		},
	})
}
