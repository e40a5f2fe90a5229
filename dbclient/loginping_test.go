package dbclient_test

import (
	"context"
	"errors"
	"testing"

	"rotation-tutor/dbclient"
)

// LoginPing, the simulated clients' login, says what Login says about credentials: the
// right password, and its database, log in; a wrong or an old password, or a database
// that is not there, are refused with the same explained error.
func TestLoginPingTellsWhatLoginTells(t *testing.T) {
	ctx := context.Background()
	servers(t, func(t *testing.T, s server) {
		admin := s.admin(t)
		if err := dbclient.DropUser(ctx, admin, "pinger"); err != nil {
			t.Fatal(err)
		}
		if err := dbclient.CreateUser(ctx, admin, "pinger", "first-pw"); err != nil {
			t.Fatal(err)
		}
		if err := dbclient.GrantSelect(ctx, admin, "tutorial", "pinger"); err != nil {
			t.Fatal(err)
		}
		if err := dbclient.SetPassword(ctx, admin, "pinger", "second-pw"); err != nil {
			t.Fatal(err)
		}
		inDB := func(db, pw string) dbclient.Target {
			tg := s.target("pinger", pw)
			tg.Database = db
			return tg
		}
		for _, c := range []struct {
			name  string
			t     dbclient.Target
			admit bool
		}{
			{"the password now", inDB("", "second-pw"), true},
			{"its database", inDB("tutorial", "second-pw"), true},
			{"the old password", inDB("tutorial", "first-pw"), false},
			{"a wrong password", inDB("", "nope"), false},
			{"a database that is not there", inDB("no_such_db", "second-pw"), false},
		} {
			got, want := dbclient.LoginPing(ctx, s.dial, c.t), dbclient.Login(ctx, s.dial, c.t)
			if (got == nil) != c.admit || (want == nil) != c.admit {
				t.Errorf("%s: LoginPing %v, Login %v; want admitted %v", c.name, got, want, c.admit)
				continue
			}
			var ge, we *dbclient.Error
			if !c.admit && (!errors.As(got, &ge) || !errors.As(want, &we) || ge.Hop != we.Hop || ge.What != we.What) {
				t.Errorf("%s: LoginPing says %v, Login %v", c.name, got, want)
			}
		}
	})
}
