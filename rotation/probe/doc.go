// Package probe is the availability probe: simulated application clients
// that log in to the database with the secret's credentials, over and over,
// while rotations happen, and count what fails.
//
// Each client keeps its own small cache of the secret, as an application
// using AWS's caching client would: it refreshes when the cached value is
// older than the refresh interval and after a failed login. Each login opens
// a fresh connection, as an application opening pool connections does; a
// connection already open would survive a password change and hide it. A
// login is checked as a pool checks a new connection (dbclient.LoginPing):
// the handshake, where the server checks the password, then a ping.
//
// Why alternating users shows no failures, and its one condition: after a
// rotation the old credentials are AWSPREVIOUS and still log in, but the next
// rotation changes that user's password. So no login fails as long as every
// client refreshes at least once between two rotations. A client whose
// cached secret is older than the last rotation is stale (the screen paints
// it amber); one older than the last two will fail.
package probe
