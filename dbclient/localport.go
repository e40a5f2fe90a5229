package dbclient

import "rotation-tutor/internal/shell"

// LocalPort is where an ssh -L tunnel to the database listens on the
// learner's machine, in every command this project prints. Not 3306: a local
// MySQL usually holds that one.
const LocalPort = 13306

// MySQLClient is the mysql client, in the commands this project prints, for a
// login through that tunnel to a database whose certificate bundle verifies:
// with --ssl-ca, which makes MariaDB's client and MySQL's use TLS and check
// that a CA in the bundle issued the certificate. Not --ssl-verify-server-cert
// (MySQL: --ssl-mode=VERIFY_IDENTITY): it checks the certificate's name
// against the host dialled, and the certificate names the database's
// endpoint, which 127.0.0.1 at the tunnel's end is not, so it would refuse
// every login. Without a bundle, no option: both clients then use TLS when
// the server offers it, unverified.
func MySQLClient(bundle string) string {
	if bundle == "" {
		return "mysql"
	}
	return "mysql --ssl-ca " + shell.Quote(bundle)
}
