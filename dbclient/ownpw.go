package dbclient

import (
	"context"
	"fmt"
	"strings"
)

// SetOwnPassword changes the logged-in user's own password, with no
// privilege beyond logging in (the single-user rotation strategy). Each
// server takes a different form; measured:
//
//	MariaDB 10.11:        SET PASSWORD = PASSWORD('…')  (ALTER USER needs CREATE USER,
//	                      SET PASSWORD = '…' wants a hash)
//	go-mysql-server:      ALTER USER 'me'@'%' IDENTIFIED BY '…'  (CURRENT_USER() is a syntax error)
//	MySQL 8 (RDS, docs):  ALTER USER CURRENT_USER() IDENTIFIED BY '…'
//
// so MariaDB is told apart by VERSION(), and elsewhere the MySQL 8 form is
// tried first, falling back to naming the account on a syntax error.
func SetOwnPassword(ctx context.Context, q Queryer, password string) error {
	v, err := ServerVersion(ctx, q)
	if err != nil {
		return fmt.Errorf("change own password: %w", err)
	}
	pw := QuoteString(password)
	if strings.Contains(strings.ToLower(v), "mariadb") {
		_, err := q.ExecContext(ctx, "SET PASSWORD = PASSWORD("+pw+")")
		return sqlError("change own password", err, password)
	}
	_, err = q.ExecContext(ctx, "ALTER USER CURRENT_USER() IDENTIFIED BY "+pw)
	if err == nil || !isSyntaxError(err) {
		return sqlError("change own password", err, password)
	}
	me, err := CurrentUser(ctx, q)
	if err != nil {
		return fmt.Errorf("change own password: %w", err)
	}
	at := strings.LastIndexByte(me, '@')
	if at < 0 {
		return fmt.Errorf("change own password: CURRENT_USER() is %q, not user@host", me)
	}
	_, err = q.ExecContext(ctx, "ALTER USER "+QuoteString(me[:at])+"@"+QuoteString(me[at+1:])+" IDENTIFIED BY "+pw)
	return sqlError("change own password", err, password)
}

// isSyntaxError is MySQL's 1064, or go-mysql-server's 1105 "syntax error".
func isSyntaxError(err error) bool {
	ce := classifyMySQL(err)
	if ce == nil {
		return false
	}
	msg := strings.ToLower(err.Error())
	return strings.Contains(msg, "1064") || strings.Contains(msg, "syntax error") || strings.Contains(msg, "syntax")
}
