package sandbox

import (
	"fmt"
	"io"
	"net"
	"strconv"
	"strings"

	"golang.org/x/crypto/ssh"

	"rotation-tutor/dbclient"
	"rotation-tutor/internal/shell"
	"rotation-tutor/sandbox/bastion"
	"rotation-tutor/sandbox/database"
	"rotation-tutor/sandbox/lambda"
	"rotation-tutor/sandbox/rds"
	"rotation-tutor/sandbox/secretsmanager"
)

// Info is what `rotation-tutor sandbox --json` prints. Its keys are a contract: scripts,
// tests and the README rely on them.
type Info struct {
	Region                 string `json:"region"`
	AccountID              string `json:"account_id"`
	SecretsManagerEndpoint string `json:"secretsmanager_endpoint"`
	AccessKeyID            string `json:"access_key_id"`
	SecretAccessKey        string `json:"secret_access_key"`
	// CredentialsFile holds the access key in the aws CLI's format, under the
	// profile CredentialsProfile; the printed commands read it from there.
	CredentialsFile    string       `json:"credentials_file"`
	CredentialsProfile string       `json:"credentials_profile"`
	Database           DatabaseInfo `json:"database"`
	// ClassicDatabase is the older tutorial's instance: no RDS-managed secret; its master
	// password is the learner's to keep (MasterPassword tells it).
	ClassicDatabase       DatabaseInfo `json:"classic_database"`
	Bastion               BastionInfo  `json:"bastion"`
	RotationFunctionARN   string       `json:"rotation_function_arn"`
	SingleUserFunctionARN string       `json:"single_user_function_arn"`
	Commands              Commands     `json:"commands"`
	// TimeScale is how many seconds of the sandbox's clock pass per real
	// second: its dates (describe-secret's too) and schedules run on it.
	TimeScale float64 `json:"time_scale"`
}

// DatabaseInfo describes the RDS-like instance. Host is its internal name: only the bastion
// and the rotation functions resolve it, as with an RDS instance in a private subnet.
type DatabaseInfo struct {
	Instance       string `json:"instance"`
	Host           string `json:"host"`
	Port           int    `json:"port"`
	Name           string `json:"name"`
	Engine         string `json:"engine"`
	MasterUser     string `json:"master_user"`
	AdminSecretARN string `json:"admin_secret_arn,omitempty"` // the RDS-managed one, if RDS manages it
	// CABundleFile verifies the instance's TLS certificate, which names Host: the sandbox's
	// CA, as RDS's global-bundle.pem is for RDS.
	CABundleFile string `json:"ca_bundle_file"`
	// RequireSecureTransport says the instance refused plain-text logins when the sandbox
	// started: require_secure_transport in its parameter group (--db-require-tls sets it).
	RequireSecureTransport bool `json:"require_secure_transport"`
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
	accessKey                                secretsmanager.AccessKey
	credentialsFile                          string
	bastion                                  *bastion.Bastion
	keyFile, knownHosts, engine              string
	classic                                  rds.Instance
	timeScale                                float64
	caFile                                   string
	requireTLS                               bool
}

