package dbclient

import (
	"context"
	"crypto/x509"
	"database/sql/driver"
	"errors"
	"fmt"
	"net"
	"syscall"

	"github.com/go-sql-driver/mysql"
	"golang.org/x/crypto/ssh"
	"golang.org/x/crypto/ssh/knownhosts"
)

// Hop names the leg of laptop → bastion → database that failed.
type Hop string

// The hops, in the order a connection passes them.
const (
	HopSSHKey           Hop = "ssh-key"           // reading the private key or reaching ssh-agent
	HopBastionDNS       Hop = "bastion-dns"       // resolving the bastion's name
	HopBastionTCP       Hop = "bastion-tcp"       // TCP to the bastion's SSH port
	HopBastionHandshake Hop = "bastion-handshake" // the SSH protocol exchange
	HopBastionHostKey   Hop = "bastion-hostkey"   // known_hosts check
	HopBastionAuth      Hop = "bastion-auth"      // public-key login
	HopForward          Hop = "forward"           // the bastion refused to open a channel
	HopDatabaseTCP      Hop = "database-tcp"      // reaching the database's port (from the bastion, or directly)
	HopDatabaseTLS      Hop = "database-tls"      // TLS to the database: required, offered, its certificate
	HopDatabaseAuth     Hop = "database-auth"     // MySQL login
	HopDatabase         Hop = "database"          // anything after login: database name, SQL
)

// Error is a failure a person can act on: which hop, what happened, and what
// to do. It never holds a password.
type Error struct {
	Hop  Hop
	What string // what happened, in plain words
	Fix  string // what to do about it
	Err  error  // the underlying error
}

func (e *Error) Error() string {
	if e.Err == nil {
		return string(e.Hop) + ": " + e.What
	}
	return string(e.Hop) + ": " + e.What + ": " + e.Err.Error()
}

func (e *Error) Unwrap() error { return e.Err }

// Classify returns the *Error inside err if there is one, or else makes one
// from what err is (SSH, knownhosts, MySQL and network errors are
// recognised). It returns nil for nil and for errors it does not recognise.
// Without the context that produced it, a network error is attributed to the
// bastion; errors made by this package carry the right hop already.
func Classify(err error) *Error {
	if err == nil {
		return nil
	}
	var e *Error
	if errors.As(err, &e) {
		return e
	}
	if e := classifyKey(err); e != nil {
		return e
	}
	if e := classifySSH(err); e != nil {
		return e
	}
	if e := classifyTLS(err); e != nil {
		return e
	}
	if e := classifyMySQL(err); e != nil {
		return e
	}
	return classifyNet(err, HopBastionDNS, HopBastionTCP, "the bastion")
}

// classifyKey recognises problems with the private key itself.
func classifyKey(err error) *Error {
	var pm *ssh.PassphraseMissingError
	if errors.As(err, &pm) {
		return &Error{Hop: HopSSHKey, What: "the private key is protected by a passphrase and none was given",
			Fix: "Enter the key's passphrase, or load the key into ssh-agent (ssh-add FILE) and use the agent.", Err: err}
	}
	if errors.Is(err, x509.IncorrectPasswordError) {
		return &Error{Hop: HopSSHKey, What: "wrong passphrase for the private key",
			Fix: "Enter the passphrase again; `ssh-keygen -y -f FILE` checks it.", Err: err}
	}
	return nil
}

// classifySSH recognises failures in the SSH exchange and channel opens.
func classifySSH(err error) *Error {
	var ke *knownhosts.KeyError
	if errors.As(err, &ke) {
		if len(ke.Want) == 0 {
			return &Error{Hop: HopBastionHostKey, What: "the bastion's host key is not in known_hosts",
				Fix: "Compare the key's fingerprint with the one the bastion's console shows, then trust it.", Err: err}
		}
		return &Error{Hop: HopBastionHostKey, What: "the bastion's host key has changed",
			Fix: "If the bastion was rebuilt, remove the old line with `ssh-keygen -R HOST`; otherwise do not connect.", Err: err}
	}
	var oc *ssh.OpenChannelError
	if errors.As(err, &oc) {
		return classifyOpenChannel(oc, "the database")
	}
	var neg *ssh.AlgorithmNegotiationError
	if errors.As(err, &neg) && neg.What == "host key" {
		return &Error{Hop: HopBastionHostKey, What: "the bastion offers none of the key types known_hosts holds for it",
			Fix: "The bastion's keys changed (rebuilt?). Remove its old line with `ssh-keygen -R HOST` only if you can confirm the new fingerprint.", Err: err}
	}
	return nil
}

// fixBastionAuth is what to do when the bastion refuses the key.
const fixBastionAuth = "Check the user name (ec2-user on Amazon Linux, ubuntu on Ubuntu) and that the key's public half is in " +
	"that user's ~/.ssh/authorized_keys (the key pair chosen when the instance was launched)."

