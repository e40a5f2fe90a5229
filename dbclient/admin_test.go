package dbclient_test

import (
	"context"
	"slices"
	"strings"
	"testing"

	"rotation-tutor/dbclient"
)

// hardPasswords must survive CREATE USER, ALTER USER and login unchanged.
var hardPasswords = []string{
	`'`, `"`, `\`, `%`, `_`, `\%`, `''`, `\'`, `' OR '1'='1`, "p@ss'w\\rd\"x%",
	"päss wörd ✓ 密码 🔑", "new\nline\rcr\tab", "ctrl\x1aZ", "nul\x00byte", "`tick`", "--", "/*x*/", ";",
}

func TestPasswordsRoundTrip(t *testing.T) {
	ctx := context.Background()
	servers(t, func(t *testing.T, s server) {
		admin := s.admin(t)
		for i, pw := range hardPasswords {
			user := "rt_user"
			if err := dbclient.DropUser(ctx, admin, user); err != nil {
				t.Fatal(err)
			}
			if err := dbclient.CreateUser(ctx, admin, user, pw); err != nil {
				t.Fatalf("#%d create %q: %v", i, pw, err)
			}
			if err := dbclient.Login(ctx, s.dial, s.target(user, pw)); err != nil {
				t.Errorf("#%d login after CREATE with %q: %v", i, pw, err)
			}
			next := pw + "2" + pw
			if err := dbclient.SetPassword(ctx, admin, user, next); err != nil {
				t.Fatalf("#%d alter %q: %v", i, next, err)
			}
			if err := dbclient.Login(ctx, s.dial, s.target(user, next)); err != nil {
				t.Errorf("#%d login after ALTER with %q: %v", i, next, err)
			}
			if err := dbclient.Login(ctx, s.dial, s.target(user, pw)); err == nil {
				t.Errorf("#%d old password %q still logs in", i, pw)
			}
		}
	})
}

func TestUserAdministration(t *testing.T) {
	ctx := context.Background()
	servers(t, func(t *testing.T, s server) {
		admin := s.admin(t)
		if ok, err := dbclient.UserExists(ctx, admin, "appuser"); err != nil || ok {
			t.Fatalf("UserExists before create = %v, %v", ok, err)
		}
		if err := dbclient.CreateUser(ctx, admin, "appuser", "pw-1"); err != nil {
			t.Fatal(err)
		}
		if err := dbclient.CreateUser(ctx, admin, "appuser", "pw-1"); err == nil {
			t.Error("CreateUser of an existing user succeeded")
		}
		if err := dbclient.GrantSelect(ctx, admin, "tutorial", "appuser"); err != nil {
			t.Fatal(err)
		}
		if ok, err := dbclient.UserExists(ctx, admin, "appuser"); err != nil || !ok {
			t.Fatalf("UserExists after create = %v, %v", ok, err)
		}
		grants, err := dbclient.ShowGrants(ctx, admin, "appuser")
		if err != nil || !slices.ContainsFunc(grants, func(g string) bool { return strings.Contains(g, "SELECT ON `tutorial`.*") }) {
			t.Fatalf("ShowGrants = %q, %v", grants, err)
		}
		app, err := dbclient.Open(ctx, s.dial, s.target("appuser", "pw-1"))
		if err != nil {
			t.Fatal(err)
		}
		defer app.Close()
		if u, err := dbclient.CurrentUser(ctx, app); err != nil || u != "appuser@%" {
			t.Errorf("CurrentUser = %q, %v", u, err)
		}
		if v, err := dbclient.ServerVersion(ctx, app); err != nil || v == "" {
			t.Errorf("ServerVersion = %q, %v", v, err)
		}
		if err := dbclient.DropUser(ctx, admin, "appuser"); err != nil {
			t.Fatal(err)
		}
		if err := dbclient.DropUser(ctx, admin, "appuser"); err != nil {
			t.Errorf("DropUser of a missing user: %v", err)
		}
	})
}

func TestCloneUser(t *testing.T) {
	ctx := context.Background()
	servers(t, func(t *testing.T, s server) {
		admin := s.admin(t)
		must := func(err error) {
			t.Helper()
			if err != nil {
				t.Fatal(err)
			}
		}
		must(dbclient.CreateUser(ctx, admin, "appuser", "orig-pw"))
		must(dbclient.GrantSelect(ctx, admin, "tutorial", "appuser"))
		_, err := admin.ExecContext(ctx, "GRANT INSERT, UPDATE ON `tutorial`.`items` TO 'appuser'@'%' WITH GRANT OPTION")
		must(err)

		created, err := dbclient.CloneUser(ctx, admin, "appuser", "appuser_clone", "clone-pw")
		if err != nil || !created {
			t.Fatalf("CloneUser = %v, %v", created, err)
		}
		want := normalise(t, ctx, admin, "appuser", "appuser")
		got := normalise(t, ctx, admin, "appuser_clone", "appuser")
		if !slices.Equal(want, got) {
			t.Errorf("clone's grants differ:\n got %q\nwant %q", got, want)
		}
		// The clone has its own password, never the original's hash.
		if err := dbclient.Login(ctx, s.dial, s.target("appuser_clone", "clone-pw")); err != nil {
			t.Errorf("clone login with its own password: %v", err)
		}
		if err := dbclient.Login(ctx, s.dial, s.target("appuser_clone", "orig-pw")); err == nil {
			t.Error("clone logs in with the original's password")
		}
		// Again: the user exists, its password stays, grants are replayed.
		created, err = dbclient.CloneUser(ctx, admin, "appuser", "appuser_clone", "other-pw")
		if err != nil || created {
			t.Fatalf("second CloneUser = %v, %v", created, err)
		}
		if err := dbclient.Login(ctx, s.dial, s.target("appuser_clone", "clone-pw")); err != nil {
			t.Errorf("second CloneUser changed the password: %v", err)
		}
	})
}

// normalise is user's SHOW GRANTS with the grantee renamed to as, sorted.
func normalise(t *testing.T, ctx context.Context, q dbclient.Queryer, user, as string) []string {
	t.Helper()
	g, err := dbclient.ShowGrants(ctx, q, user)
	if err != nil {
		t.Fatal(err)
	}
	for i := range g {
		g[i] = strings.ReplaceAll(g[i], "`"+user+"`@", "`"+as+"`@")
		if j := strings.Index(g[i], " IDENTIFIED BY PASSWORD"); j >= 0 {
			g[i] = g[i][:j]
		}
	}
	slices.Sort(g)
	return g
}

func TestSetOwnPassword(t *testing.T) {
	ctx := context.Background()
	servers(t, func(t *testing.T, s server) {
		admin := s.admin(t)
		if err := dbclient.CreateUser(ctx, admin, "single", "before"); err != nil {
			t.Fatal(err)
		}
		if err := dbclient.GrantSelect(ctx, admin, "tutorial", "single"); err != nil {
			t.Fatal(err)
		}
		db, err := dbclient.Open(ctx, s.dial, s.target("single", "before"))
		if err != nil {
			t.Fatal(err)
		}
		defer db.Close()
		for _, pw := range []string{"after'\\%✓", "again"} {
			if err := dbclient.SetOwnPassword(ctx, db, pw); err != nil {
				t.Fatalf("SetOwnPassword: %v", err)
			}
			if err := dbclient.Login(ctx, s.dial, s.target("single", pw)); err != nil {
				t.Errorf("login with the new password: %v", err)
			}
		}
	})
}
