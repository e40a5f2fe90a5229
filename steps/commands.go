package steps

import (
	"fmt"
	"net"
	"strconv"
	"strings"

	"rotation-tutor/dbclient"
	"rotation-tutor/internal/shell"
	"rotation-tutor/rotation"
)

// The commands a screen shows run as they are when pasted into a new shell
// with nothing set (env -i PATH=/usr/bin:/bin bash): in the sandbox after the
// one line that points the aws CLI at it (Env.ShellSetup), on AWS with the
// learner's own credential chain. Secret values are never in them: a command
// that needs one reads it with $(aws … get-secret-value …).

// adminSecretName is how the commands name the admin secret: by its name, which Secrets
// Manager takes as a secret id as readily as the ARN, and which fits on a line of a narrow
// screen (an RDS-managed secret's ARN does not, so it would be cut and no longer paste).
func adminSecretName(env *Env) string {
	arn := env.AdminSecretARN
	i := strings.Index(arn, ":secret:")
	if !strings.HasPrefix(arn, "arn:") || i < 0 || len(arn)-i-len(":secret:") <= 7 {
		return arn
	}
	return arn[i+len(":secret:") : len(arn)-7] // ARNs end in "-" and six random characters
}

// withEnvLine puts the export line first when any command calls aws, and
// marks those commands as needing it.
func withEnvLine(env *Env, cmds []Command) []Command {
	if env == nil || env.ShellSetup == "" {
		return cmds
	}
	needs := false
	out := make([]Command, len(cmds))
	for i, c := range cmds {
		if strings.Contains(c.Text, "aws ") {
			c.Needs, needs = env.ShellSetup, true
		}
		out[i] = c
	}
	if !needs {
		return out
	}
	return append([]Command{{Tool: "shell", Note: "once in a new shell: the sandbox's credentials file, profile and region", Text: env.ShellSetup}}, out...)
}

