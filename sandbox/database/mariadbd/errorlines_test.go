package mariadbd

import "testing"

func TestErrorLinesPicksTheServersErrors(t *testing.T) {
	out := `Installing MariaDB/MySQL system tables in '/tmp/x/data' ...
2026-11-25  8:51:47 0 [ERROR] /usr/sbin/mariadbd: unknown variable 'innodb-nonsense=1'
2026-11-25  8:51:47 0 [ERROR] Aborting

Installation of system tables failed!  Examine the logs in
/tmp/x/data for more information.

You can find the latest source at https://downloads.mariadb.org and
the MariaDB discuss email list at https://lists.mariadb.org/
`
	want := "2026-11-25  8:51:47 0 [ERROR] /usr/sbin/mariadbd: unknown variable 'innodb-nonsense=1' | 2026-11-25  8:51:47 0 [ERROR] Aborting"
	if got := errorLines(out); got != want {
		t.Errorf("errorLines = %q, want %q", got, want)
	}
	// Without a marked line, the first paragraph, not the closing advice.
	if got := errorLines("Installing in '/tmp/x' ...\nKilled\n\nYou can find the latest source"); got != "Installing in '/tmp/x' ... | Killed" {
		t.Errorf("errorLines = %q", got)
	}
}
