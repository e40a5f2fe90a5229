package dbclient_test

import (
	"testing"

	"rotation-tutor/dbclient"
)

func TestRewriteGrant(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		// go-mysql-server and MySQL 8
		{"GRANT USAGE ON *.* TO `appuser`@`%`", "GRANT USAGE ON *.* TO 'appuser_clone'@'%'"},
		{"GRANT SELECT ON `tutorial`.* TO `appuser`@`%`", "GRANT SELECT ON `tutorial`.* TO 'appuser_clone'@'%'"},
		{"GRANT SELECT, INSERT ON `tutorial`.`items` TO `appuser`@`%` WITH GRANT OPTION",
			"GRANT SELECT, INSERT ON `tutorial`.`items` TO 'appuser_clone'@'%' WITH GRANT OPTION"},
		// MariaDB: the password hash must not be copied
		{"GRANT USAGE ON *.* TO `appuser`@`%` IDENTIFIED BY PASSWORD '*6BB4837EB74329105EE4568DDA7DC67ED2CA2AD9'",
			"GRANT USAGE ON *.* TO 'appuser_clone'@'%'"},
		{"GRANT ALL PRIVILEGES ON *.* TO `appuser`@`%` IDENTIFIED BY PASSWORD '*6BB4' WITH GRANT OPTION",
			"GRANT ALL PRIVILEGES ON *.* TO 'appuser_clone'@'%' WITH GRANT OPTION"},
		{"GRANT USAGE ON *.* TO `appuser`@`%` IDENTIFIED VIA mysql_native_password USING '*6BB4' OR unix_socket",
			"GRANT USAGE ON *.* TO 'appuser_clone'@'%'"},
		{"GRANT USAGE ON *.* TO `appuser`@`%` REQUIRE SSL", "GRANT USAGE ON *.* TO 'appuser_clone'@'%' REQUIRE SSL"},
		// older quoting, a name holding " TO ", column privileges, roles
		{"GRANT SELECT ON tutorial.* TO 'appuser'@'%'", "GRANT SELECT ON tutorial.* TO 'appuser_clone'@'%'"},
		{"GRANT SELECT ON `we TO ird`.* TO `appuser`@`%`", "GRANT SELECT ON `we TO ird`.* TO 'appuser_clone'@'%'"},
		{"GRANT SELECT (`id`, `name`) ON `tutorial`.`items` TO `appuser`@`%`",
			"GRANT SELECT (`id`, `name`) ON `tutorial`.`items` TO 'appuser_clone'@'%'"},
		{"GRANT `reader`@`%` TO `appuser`@`%`", "GRANT `reader`@`%` TO 'appuser_clone'@'%'"},
		{"grant select on `tutorial`.* to `appuser`@`%`", "grant select on `tutorial`.* TO 'appuser_clone'@'%'"},
	} {
		got, err := dbclient.RewriteGrant(tc.in, "appuser", "appuser_clone")
		if err != nil || got != tc.want {
			t.Errorf("RewriteGrant(%q)\n got %q, %v\nwant %q", tc.in, got, err, tc.want)
		}
	}
	for _, bad := range []string{
		"REVOKE SELECT ON *.* FROM `appuser`@`%`",
		"GRANT SELECT ON *.* TO `someoneelse`@`%`",
		"GRANT SELECT ON *.*",
		"",
	} {
		if got, err := dbclient.RewriteGrant(bad, "appuser", "appuser_clone"); err == nil {
			t.Errorf("RewriteGrant(%q) = %q, want an error", bad, got)
		}
	}
	// A user name that needs quoting.
	got, err := dbclient.RewriteGrant("GRANT SELECT ON *.* TO `o'b``x`@`%`", "o'b`x", "c'l\\o")
	if want := `GRANT SELECT ON *.* TO 'c\'l\\o'@'%'`; err != nil || got != want {
		t.Errorf("quoted names: %q, %v; want %q", got, err, want)
	}
}