func newInfo(f infoFacts) Info {
	bHost, bPortStr, _ := net.SplitHostPort(f.bastion.Addr())
	bPort, _ := strconv.Atoi(bPortStr)
	in := Info{
		Region: f.region, AccountID: AccountID, SecretsManagerEndpoint: f.endpoint,
		AccessKeyID: f.accessKey.ID, SecretAccessKey: f.accessKey.Secret,
		CredentialsFile: f.credentialsFile, CredentialsProfile: credentialsProfile,
		Database: DatabaseInfo{Instance: InstanceID, Host: f.internalHost, Port: dbPort,
			Name: database.DBName, Engine: f.engine, MasterUser: AdminUser, AdminSecretARN: f.adminARN,
			CABundleFile: f.caFile, RequireSecureTransport: f.requireTLS},
		ClassicDatabase: DatabaseInfo{Instance: ClassicInstanceID, Host: f.classic.Address, Port: f.classic.Port,
			Name: ClassicDBName, Engine: f.engine, MasterUser: f.classic.MasterUsername,
			CABundleFile: f.caFile, RequireSecureTransport: f.requireTLS},
		Bastion: BastionInfo{Host: bHost, Port: bPort, User: BastionUser, PrivateKeyFile: f.keyFile,
			KnownHostsFile: f.knownHosts, HostKeyFingerprint: ssh.FingerprintSHA256(f.bastion.HostKey())},
		RotationFunctionARN:   lambda.AlternatingARN(f.region),
		SingleUserFunctionARN: lambda.SingleUserARN(f.region),
		TimeScale:             f.timeScale,
	}
	// The commands name the credentials file and its profile rather than carry the secret
	// key: it stays off the screen, out of shell history and out of ps. --profile (not
	// AWS_PROFILE) makes the CLI ignore access keys already in the environment.
	env := fmt.Sprintf("AWS_SHARED_CREDENTIALS_FILE=%s", shell.Quote(in.CredentialsFile))
	aws := fmt.Sprintf("aws --profile %s --region %s --endpoint-url %s", in.CredentialsProfile, in.Region, in.SecretsManagerEndpoint)
	in.Commands = Commands{
		AWSEnv: fmt.Sprintf("unset AWS_ACCESS_KEY_ID AWS_SECRET_ACCESS_KEY AWS_SESSION_TOKEN; export %s AWS_PROFILE=%s AWS_DEFAULT_REGION=%s",
			env, in.CredentialsProfile, in.Region),
		ListSecrets: env + " " + aws + " secretsmanager list-secrets",
		AdminPassword: fmt.Sprintf("%s %s secretsmanager get-secret-value --secret-id '%s' --query SecretString --output text | jq -r .password",
			env, aws, in.Database.AdminSecretARN),
		SSHTunnel: fmt.Sprintf("ssh -F /dev/null -i %s -o IdentitiesOnly=yes -o UserKnownHostsFile=%s -o StrictHostKeyChecking=yes -N -L %d:%s:%d -p %d %s@%s",
			shell.Quote(in.Bastion.PrivateKeyFile), shell.Quote(in.Bastion.KnownHostsFile), dbclient.LocalPort,
			in.Database.Host, in.Database.Port, in.Bastion.Port, in.Bastion.User, in.Bastion.Host),
	}
	in.Commands.MySQL = fmt.Sprintf("MYSQL_PWD=\"$(%s)\" %s -h 127.0.0.1 -P %d -u %s %s",
		in.Commands.AdminPassword, dbclient.MySQLClient(in.Database.CABundleFile), dbclient.LocalPort, AdminUser, in.Database.Name)
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
	p("secret access key", mask(in.SecretAccessKey)+"  (this state directory's own; --json shows it)")
	p("credentials file", in.CredentialsFile+" (profile "+in.CredentialsProfile+")")
	p("rotation function", in.RotationFunctionARN)
	if in.TimeScale > 1 {
		p("clock", fmt.Sprintf("%g× real time: schedules fire by themselves, and dates (describe-secret's too) are on this clock", in.TimeScale))
	}
	fmt.Fprintln(w, "\nDatabase (reachable only through the bastion)")
	p("host:port", net.JoinHostPort(in.Database.Host, strconv.Itoa(in.Database.Port)))
	p("database / engine", in.Database.Name+" / "+in.Database.Engine)
	p("admin secret", in.Database.AdminSecretARN)
	p("TLS", in.Database.tlsSummary())
	p("CA bundle", in.Database.CABundleFile)
	fmt.Fprintln(w, "\nThe older tutorial's database (reachable only through the bastion)")
	p("instance", in.ClassicDatabase.Instance)
	p("host:port", net.JoinHostPort(in.ClassicDatabase.Host, strconv.Itoa(in.ClassicDatabase.Port)))
	p("database / master user", in.ClassicDatabase.Name+" / "+in.ClassicDatabase.MasterUser)
	p("master password", "yours to keep in a secret; --master-password prints it")
	fmt.Fprintln(w, "\nBastion")
	p("address", fmt.Sprintf("%s@%s:%d", in.Bastion.User, in.Bastion.Host, in.Bastion.Port))
	p("host key", in.Bastion.HostKeyFingerprint)
	p("private key", in.Bastion.PrivateKeyFile)
	p("known_hosts", in.Bastion.KnownHostsFile)
	fmt.Fprintln(w, "\nTry it")
	fmt.Fprintf(w, "  # your aws CLI, pointed at the sandbox:\n  %s\n", in.Commands.ListSecrets)
	fmt.Fprintf(w, "  # a tunnel through the bastion (leave it running):\n  %s\n", in.Commands.SSHTunnel)
	fmt.Fprintf(w, "  # then, in another shell, log in as the admin (password read from its secret;\n")
	fmt.Fprintf(w, "  # --ssl-ca checks the certificate's CA; its name is the instance's, not 127.0.0.1):\n  %s\n", in.Commands.MySQL)
}

// tlsSummary says how the instance takes logins, in a few words.
func (d DatabaseInfo) tlsSummary() string {
	if d.RequireSecureTransport {
		return "required (require_secure_transport ON: plain text is refused)"
	}
	return "offered (plain text allowed; --db-require-tls refuses it)"
}

// AccessKey is the key pair the endpoint accepts, for an SDK client (lambda.NewSecretsClient).
func (in Info) AccessKey() secretsmanager.AccessKey {
	return secretsmanager.AccessKey{ID: in.AccessKeyID, Secret: in.SecretAccessKey}
}

func mask(s string) string {
	if len(s) <= 4 {
		return "****"
	}
	return s[:2] + strings.Repeat("*", 8)
}
