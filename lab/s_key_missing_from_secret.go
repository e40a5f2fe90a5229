package lab

import (
	"context"

	"rotation-tutor/doctor"
	"rotation-tutor/steps"
)

func init() {
	register(Scenario{
		Name: "key-missing-from-secret", Order: 50,
		What:    "the app secret lost masterarn (a new version stored without it)",
		Heading: doctor.HeadingKeyMissing, Hop: doctor.HopSecrets, Check: "app secret",
		Break: func(ctx context.Context, w *World) error {
			v, err := w.raw(ctx)
			if err != nil {
				return err
			}
			delete(v, "masterarn")
			return w.PutCurrent(ctx, v)
		},
		Fix: func(ctx context.Context, w *World) error {
			v, err := w.raw(ctx)
			if err != nil {
				return err
			}
			if v["masterarn"] != nil && v["masterarn"] != "" {
				return nil
			}
			v["masterarn"] = w.Info.Database.AdminSecretARN // the sandbox's instance; the older tutorial's is its own
			if w.SecretName != steps.DefaultSecretName {
				v["masterarn"] = w.classicMaster(ctx)
			}
			return w.PutCurrent(ctx, v)
		},
	})
}
