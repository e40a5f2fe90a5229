// Package database is the sandbox's RDS instance: a MySQL-compatible server
// on a loopback port that only the bastion and the rotation function are
// meant to reach.
//
// The default engine is go-mysql-server running in this process (pure Go, no
// setup). The "mariadb" engine starts a real mariadbd child process instead,
// for fidelity, where one is installed. Either way the server has an admin
// user with every privilege and a "tutorial" database with a small table, and
// the SQL that reaches it is the SQL that works on RDS MySQL 8.
package database
