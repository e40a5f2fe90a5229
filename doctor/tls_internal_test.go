package doctor

import (
	"strings"
	"testing"

	"rotation-tutor/awsclient"
	"rotation-tutor/dbclient"
)

func TestParameterGroupFamily(t *testing.T) {
	for _, tc := range []struct{ engine, version, want string }{
		{"mysql", "8.0.40", "mysql8.0"}, {"mysql", "9.7.0", "mysql9.7"}, {"mariadb", "11.8.2", "mariadb11.8"}, {"mysql", "8", "mysql8"},
	} {
		if got := parameterGroupFamily(tc.engine, tc.version); got != tc.want {
			t.Errorf("%s %s: %s, want %s", tc.engine, tc.version, got, tc.want)
		}
	}
}

// Both ways out, quoted so that each aws command can be pasted: with the bundle the check
// used or RDS's to download; with the parameter group's commands (a default group's five) or,
// when RDS could not say which group, in words.
func TestFixTLSRequiredGivesBothWays(t *testing.T) {
	custom := awsclient.AllowPlainDBConnections("eu-west-1", "db1", "db1-params", "mysql9.7")
	fix := fixTLSRequired("AppSecret", "/state/database-ca.pem", custom)
	if !strings.Contains(fix, `AppSecret says "ssl": false`) || !strings.Contains(fix, "--ssl-ca /state/database-ca.pem") ||
		!strings.Contains(fix, "`"+custom[0]+"`") {
		t.Errorf("custom group, a bundle: %s", fix)
	}
	byDefault := awsclient.AllowPlainDBConnections("eu-west-1", "db1", "default.mysql9.7", "mysql9.7")
	fix = fixTLSRequired("AppSecret", "", byDefault)
	if !strings.Contains(fix, dbclient.RDSBundleURL) || strings.Count(fix, "`aws rds ") != len(byDefault) {
		t.Errorf("default group, no bundle: %s", fix)
	}
	if fix := fixTLSRequired("AppSecret", "", nil); !strings.HasSuffix(fix, dbclient.FixTLSRequiredServer) {
		t.Errorf("group unknown: %s", fix)
	}
}
