package dbclient

// The sentences a person reads about TLS to the database, in one place so
// that the walkthrough and the doctor say the same thing. %s verbs take
// names, files and versions, never a password.

// RDSBundleURL is where RDS publishes the CA bundle that verifies every
// RDS database's certificate, in every commercial region.
const RDSBundleURL = "https://truststore.pki.rds.amazonaws.com/global/global-bundle.pem"

const (
	// The CA bundle file.
	whatBundleUnreadable = "cannot read the CA bundle %s"
	whatBundleBroken     = "the CA bundle %s holds a certificate that cannot be read"
	whatBundleEmpty      = "the CA bundle %s holds no PEM certificate"
	fixGetBundle         = "Download RDS's bundle with `curl -O " + RDSBundleURL + "` and give --db-ca-bundle global-bundle.pem. " +
		"RDS signs database certificates with its own CAs, which no operating system trusts, so the system's store cannot stand in for it."

	// The certificate.
	whatUnknownCA = "the database's certificate is not signed by a CA in %s"
	fixUnknownCA  = "Give RDS's global bundle (`curl -O " + RDSBundleURL + "`): it holds every RDS CA; an older or " +
		"regional bundle may lack the CA this instance uses (aws rds describe-db-instances shows its CACertificateIdentifier)."
	whatWrongName = "the database's certificate is for %s, not for %s"
	fixWrongName  = "Connect by the instance's endpoint name exactly as RDS shows it (--db-host): the certificate names the " +
		"endpoint, not an IP address, a CNAME of yours, or 127.0.0.1 at the tunnel's end."
	whatBadCert = "the database's certificate is not valid now (%v)"
	fixBadCert  = "Check this machine's clock. If the certificate has expired, move the instance to a current CA " +
		"(rds-ca-rsa2048-g1 or later) in the RDS console, Modify, Certificate authority."
	whatTLSFailed = "the TLS handshake with the database failed"
	fixTLSFailed  = "Check that the port is the database's; through the SSH tunnel the path is encrypted anyway, so " +
		"\"ssl\": false in the secret is a way round while you look."

	// The server and the secret disagree about TLS.
	whatNoTLSOffered = "the secret's ssl key asks for TLS, but the database offers none"
	fixNoTLSOffered  = "Enable TLS on the server, or set \"ssl\" to false in the secret: through the SSH tunnel the path is encrypted anyway."
	// WhatTLSRequired is what a database that requires TLS (MySQL error
	// 3159, or MariaDB's 1045 under require_secure_transport) means.
	WhatTLSRequired = "the database requires TLS (require_secure_transport is ON) and this login was plain text"
	whatUserTLS     = "user %s must log in with TLS (it was created REQUIRE SSL or stricter) and this login was plain text"
	// FixTLSRequired is the first fix for WhatTLSRequired: log in with TLS.
	FixTLSRequired = "Log in with TLS: remove \"ssl\": false from the secret (or make it true), and give RDS's CA bundle " +
		"(`curl -O " + RDSBundleURL + "`, then --db-ca-bundle global-bundle.pem) so that the certificate is verified."
	// FixTLSRequiredServer is the second fix: let plain text in again.
	FixTLSRequiredServer = " Or let plain text in: set require_secure_transport to 0 in the instance's DB parameter group " +
		"(a custom group: a default one cannot be changed); it applies without a reboot."
	fixTLSRequiredUser = " Or, as the admin: ALTER USER %s REQUIRE NONE."

	// A locked account (MySQL 3118, MariaDB 4151).
	whatLocked = "the account is locked"
	fixLocked  = "Someone locked it (ACCOUNT LOCK): the admin can unlock it with ALTER USER … ACCOUNT UNLOCK."

	// How a session is protected (Security.String): one line for a screen.
	secVerified        = "%s, certificate verified for %s against %s"
	secUnverified      = "%s, certificate not verified (no --db-ca-bundle)"
	secPlainAsked      = "plain text (the secret's ssl key is false)"
	secPlainFallback   = "plain text: TLS failed (%s), and a secret without an ssl key then falls back to plain text"
	secPlainNotOffered = "plain text (the database offers no TLS)"
	secTunnelProtects  = "; the SSH tunnel encrypts it to the bastion (host key checked), and the VPC carries it from there"
)
