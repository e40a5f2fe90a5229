package database

import (
	"context"
	"crypto/tls"
	"fmt"
	"net"

	"github.com/dolthub/go-mysql-server/server"
	gsql "github.com/dolthub/go-mysql-server/sql"
	"github.com/dolthub/vitess/go/mysql"
)

// MySQL's answer to a plain-text login while require_secure_transport is ON
// (ER_SECURE_TRANSPORT_REQUIRED), word for word.
const (
	erSecureTransportRequired  = 3159
	msgSecureTransportRequired = "Connections using insecure transport are prohibited while --require_secure_transport=ON."
)

// gmsTLS is the embedded server's TLS: its certificate, for the names the
// instance's clients dial.
func gmsTLS(o Options) (*tls.Config, error) {
	pair, err := o.TLS.TLSCertificate()
	if err != nil {
		return nil, fmt.Errorf("database: the server's certificate: %w", err)
	}
	return &tls.Config{Certificates: []tls.Certificate{pair}, MinVersion: tls.VersionTLS12}, nil
}

// secureTransport makes the embedded server refuse plain text, while required says so, as
// a MySQL 8 server with require_secure_transport=ON does. go-mysql-server's own
// RequireSecureTransport is not used: it sends an error of its own (1105, "server does not
// allow insecure connections") and then goes on with the login. MySQL checks the password
// first and then the transport, so a wrong password over plain text is still 1045, and a
// right one 3159: the check sits after each authentication method's own.
func secureTransport(required func() bool) server.ProtocolListenerFunc {
	return func(cfg server.Config, lc mysql.ListenerConfig, sel server.ServerEventListener) (server.ProtocolListener, error) {
		lc.AuthServer = secureTransportAuth{AuthServer: lc.AuthServer, required: required}
		return server.MySQLProtocolListenerFactory(cfg, lc, sel)
	}
}

type secureTransportAuth struct {
	mysql.AuthServer
	required func() bool
}

func (a secureTransportAuth) AuthMethods() []mysql.AuthMethod {
	methods := a.AuthServer.AuthMethods()
	out := make([]mysql.AuthMethod, len(methods))
	for i, m := range methods {
		out[i] = secureTransportMethod{AuthMethod: m, required: a.required}
	}
	return out
}

type secureTransportMethod struct {
	mysql.AuthMethod
	required func() bool
}

func (m secureTransportMethod) HandleAuthPluginData(c *mysql.Conn, user string, serverData, clientData []byte, remote net.Addr) (mysql.Getter, error) {
	g, err := m.AuthMethod.HandleAuthPluginData(c, user, serverData, clientData, remote)
	if err == nil && !c.TLSEnabled() && m.required() {
		return nil, mysql.NewSQLError(erSecureTransportRequired, mysql.SSUnknownSQLState, msgSecureTransportRequired)
	}
	return g, err
}

// reportSecureTransport makes each session's @@require_secure_transport say what the server
// applies at its login, so that a client may ask it. The variable is global in
// go-mysql-server, and so shared by every server in the process: each session of this one
// gets it set instead.
func reportSecureTransport(build server.SessionBuilder, required func() bool) server.SessionBuilder {
	return func(ctx context.Context, c *mysql.Conn, addr string) (gsql.Session, error) {
		s, err := build(ctx, c, addr)
		if err != nil || !required() {
			return s, err
		}
		if err := s.InitSessionVariable(gsql.NewEmptyContext(), "require_secure_transport", int8(1)); err != nil {
			return nil, fmt.Errorf("database: set require_secure_transport: %w", err)
		}
		return s, nil
	}
}
