package dbclient

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"strings"
	"syscall"
	"testing"

	"github.com/go-sql-driver/mysql"
	"golang.org/x/crypto/ssh"
	"golang.org/x/crypto/ssh/knownhosts"
)

func TestClassify(t *testing.T) {
	key, _ := ssh.ParsePublicKey(mustKey(t))
	for _, tc := range []struct {
		name string
		err  error
		hop  Hop // "" = not classified
	}{
		{"nil", nil, ""},
		{"unrelated", errors.New("boom"), ""},
		{"already typed", fmt.Errorf("wrapped: %w", &Error{Hop: HopForward, What: "x"}), HopForward},
		{"passphrase missing", &ssh.PassphraseMissingError{}, HopSSHKey},
		{"wrong passphrase", x509.IncorrectPasswordError, HopSSHKey},
		{"unknown host", fmt.Errorf("ssh: handshake failed: %w", &knownhosts.KeyError{}), HopBastionHostKey},
		{"changed host key", &knownhosts.KeyError{Want: []knownhosts.KnownKey{{Key: key, Filename: "kh", Line: 3}}}, HopBastionHostKey},
		{"no common host key type", fmt.Errorf("ssh: handshake failed: %w", &ssh.AlgorithmNegotiationError{What: "host key"}), HopBastionHostKey},
		{"no common cipher", &ssh.AlgorithmNegotiationError{What: "client to server cipher"}, ""},
		{"forward prohibited", &ssh.OpenChannelError{Reason: ssh.Prohibited, Message: "open failed"}, HopForward},
		{"db refused from bastion", &ssh.OpenChannelError{Reason: ssh.ConnectionFailed, Message: "Connection refused"}, HopDatabaseTCP},
		{"db name unknown to bastion", &ssh.OpenChannelError{Reason: ssh.ConnectionFailed, Message: "Name or service not known"}, HopDatabaseTCP},
		{"too many channels", &ssh.OpenChannelError{Reason: ssh.ResourceShortage}, HopForward},
		{"access denied", &mysql.MySQLError{Number: 1045, Message: "Access denied for user 'app'@'10.0.0.5' (using password: YES)"}, HopDatabaseAuth},
		{"unknown user on GMS", &mysql.MySQLError{Number: 2012, Message: "No authentication methods available for authentication."}, HopDatabaseAuth},
		{"no access to db", &mysql.MySQLError{Number: 1044}, HopDatabase},
		{"unknown db", &mysql.MySQLError{Number: 1049}, HopDatabase},
		{"TLS required (MySQL)", &mysql.MySQLError{Number: 3159}, HopDatabaseTLS},
		{"TLS required (confirmed)", &TLSRequiredError{Number: 1045, ServerWide: true, User: "app"}, HopDatabaseTLS},
		{"TLS required by the user", &TLSRequiredError{Number: 1045, User: "app"}, HopDatabaseTLS},
		{"TLS not offered", mysql.ErrNoTLS, HopDatabaseTLS},
		{"TLS alert", tls.AlertError(42), HopDatabaseTLS},
		{"account locked (MariaDB)", &mysql.MySQLError{Number: 4151}, HopDatabaseAuth},
		{"account locked (MySQL)", &mysql.MySQLError{Number: 3118}, HopDatabaseAuth},
		{"GMS's catch-all is not guessed from its text", &mysql.MySQLError{Number: 1105, Message: "command denied to user 'u1'@'%'"}, HopDatabase},
		{"privilege (MariaDB)", &mysql.MySQLError{Number: 1227}, HopDatabase},
		{"broken connection", mysql.ErrInvalidConn, HopDatabase},
		{"dns", &net.OpError{Op: "dial", Err: &net.DNSError{Err: "no such host", Name: "x.invalid", IsNotFound: true}}, HopBastionDNS},
		{"refused", &net.OpError{Op: "dial", Err: syscall.ECONNREFUSED}, HopBastionTCP},
		{"timeout", context.DeadlineExceeded, HopBastionTCP},
	} {
		ce := Classify(tc.err)
		switch {
		case tc.hop == "" && ce != nil:
			t.Errorf("%s: classified as %s", tc.name, ce.Hop)
		case tc.hop != "" && (ce == nil || ce.Hop != tc.hop):
			t.Errorf("%s: %v, want hop %s", tc.name, ce, tc.hop)
		case ce != nil && (ce.What == "" || (ce.Fix == "" && tc.name != "already typed")):
			t.Errorf("%s: no What or Fix: %+v", tc.name, ce)
		case ce != nil && tc.err != nil && tc.name != "already typed" && !errors.Is(ce, tc.err) && ce.Err != tc.err:
			t.Errorf("%s: the cause is not kept", tc.name)
		}
	}
	// Told by number, never by message: GMS's 1105 stays generic whatever it says.
	if ce := Classify(&mysql.MySQLError{Number: 1105, Message: "command denied to user 'u1'@'%'"}); strings.Contains(ce.What, "privilege") {
		t.Errorf("1105 explained from its message: %q", ce.What)
	}
	var e *Error
	if ce := Classify(&ssh.OpenChannelError{Reason: ssh.Prohibited}); !errors.As(ce, &e) || !strings.HasPrefix(ce.Error(), "forward: ") {
		t.Errorf("Error() = %q", ce.Error())
	}
}

func mustKey(t *testing.T) []byte {
	t.Helper()
	pub, _, _, _, err := ssh.ParseAuthorizedKey([]byte("ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl"))
	if err != nil {
		t.Fatal(err)
	}
	return pub.Marshal()
}

// TestErrorsHideSecrets: a syntax error quotes the statement from the
// failing token on; a statement holding a password must not leak it.
func TestErrorsHideSecrets(t *testing.T) {
	pw := "Sup3r'Secret-Passw0rd-that-is-long"
	for _, err := range []error{
		&mysql.MySQLError{Number: 1064, Message: "You have an error in your SQL syntax; check the manual near 'IDENTIFIED BY " + QuoteString(pw) + "' at line 1"},
		&mysql.MySQLError{Number: 1105, Message: "syntax error at position 40 near '" + pw[:10] + "'"}, // cut inside
		errors.New("driver: bad value " + pw),
	} {
		got := sqlError("set the password of appuser", err, pw)
		if strings.Contains(got.Error(), pw) || strings.Contains(got.Error(), pw[:10]) {
			t.Errorf("password leaked: %v", got)
		}
		var me *mysql.MySQLError
		if errors.As(err, &me) && !errors.As(got, &me) {
			t.Errorf("MySQL error type lost: %T", got)
		}
	}
}
