package steps

import (
	"fmt"
	"net"
	"strconv"
	"strings"
)

const masked = "••••••••"

// mask hides a secret value unless reveal; an unknown value shows as a
// placeholder a person recognises.
func mask(v string, reveal bool) string {
	if v == "" {
		return "<password>"
	}
	if !reveal {
		return masked
	}
	return v
}

// awsCmd is an aws CLI command for Secrets Manager against the session's
// endpoint: --endpoint-url in the sandbox, the region always.
func awsCmd(s *Session, op string, args ...string) string {
	parts := append([]string{"aws secretsmanager", op}, args...)
	if env := s.Env(); env != nil {
		if env.Region != "" {
			parts = append(parts, "--region", env.Region)
		}
		if env.Kind == KindSandbox && env.SecretsEndpoint != "" {
			parts = append(parts, "--endpoint-url", env.SecretsEndpoint)
		}
	}
	return strings.Join(parts, " ")
}

// shellQuote quotes s for a POSIX shell.
func shellQuote(s string) string {
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

// sqlString is a MySQL string literal, for display.
func sqlString(s string) string {
	return "'" + strings.NewReplacer(`\`, `\\`, `'`, `\'`).Replace(s) + "'"
}

func sqlUser(u string) string { return sqlString(u) + "@'%'" }

func sqlIdent(s string) string { return "`" + strings.ReplaceAll(s, "`", "``") + "`" }

// bastion returns the bastion's user, host and port for display.
func bastion(env *Env) (user, host, port string) {
	if env == nil {
		return "ec2-user", "<bastion>", "22"
	}
	host, port, err := net.SplitHostPort(env.SSH.Addr)
	if err != nil {
		host, port = env.SSH.Addr, "22"
	}
	return env.SSH.User, host, port
}

func dbAddr(env *Env) (host string, port int) {
	if env == nil {
		return "<database>", 3306
	}
	return env.DBHost, env.DBPort
}

func sshTunnelCmd(s *Session) string {
	env := s.Env()
	user, host, port := bastion(env)
	dbHost, dbPort := dbAddr(env)
	parts := []string{"ssh"}
	if env != nil && env.SSH.KeyFile != "" {
		parts = append(parts, "-i", env.SSH.KeyFile)
	}
	if env != nil && env.SSH.KnownHostsFile != "" {
		parts = append(parts, "-o", "UserKnownHostsFile="+env.SSH.KnownHostsFile)
	}
	if port != "22" {
		parts = append(parts, "-p", port)
	}
	parts = append(parts, "-N", "-L", fmt.Sprintf("3306:%s:%d", dbHost, dbPort), user+"@"+host)
	return strings.Join(parts, " ")
}

func mysqlCmd(user string, sql string) string {
	c := "mysql -h 127.0.0.1 -P 3306 -u " + user + " -p"
	if sql != "" {
		c += " -e " + shellQuote(sql)
	}
	return c
}

func workbenchFields(s *Session, mysqlUser string) string {
	env := s.Env()
	user, host, port := bastion(env)
	dbHost, dbPort := dbAddr(env)
	key := "<your key pair .pem file>"
	if env != nil && env.SSH.KeyFile != "" {
		key = env.SSH.KeyFile
	}
	rows := [][2]string{
		{"Connection Method", "Standard TCP/IP over SSH"},
		{"SSH Hostname", net.JoinHostPort(host, port)},
		{"SSH Username", user},
		{"SSH Key File", key},
		{"MySQL Hostname", dbHost},
		{"MySQL Server Port", strconv.Itoa(dbPort)},
		{"Username", mysqlUser},
		{"Password", "from the secret (Store in Vault…)"},
	}
	var b strings.Builder
	for i, r := range rows {
		if i > 0 {
			b.WriteByte('\n')
		}
		fmt.Fprintf(&b, "%-18s %s", r[0]+":", r[1])
	}
	return b.String()
}
