package dbclient

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"

	"github.com/go-sql-driver/mysql"
)

// Queryer is what the user administration runs on: a *sql.DB, *sql.Conn or
// *sql.Tx.
type Queryer interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

var (
	_ Queryer = (*sql.DB)(nil)
	_ Queryer = (*sql.Conn)(nil)
	_ Queryer = (*sql.Tx)(nil)
)

// The statements below are built with QuoteString and QuoteIdent rather than
// ? placeholders: go-mysql-server does not take placeholders in CREATE USER
// and ALTER USER, and one way of quoting everywhere is easier to trust.

// UserExists reports whether user exists for any host.
func UserExists(ctx context.Context, q Queryer, user string) (bool, error) {
	var n int
	err := q.QueryRowContext(ctx, "SELECT COUNT(*) FROM mysql.user WHERE User = "+QuoteString(user)).Scan(&n)
	if err != nil {
		return false, sqlError("look up user "+user, err)
	}
	return n > 0, nil
}

// CreateUser creates user@'%' with password; it fails if the user exists.
func CreateUser(ctx context.Context, q Queryer, user, password string) error {
	_, err := q.ExecContext(ctx, "CREATE USER "+Account(user)+" IDENTIFIED BY "+QuoteString(password))
	return sqlError("create user "+user, err, password)
}

// GrantSelect lets user@'%' read every table of database.
func GrantSelect(ctx context.Context, q Queryer, database, user string) error {
	_, err := q.ExecContext(ctx, "GRANT SELECT ON "+QuoteIdent(database)+".* TO "+Account(user))
	return sqlError("grant SELECT on "+database+" to "+user, err)
}

// GrantSelectOnAll lets user@'%' read every table of every database: the older tutorial's
// GRANT SELECT ON *.*.
func GrantSelectOnAll(ctx context.Context, q Queryer, user string) error {
	_, err := q.ExecContext(ctx, "GRANT SELECT ON *.* TO "+Account(user))
	return sqlError("grant SELECT on *.* to "+user, err)
}

// ShowGrants returns the GRANT statements of user@'%' as the server prints them.
func ShowGrants(ctx context.Context, q Queryer, user string) ([]string, error) {
	rows, err := q.QueryContext(ctx, "SHOW GRANTS FOR "+Account(user))
	if err != nil {
		return nil, sqlError("show grants for "+user, err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var g string
		if err := rows.Scan(&g); err != nil {
			return nil, sqlError("show grants for "+user, err)
		}
		out = append(out, g)
	}
	if err := rows.Err(); err != nil {
		return nil, sqlError("show grants for "+user, err)
	}
	return out, nil
}

// CloneUser makes to@'%' a copy of from@'%': it creates to with password if
// to does not exist (created says so), then replays every grant of from for
// to. An existing to keeps its password. Grants are rewritten with
// RewriteGrant, so MariaDB's IDENTIFIED BY PASSWORD hash is never copied and
// WITH GRANT OPTION is kept.
func CloneUser(ctx context.Context, q Queryer, from, to, password string) (created bool, err error) {
	exists, err := UserExists(ctx, q, to)
	if err != nil {
		return false, err
	}
	if !exists {
		if err := CreateUser(ctx, q, to, password); err != nil {
			return false, err
		}
		created = true
	}
	grants, err := ShowGrants(ctx, q, from)
	if err != nil {
		return created, err
	}
	for _, g := range grants {
		stmt, err := RewriteGrant(g, from, to)
		if err != nil {
			return created, fmt.Errorf("clone %s as %s: %w", from, to, err)
		}
		if _, err := q.ExecContext(ctx, stmt); err != nil {
			return created, sqlError(fmt.Sprintf("clone %s as %s: %s", from, to, stmt), err)
		}
	}
	return created, nil
}

// SetPassword changes user@'%”s password (an administrator's statement).
func SetPassword(ctx context.Context, q Queryer, user, password string) error {
	_, err := q.ExecContext(ctx, "ALTER USER "+Account(user)+" IDENTIFIED BY "+QuoteString(password))
	return sqlError("set the password of "+user, err, password)
}

// DropUser removes user@'%' if it exists.
func DropUser(ctx context.Context, q Queryer, user string) error {
	_, err := q.ExecContext(ctx, "DROP USER IF EXISTS "+Account(user))
	return sqlError("drop user "+user, err)
}

// CurrentUser is the account the server matched the login to, e.g. appuser@%.
func CurrentUser(ctx context.Context, q Queryer) (string, error) {
	var u string
	if err := q.QueryRowContext(ctx, "SELECT CURRENT_USER()").Scan(&u); err != nil {
		return "", sqlError("read CURRENT_USER()", err)
	}
	return u, nil
}

// RequiresSecureTransport says whether the server refuses plain-text logins:
// its require_secure_transport is ON (1 to MySQL, ON or 1 to MariaDB). A
// server that does not know the variable (MySQL before 5.7, MariaDB before
// 10.5) has no such rule.
func RequiresSecureTransport(ctx context.Context, q Queryer) (bool, error) {
	var v string
	err := q.QueryRowContext(ctx, "SELECT @@require_secure_transport").Scan(&v)
	var me *mysql.MySQLError
	if errors.As(err, &me) && me.Number == erUnknownSystemVariable {
		return false, nil
	}
	if err != nil {
		return false, sqlError("read @@require_secure_transport", err)
	}
	return v == "1" || strings.EqualFold(v, "ON"), nil
}

// ServerVersion is VERSION(), e.g. 8.0.35 or 10.11.6-MariaDB.
func ServerVersion(ctx context.Context, q Queryer) (string, error) {
	var v string
	if err := q.QueryRowContext(ctx, "SELECT VERSION()").Scan(&v); err != nil {
		return "", sqlError("read VERSION()", err)
	}
	return v, nil
}
