// Package dbclient is the client side of the tutorial's path: an SSH tunnel
// through a bastion (x/crypto/ssh), MySQL over it (go-sql-driver/mysql), with
// TLS inside as a secret's ssl key asks and verified for the database's
// endpoint name against a CA bundle, and the user administration SQL the
// rotation needs, with quoting done here, once, correctly.
//
// It works unchanged against the sandbox and against a real EC2 bastion and
// RDS instance, and it never imports the sandbox. Every failure on the way is
// an *Error naming the hop that failed, what happened and what to do.
package dbclient
