package lab

import (
	"context"

	"rotation-tutor/doctor"
	"rotation-tutor/sandbox/account"
)

// The database's engine moved to a version whose parameter group requires TLS (RDS for MySQL
// 9.7, RDS for MariaDB 11.8), while the app secret still says "ssl": false, as it was
// written for the older one.
func init() {
	register(Scenario{
		Name: "database-requires-tls", Order: 65, GMSOnly: true, // a mariadbd takes the parameter at start only
		What:    "the database requires TLS (require_secure_transport ON) and the app secret says \"ssl\": false",
		Heading: doctor.HeadingTLS, Hop: doctor.HopDatabase, Check: "login as app user",
		Break: func(ctx context.Context, w *World) error {
			if err := requireSecureTransport(w, true); err != nil {
				return err
			}
			v, err := w.raw(ctx)
			if err != nil {
				return err
			}
			v["ssl"] = false
			return w.PutCurrent(ctx, v)
		},
		Fix: func(ctx context.Context, w *World) error {
			if err := requireSecureTransport(w, false); err != nil {
				return err
			}
			v, err := w.raw(ctx)
			if err != nil || v["ssl"] != false {
				return err
			}
			delete(v, "ssl")
			return w.PutCurrent(ctx, v)
		},
	})
}

// requireSecureTransport sets the parameter in the instances' parameter group.
func requireSecureTransport(w *World, on bool) error {
	return w.Account(func(a *account.Account) error {
		a.Database.RequireSecureTransport = on
		return nil
	})
}
