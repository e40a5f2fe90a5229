package rotation

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"

	"rotation-tutor/dbclient"
)

// copyTLSRequirement gives the pending user the current user's TLS
// requirement (REQUIRE NONE, SSL, X509 or CIPHER … ISSUER … SUBJECT), as AWS's
// template does, so that the clone cannot log in with less protection than
// the original. A server that does not know the statement (the sandbox's
// embedded database) is told nothing; the step says so in its Detail.
func copyTLSRequirement(ctx context.Context, q dbclient.Queryer, from, to string, n *note) error {
	var sslType, cipher, issuer, subject sql.NullString
	err := q.QueryRowContext(ctx,
		"SELECT ssl_type, ssl_cipher, x509_issuer, x509_subject FROM mysql.user WHERE User = ? AND Host = '%'", from).
		Scan(&sslType, &cipher, &issuer, &subject)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		n.aside(fmt.Sprintf("TLS options not copied: no mysql.user row for %s@%%", from))
		return nil
	case err != nil && dbclient.IsUnsupported(err):
		n.aside("TLS options not copied: the server cannot report them")
		return nil
	case err != nil:
		return fmt.Errorf("read TLS options of %s: %w", from, err)
	}

	var require string
	switch strings.ToUpper(sslType.String) {
	case "":
		require = "NONE"
	case "ANY":
		require = "SSL"
	case "X509":
		require = "X509"
	default: // SPECIFIED
		require = fmt.Sprintf("CIPHER %s AND ISSUER %s AND SUBJECT %s",
			dbclient.QuoteString(cipher.String), dbclient.QuoteString(issuer.String), dbclient.QuoteString(subject.String))
	}
	stmt := fmt.Sprintf("ALTER USER %s@'%%' REQUIRE %s", dbclient.QuoteString(to), require)
	if _, err := q.ExecContext(ctx, stmt); err != nil {
		if dbclient.IsUnsupported(err) {
			n.aside(fmt.Sprintf("TLS options not copied: the server refused ALTER USER … REQUIRE %s", require))
			return nil
		}
		return fmt.Errorf("copy TLS options to %s: %w", to, err)
	}
	n.aside(fmt.Sprintf("copied TLS requirement (REQUIRE %s) to %s", require, to))
	return nil
}
