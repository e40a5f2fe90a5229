package sandbox

import (
	"fmt"
	"io"
	"net"
	"strconv"
	"strings"

	"golang.org/x/crypto/ssh"

	"rotation-tutor/dbclient"
	"rotation-tutor/sandbox/bastion"
	"rotation-tutor/sandbox/database"
	"rotation-tutor/sandbox/lambda"
)

// Info is what `rotation-tutor sandbox --json` prints. Its keys are a contract: scripts,
// tests and the README rely on them.
type Info struct {
	Region                 string       `json:"region"`
	AccountID              string       `json:"account_id"`
	SecretsManagerEndpoint string       `json:"secretsmanager_endpoint"`
	AccessKeyID            string       `json:"access_key_id"`
	SecretAccessKey        string       `json:"secret_access_key"`
	Database               DatabaseInfo `json:"database"`
	Bastion                BastionInfo  `json:"bastion"`
	RotationFunctionARN    string       `json:"rotation_function_arn"`
	SingleUserFunctionARN  string       `json:"single_user_function_arn"`
	Commands               Commands     `json:"commands"`
}

// DatabaseInfo describes the RDS-like instance. Host is its internal name: only the bastion
// and the rotation functions resolve it, as with an RDS instance in a private subnet.
type DatabaseInfo struct {
	Instance       string `json:"instance"`
	Host           string `json:"host"`
	Port           int    `json:"port"`
	Name           string `json:"name"`
	Engine         string `json:"engine"`
	AdminSecretARN string `json:"admin_secret_arn"`
}

// BastionInfo is what an EC2 console would show for the bastion, plus the files ssh needs.
type BastionInfo struct {
	Host               string `json:"host"`
	Port               int    `json:"port"`
	User               string `json:"user"`
	PrivateKeyFile     string `json:"private_key_file"`
	KnownHostsFile     string `json:"known_hosts_file"`
	HostKeyFingerprint string `json:"host_key_fingerprint"`
}

// Commands are ready to paste into a shell while the sandbox runs.
type Commands struct {
	AWSEnv        string `json:"aws_env"`
	ListSecrets   string `json:"aws"`
	AdminPassword string `json:"admin_password"`
	SSHTunnel     string `json:"ssh_tunnel"`
	MySQL         string `json:"mysql"`
}

type infoFacts struct {
	region, endpoint, internalHost, adminARN string
	bastion                                  *bastion.Bastion
	keyFile, knownHosts, engine              string
}

func newInfo(f infoFacts) Info {
	bHost, bPortStr, _ := net.SplitHostPort(f.bastion.Addr())
	bPort, _ := strconv.Atoi(bPortStr)
	in := Info{
		Region: f.region, AccountID: AccountID, SecretsManagerEndpoint: f.endpoint,
		AccessKeyID: AccessKeyID, SecretAccessKey: SecretAccessKey,
		Database: DatabaseInfo{Instance: InstanceID, Host: f.internalHost, Port: dbPort,
			Name: database.DBName, Engine: f.engine, AdminSecretARN: f.adminARN},
		Bastion: BastionInfo{Host: bHost, Port: bPort, User: BastionUser, PrivateKeyFile: f.keyFile,
			KnownHostsFile: f.knownHosts, HostKeyFingerprint: ssh.FingerprintSHA256(f.bastion.HostKey())},
		RotationFunctionARN:   lambda.AlternatingARN(f.region),
		SingleUserFunctionARN: lambda.SingleUserARN(f.region),
	}
	env := fmt.Sprintf("AWS_ACCESS_KEY_ID=%s AWS_SECRET_ACCESS_KEY=%s AWS_DEFAULT_REGION=%s",
		in.AccessKeyID, in.SecretAccessKey, in.Region)
	aws := fmt.Sprintf("aws --endpoint-url %s", in.SecretsManagerEndpoint)
	in.Commands = Commands{
		AWSEnv:      "export " + env,
		ListSecrets: env + " " + aws + " secretsmanager list-secrets",
		AdminPassword: fmt.Sprintf("%s %s secretsmanager get-secret-value --secret-id '%s' --query SecretString --output text | jq -r .password",
			env, aws, in.Database.AdminSecretARN),
		SSHTunnel: fmt.Sprintf("ssh -F /dev/null -i %s -o IdentitiesOnly=yes -o UserKnownHostsFile=%s -o StrictHostKeyChecking=yes -N -L %d:%s:%d -p %d %s@%s",
			shellQuote(in.Bastion.PrivateKeyFile), shellQuote(in.Bastion.KnownHostsFile), dbclient.LocalPort,
			in.Database.Host, in.Database.Port, in.Bastion.Port, in.Bastion.User, in.Bastion.Host),
	}
	in.Commands.MySQL = fmt.Sprintf("MYSQL_PWD=\"$(%s)\" mysql -h 127.0.0.1 -P %d -u %s %s",
		in.Commands.AdminPassword, dbclient.LocalPort, AdminUser, in.Database.Name)
	return in
}

// WriteSummary prints the facts for a person, with the secret access key masked.
func (in Info) WriteSummary(w io.Writer) {
	p := func(k, v string) { fmt.Fprintf(w, "  %-26s %s\n", k, v) }
	fmt.Fprintln(w, "Sandbox ready (Ctrl+C stops it).")
	fmt.Fprintln(w, "\nSecrets Manager")
	p("endpoint", in.SecretsManagerEndpoint)
	p("region / account", in.Region+" / "+in.AccountID)
	p("access key id", in.AccessKeyID)
	p("secret access key", mask(in.SecretAccessKey)+"  (any value works; --json shows it)")
	p("rotation function", in.RotationFunctionARN)
	fmt.Fprintln(w, "\nDatabase (reachable only through the bastion)")
	p("host:port", net.JoinHostPort(in.Database.Host, strconv.Itoa(in.Database.Port)))
	p("database / engine", in.Database.Name+" / "+in.Database.Engine)
	p("admin secret", in.Database.AdminSecretARN)
	fmt.Fprintln(w, "\nBastion")
	p("address", fmt.Sprintf("%s@%s:%d", in.Bastion.User, in.Bastion.Host, in.Bastion.Port))
	p("host key", in.Bastion.HostKeyFingerprint)
	p("private key", in.Bastion.PrivateKeyFile)
	p("known_hosts", in.Bastion.KnownHostsFile)
	fmt.Fprintln(w, "\nTry it")
	fmt.Fprintf(w, "  # your aws CLI, pointed at the sandbox:\n  %s\n", strings.Replace(in.Commands.ListSecrets, in.SecretAccessKey, "any-value-works", 1))
	fmt.Fprintf(w, "  # a tunnel through the bastion (leave it running):\n  %s\n", in.Commands.SSHTunnel)
	fmt.Fprintf(w, "  # then, in another shell, log in as the admin (password read from its secret):\n  %s\n",
		strings.Replace(in.Commands.MySQL, in.SecretAccessKey, "any-value-works", 1))
}

func mask(s string) string {
	if len(s) <= 4 {
		return "****"
	}
	return s[:2] + strings.Repeat("*", 8)
}

// shellQuote quotes a path for a POSIX shell when it needs it.
func shellQuote(s string) string {
	if s != "" && strings.IndexFunc(s, func(r rune) bool {
		return !(r == '/' || r == '.' || r == '-' || r == '_' || r == '+' || r >= '0' && r <= '9' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z')
	}) < 0 {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'"'"'`) + "'"
}
