package database_test

import (
	"database/sql"
	"strings"
	"testing"

	"rotation-tutor/sandbox/database"
)

// column runs a query over the connection and returns its one column, rows joined by ",",
// NULL as "NULL".
func column(db *sql.DB, query string) (string, error) {
	rows, err := db.Query(query)
	if err != nil {
		return "", err
	}
	defer rows.Close()
	var got []string
	for rows.Next() {
		var v sql.NullString
		if err := rows.Scan(&v); err != nil {
			return "", err
		}
		if !v.Valid {
			v.String = "NULL"
		}
		got = append(got, v.String)
	}
	return strings.Join(got, ","), rows.Err()
}

// The embedded engine's regular expressions (REGEXP, RLIKE and the REGEXP_* functions) run on
// Go's regexp through third_party/icuregex, and are used here as a client would, over a real
// connection.
func TestRegexpOverSQL(t *testing.T) {
	s := start(t, database.Options{StateDir: t.TempDir(), AdminUser: "admin", AdminPassword: "pw", Engine: database.EngineGMS})
	db := open(t, s, target("admin", "pw"))
	t.Run("answers as MySQL", func(t *testing.T) { regexpAnswers(t, db) })
	t.Run("errors", func(t *testing.T) { regexpErrors(t, db) })
}

// For the syntax RE2 shares with ICU, the answers are MySQL 8's: flags, collations, positions
// counted in characters from 1, occurrences, "$n" in replacements, NULL for no match.
func regexpAnswers(t *testing.T, db *sql.DB) {
	for _, tc := range []struct{ query, want string }{
		{"SELECT name FROM tutorial.items WHERE name REGEXP '^[a-p]' ORDER BY id", "notebook,pencil,eraser"},
		{"SELECT name FROM tutorial.items WHERE name RLIKE 'r$' ORDER BY id", "eraser,ruler"},
		{"SELECT name FROM tutorial.items WHERE name NOT REGEXP 'e' ORDER BY id", ""},
		{"SELECT name FROM tutorial.items WHERE name NOT REGEXP 'o' ORDER BY id", "pencil,eraser,ruler"},
		{"SELECT 'Pencil' REGEXP 'pencil'", "0"},
		{"SELECT 'Pencil' COLLATE utf8mb4_0900_ai_ci REGEXP 'pencil'", "1"}, // a _ci collation ignores case
		{"SELECT REGEXP_LIKE('Pencil', 'pencil', 'i')", "1"},
		{"SELECT REGEXP_LIKE('Pencil', 'pencil', 'ic')", "0"}, // the last of i and c wins
		{"SELECT REGEXP_LIKE('one\\ntwo', '^two', 'm')", "1"},
		{"SELECT REGEXP_LIKE('one\\ntwo', 'one.two')", "0"},
		{"SELECT REGEXP_LIKE('one\\ntwo', 'one.two', 'n')", "1"},
		{"SELECT REGEXP_LIKE(NULL, 'a')", "NULL"},
		{"SELECT REGEXP_INSTR('dog cat dog', 'dog', 2)", "9"},
		{"SELECT REGEXP_INSTR('dog cat dog', 'dog', 1, 2)", "9"},
		{"SELECT REGEXP_INSTR('dog cat dog', 'dog', 1, 1, 1)", "4"},
		{"SELECT REGEXP_INSTR('ñandú ñu', 'ñu', 1, 1, 1)", "9"}, // characters, not bytes
		{"SELECT REGEXP_INSTR('dog', 'cat')", "0"},
		{"SELECT REGEXP_SUBSTR(name, '[aeiou]+', 1, 2) FROM tutorial.items ORDER BY id", "e,i,a,e"},
		{"SELECT REGEXP_SUBSTR('abc def ghi', '[a-z]+', 2, 2)", "def"},
		{"SELECT REGEXP_SUBSTR('abc', 'z')", "NULL"},
		{"SELECT REGEXP_REPLACE(name, '[aeiou]', '') FROM tutorial.items ORDER BY id", "ntbk,pncl,rsr,rlr"},
		{"SELECT REGEXP_REPLACE('0123456789', '[0-4]', 'X', 2)", "0XXXX56789"},
		{"SELECT REGEXP_REPLACE('0123456789', '[0-4]', 'X', 2, 2)", "01X3456789"},
		{"SELECT REGEXP_REPLACE('John Smith', '(\\\\w+) (\\\\w+)', '$2, $1')", "Smith, John"},
		{"SELECT REGEXP_REPLACE('price: 5', '\\\\d', '\\\\$&')", "price: $&"},
		{"SELECT REGEXP_REPLACE('TEST test TEST', '[a-z]', 'X', 1, 0, 'i')", "XXXX XXXX XXXX"},
	} {
		got, err := column(db, tc.query)
		if err != nil || got != tc.want {
			t.Errorf("%s\n  = %q, %v; want %q", tc.query, got, err, tc.want)
		}
	}
}

// What RE2 lacks, and mistakes in the arguments, come back to the client as errors that say
// what is wrong; the connection stays usable.
func regexpErrors(t *testing.T, db *sql.DB) {
	for _, tc := range []struct{ query, says string }{
		{"SELECT 'abab' REGEXP '(ab)\\\\1'", "invalid escape sequence: `\\1` (REGEXP here uses RE2 syntax: no back-references"},
		{"SELECT REGEXP_LIKE('foobar', 'foo(?=bar)')", "invalid or unsupported Perl syntax: `(?=` (REGEXP here uses RE2 syntax"},
		{"SELECT name FROM tutorial.items WHERE name REGEXP '(ab'", "missing closing ): `(ab`"},
		{"SELECT REGEXP_REPLACE('a dollar', 'dollar', '$')", "write \\$ for a dollar sign"},
		{"SELECT REGEXP_REPLACE('abc', '(b)', '$2')", "$2 refers to a group the pattern does not have (it has 1)"},
		{"SELECT REGEXP_INSTR('abc', 'b', 9)", "Index out of bounds for regular expression search: position 9, text of 3 characters"},
		{"SELECT REGEXP_SUBSTR('abc', 'b', 0)", "Index out of bounds"},
	} {
		_, err := column(db, tc.query)
		if err == nil || !strings.Contains(err.Error(), tc.says) {
			t.Errorf("%s\n  error = %v; want one saying %q", tc.query, err, tc.says)
		}
	}
	if got, err := column(db, "SELECT 'still here' REGEXP 'here$'"); err != nil || got != "1" {
		t.Errorf("after the errors: %q, %v", got, err)
	}
}