// classifyOpenChannelError explains why the bastion did not open a channel to dest.
func classifyOpenChannel(oc *ssh.OpenChannelError, dest string) *Error {
	switch oc.Reason {
	case ssh.Prohibited:
		return &Error{Hop: HopForward, What: "the bastion does not allow forwarding to " + dest,
			Fix: "Check the database host and port; on a real bastion ask for AllowTcpForwarding yes (and PermitOpen to include the database).", Err: oc}
	case ssh.ConnectionFailed:
		// SSH gives no finer reason; the bastion's own words (refused, not
		// known…) travel in Err, shown and never interpreted.
		return &Error{Hop: HopDatabaseTCP, What: "the bastion cannot connect to " + dest,
			Fix: "Check the endpoint name and port in the secret (RDS: 3306) and that the instance is available; " +
				"allow port 3306 from the bastion's security group in the database's security group; the bastion's VPC needs DNS resolution.", Err: oc}
	case ssh.ResourceShortage:
		return &Error{Hop: HopForward, What: "the bastion has too many channels open",
			Fix: "Close idle connections (fewer pooled connections) and try again.", Err: oc}
	}
	return &Error{Hop: HopForward, What: "the bastion does not forward connections",
		Fix: "The server at that address is not a forwarding SSH bastion; check the bastion address.", Err: oc}
}

// MySQL and MariaDB error numbers the tutorial explains. go-mysql-server
// answers most refusals with 1105 (unknown error) instead, so those stay
// unexplained rather than be guessed from its message.
const (
	erDBAccessDenied        = 1044
	erAccessDenied          = 1045
	erBadDB                 = 1049
	erHostNotPrivileged     = 1130
	erTooManyConnections    = 1040
	erTableAccessDenied     = 1142
	erSpecificAccessDenied  = 1227
	erParse                 = 1064
	erUnknown               = 1105 // go-mysql-server's answer to most refusals
	erNotSupportedYet       = 1235
	erUnknownSystemVariable = 1193
	erNoAuthMethods         = 2012 // go-mysql-server's answer for an unknown user
	erAccountLocked         = 3118 // MySQL
	erSecureTransport       = 3159 // MySQL: require_secure_transport (MariaDB answers 1045)
	erMariaDBAccountLocked  = 4151
)

func classifyMySQL(err error) *Error {
	if errors.Is(err, mysql.ErrInvalidConn) || errors.Is(err, driver.ErrBadConn) {
		return &Error{Hop: HopDatabase, What: "the connection to the database broke (the tunnel or the server closed it)",
			Fix: "Try again: the tunnel reconnects and the pool dials a new connection. If it keeps failing, run the doctor.", Err: err}
	}
	var me *mysql.MySQLError
	if !errors.As(err, &me) {
		return nil
	}
	switch me.Number {
	case erAccessDenied, erNoAuthMethods:
		return &Error{Hop: HopDatabaseAuth, What: "the database refused the user name or password",
			Fix: "Check the username and password in the secret. The database sees the login coming from the bastion, " +
				"so the user must exist for that host ('user'@'%'). After a rotation, read the secret again (AWSCURRENT).", Err: err}
	case erHostNotPrivileged:
		return &Error{Hop: HopDatabaseAuth, What: "the database does not accept logins from the bastion's address",
			Fix: "Create the user for host '%' (or the bastion's private IP).", Err: err}
	case erDBAccessDenied:
		return &Error{Hop: HopDatabase, What: "the user may not use that database",
			Fix: "Check dbname in the secret, or GRANT the user access to it.", Err: err}
	case erBadDB:
		return &Error{Hop: HopDatabase, What: "the database name does not exist",
			Fix: "Check dbname in the secret; SHOW DATABASES as the admin lists them.", Err: err}
	case erAccountLocked, erMariaDBAccountLocked:
		return &Error{Hop: HopDatabaseAuth, What: whatLocked, Fix: fixLocked, Err: err}
	case erTooManyConnections:
		return &Error{Hop: HopDatabase, What: "the database has too many connections",
			Fix: "Close idle pools or raise max_connections.", Err: err}
	case erSpecificAccessDenied, erTableAccessDenied:
		return &Error{Hop: HopDatabase, What: "the user lacks the privilege for that statement",
			Fix: "Run it as the admin (master) user, or GRANT the privilege it names.", Err: err}
	}
	return &Error{Hop: HopDatabase, What: fmt.Sprintf("the database answered with error %d", me.Number),
		Fix: "Read the database's message; the statement or the user's privileges need changing.", Err: err}
}

// classifyNet explains a dial error towards a host (the bastion, or the
// database when dialled directly).
func classifyNet(err error, dnsHop, tcpHop Hop, host string) *Error {
	var dns *net.DNSError
	if errors.As(err, &dns) {
		return &Error{Hop: dnsHop, What: "cannot resolve " + host + "'s name",
			Fix: "Check the host name's spelling, your DNS and VPN; a public bastion needs a public DNS name or IP.", Err: err}
	}
	if errors.Is(err, syscall.ECONNREFUSED) {
		return &Error{Hop: tcpHop, What: "nothing is listening at " + host + "'s address",
			Fix: "Check the address and port, and that the server is running.", Err: err}
	}
	var ne net.Error
	if errors.Is(err, context.DeadlineExceeded) || (errors.As(err, &ne) && ne.Timeout()) {
		return &Error{Hop: tcpHop, What: "no answer from " + host + " in time",
			Fix: "Check that the security group (or firewall) allows the port from your address, the IP is right, and your VPN is up.", Err: err}
	}
	var op *net.OpError
	if errors.As(err, &op) && op.Op == "dial" {
		return &Error{Hop: tcpHop, What: "cannot connect to " + host,
			Fix: "Check the address, your network and any firewall in between.", Err: err}
	}
	return nil
}
