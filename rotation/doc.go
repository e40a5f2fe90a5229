// Package rotation is a Secrets Manager rotation function for MySQL, written
// to behave like AWS's own MySQL rotation templates (the "multi user" template,
// which we call alternating users, and the "single user" template).
//
// Secrets Manager calls a rotation function four times per rotation, once per
// step, always with the same ClientRequestToken (the id of the new version):
//
//	createSecret  store a new value under AWSPENDING for the token
//	setSecret     make the database accept that value
//	testSecret    log in with it
//	finishSecret  move AWSCURRENT to it (the old one becomes AWSPREVIOUS)
//
// Any step may be run again after a crash at any point, so each one first
// checks whether its work is already done. The same code runs in the sandbox
// (invoked by the sandbox's Lambda registry) and against real AWS, where the
// app can run the four steps itself through an SSH tunnel (RotateLocally).
//
// Nothing in this package imports the sandbox: it talks to Secrets Manager
// through SecretsAPI (an aws-sdk-go-v2 client) and to the database through a
// dialer the caller gives.
package rotation
