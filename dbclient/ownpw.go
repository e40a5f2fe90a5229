package dbclient

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/go-sql-driver/mysql"
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
	if err == nil || !IsUnsupported(err) {
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

// IsUnsupported says the server refused a statement because it cannot run
// that form, not because running it failed: a parse error (1064), "not
// supported yet" (1235), or go-mysql-server's catch-all 1105, which it
// answers for both. Told by the error number alone.
func IsUnsupported(err error) bool {
	var me *mysql.MySQLError
	if !errors.As(err, &me) {
		return false
	}
	switch me.Number {
	case erParse, erNotSupportedYet, erUnknown:
		return true
	}
	return false
}