// doubleQuoted is s inside double quotes, with what the shell would expand
// escaped; subst is spliced in unescaped (command substitutions).
func doubleQuoted(parts ...string) string {
	var b strings.Builder
	b.WriteByte('"')
	for i, p := range parts {
		if i%2 == 1 { // a substitution: leave it to the shell
			b.WriteString(p)
			continue
		}
		b.WriteString(strings.NewReplacer(`\`, `\\`, `"`, `\"`, "$", `\$`, "`", "\\`").Replace(p))
	}
	b.WriteByte('"')
	return b.String()
}

// awsCmd is an aws CLI command against the session's endpoint and region.
func awsCmd(env *Env, service, op string, args ...string) string {
	parts := append([]string{"aws", service, op}, args...)
	if env != nil {
		if env.Region != "" {
			parts = append(parts, "--region", env.Region)
		}
		if env.Profile != "" {
			parts = append(parts, "--profile", shell.Quote(env.Profile))
		}
		// The sandbox's endpoint (or --endpoint-url) answers them all.
		if env.SecretsEndpoint != "" && endpointServes[service] {
			parts = append(parts, "--endpoint-url", env.SecretsEndpoint)
		}
	}
	return strings.Join(parts, " ")
}

// endpointServes are the services an endpoint URL (the sandbox's, one VPC endpoint each on
// AWS) answers for the commands shown: Secrets Manager, RDS, and the rotation function's
// Lambda and CloudWatch Logs.
var endpointServes = map[string]bool{"secretsmanager": true, "rds": true, "lambda": true, "logs": true}

// secretValueCmd prints a version of a secret's value: by stage, or
// AWSCURRENT when stage is "".
func secretValueCmd(env *Env, secretID, stage string) string {
	args := []string{"--secret-id", shell.Quote(secretID)}
	if stage != "" {
		args = append(args, "--version-stage", stage)
	}
	return awsCmd(env, "secretsmanager", "get-secret-value", append(args, "--query", "SecretString", "--output", "text")...)
}

// mysqlAs logs in through the tunnel with the credentials in a version of a
// secret (both read from it, never pasted) and runs sql, already quoted for
// the shell.
func mysqlAs(env *Env, secretID, stage, quotedSQL string) string {
	return fmt.Sprintf(`S="$(%s)" && MYSQL_PWD="$(printf '%%s' "$S" | jq -r .password)" %s -h 127.0.0.1 -P %d -u "$(printf '%%s' "$S" | jq -r .username)" %s -e %s`,
		secretValueCmd(env, secretID, stage), dbclient.MySQLClient(caFile(env)), dbclient.LocalPort, shell.Quote(dbName(env)), quotedSQL)
}

// tlsNote says, after the note of the first mysql command shown, what its TLS options check.
func tlsNote(env *Env) string {
	if caFile(env) == "" {
		return ""
	}
	return noteMySQLTLS
}

// caFile is the CA bundle that verifies the database's certificate (the sandbox's, or
// --db-ca-bundle), or "" when there is none.
func caFile(env *Env) string {
	if env == nil || env.DBCA == nil {
		return ""
	}
	return env.DBCA.File
}

// passwordOf is a substitution that reads the password of a secret's version.
func passwordOf(env *Env, secretID, stage string) string {
	return "$(" + secretValueCmd(env, secretID, stage) + " | jq -r .password)"
}

// randomPasswordCmd is the substitution that makes a password the way the
// rotation templates do.
func randomPasswordCmd(env *Env) string {
	return "$(" + awsCmd(env, "secretsmanager", "get-random-password", "--password-length", "32",
		"--exclude-characters", shell.Quote(excludeCharacters), "--output", "text") + ")"
}

func dbName(env *Env) string {
	if env == nil || env.DBName == "" {
		return DefaultDBName
	}
	return env.DBName
}

func sqlUser(u string) string { return dbclient.Account(u) }

// sshTunnelCmd forwards the local port to the database through the bastion.
func sshTunnelCmd(env *Env) string {
	host, port, err := net.SplitHostPort(env.SSH.Addr)
	if err != nil {
		host, port = env.SSH.Addr, "22"
	}
	parts := []string{"ssh", "-F", "/dev/null"}
	if env.SSH.KeyFile != "" {
		parts = append(parts, "-i", shell.Quote(env.SSH.KeyFile), "-o", "IdentitiesOnly=yes")
	}
	if env.SSH.KnownHostsFile != "" {
		parts = append(parts, "-o", "UserKnownHostsFile="+shell.Quote(env.SSH.KnownHostsFile))
	}
	parts = append(parts, "-o", "StrictHostKeyChecking=yes", "-N", "-L",
		fmt.Sprintf("%d:%s:%d", dbclient.LocalPort, env.DBHost, env.DBPort))
	if port != "22" {
		parts = append(parts, "-p", port)
	}
	return strings.Join(append(parts, env.SSH.User+"@"+host), " ")
}

// selfCmd runs this program's command sub, on this state, from a new shell.
func selfCmd(s *Session, sub string, args ...string) string {
	c := s.opts.SelfCommand
	if c == "" {
		c = "rotation-tutor"
	}
	parts := []string{c, sub}
	if s.opts.StateDir != "" {
		parts = append(parts, "--state", shell.Quote(s.opts.StateDir))
	}
	return strings.Join(append(parts, args...), " ")
}

// awsFlags are the flags that point a new rotation-tutor at the same account.
func awsFlags(env *Env) []string {
	f := []string{"--aws", "--region", env.Region, "--bastion", shell.Quote(env.SSH.User + "@" + env.SSH.Addr),
		"--db-host", env.DBHost, "--db-port", strconv.Itoa(env.DBPort), "--admin-secret", shell.Quote(env.AdminSecretARN),
		"--secret-name", shell.Quote(env.SecretName)}
	if env.Profile != "" {
		f = append(f, "--profile", shell.Quote(env.Profile))
	}
	if env.SecretsEndpoint != "" {
		f = append(f, "--endpoint-url", env.SecretsEndpoint)
	}
	if env.SSH.KeyFile != "" {
		f = append(f, "--key", shell.Quote(env.SSH.KeyFile))
	}
	if env.SSH.KnownHostsFile != "" {
		f = append(f, "--known-hosts", shell.Quote(env.SSH.KnownHostsFile))
	}
	if env.RotationLambdaARN != "" {
		f = append(f, "--rotation-lambda-arn", env.RotationLambdaARN)
	}
	return f
}

// workbenchFields are the settings of a MySQL Workbench connection through the bastion.
func workbenchFields(env *Env, name, mysqlUser, passwordFrom string) string {
	key := "ssh-agent (no key file)"
	if env.SSH.KeyFile != "" {
		key = env.SSH.KeyFile
	}
	rows := [][2]string{
		{"Connection Name", name},
		{"Connection Method", "Standard TCP/IP over SSH"},
		{"SSH Hostname", env.SSH.Addr},
		{"SSH Username", env.SSH.User},
		{"SSH Key File", key},
		{"MySQL Hostname", env.DBHost},
		{"MySQL Server Port", strconv.Itoa(env.DBPort)},
		{"Username", mysqlUser},
		{"Password", passwordFrom},
	}
	if ca := caFile(env); ca != "" {
		// Not Verify Identity: through SSH, Workbench too connects to its tunnel's local end.
		rows = append(rows, [2]string{"Use SSL (SSL tab)", "Require and Verify CA"}, [2]string{"SSL CA File", ca})
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

// unfinishedCommands are the two ways out of a rotation left unfinished:
// run its remaining steps (the function, invoked by hand with the pending
// version's token), or take AWSPENDING off.
func unfinishedCommands(env *Env, u *rotation.Unfinished, function string) []Command {
	var out []Command
	if function != "" && !u.Stale {
		payload := func(step string) string {
			return shell.Quote(fmt.Sprintf(`{"Step":"%s","SecretId":"%s","ClientRequestToken":"%s"}`, step, env.SecretName, u.Pending))
		}
		var steps []string
		for _, step := range rotation.Steps {
			steps = append(steps, awsCmd(env, "lambda", "invoke", "--function-name", function,
				"--cli-binary-format", "raw-in-base64-out", "--payload", payload(step), "/dev/stdout"))
		}
		out = append(out, Command{Tool: "aws", Note: "finish it: run the four steps again for version " + short(u.Pending) +
			" (each one skips what is already done)", Text: strings.Join(steps, " &&\n")})
	}
	out = append(out, Command{Tool: "aws", Note: "cancel it: take AWSPENDING off version " + short(u.Pending),
		Text: awsCmd(env, "secretsmanager", "update-secret-version-stage", "--secret-id", shell.Quote(env.SecretName),
			"--version-stage", rotation.StagePending, "--remove-from-version-id", u.Pending)})
	return out
}
