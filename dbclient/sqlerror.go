package dbclient

import (
	"errors"
	"fmt"
	"strings"

	"github.com/go-sql-driver/mysql"
)

// sqlError wraps err from a statement with the action and its hop. Servers
// quote part of a statement in syntax errors ("near '…'"), so any secret the
// statement held is cut out of the message first.
func sqlError(action string, err error, secrets ...string) error {
	if err == nil {
		return nil
	}
	err = redact(err, secrets...)
	if ce := classifyMySQL(err); ce != nil {
		return fmt.Errorf("%s: %w", action, ce)
	}
	return fmt.Errorf("%s: %w", action, err)
}

// redact returns err with every secret (raw or quoted) replaced by ***. A
// MySQL error keeps its type and number.
func redact(err error, secrets ...string) error {
	var repl []string
	for _, s := range secrets {
		if s != "" {
			repl = append(repl, QuoteString(s), "'***'", s, "***")
		}
	}
	if len(repl) == 0 {
		return err
	}
	r := strings.NewReplacer(repl...)
	clean := func(msg string) string {
		// A syntax error quotes the statement from the failing token on,
		// perhaps cut inside the secret where no replacement would match.
		if i := strings.Index(msg, " near "); i >= 0 {
			msg = msg[:i] + " near (statement hidden: it holds a password)"
		}
		return r.Replace(msg)
	}
	var me *mysql.MySQLError
	if errors.As(err, &me) {
		if m := clean(me.Message); m != me.Message {
			c := *me
			c.Message = m
			return &c
		}
		return err
	}
	if msg := err.Error(); clean(msg) != msg {
		return errors.New(clean(msg))
	}
	return err
}
