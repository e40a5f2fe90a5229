package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"golang.org/x/crypto/ssh"

	"rotation-tutor/internal/vclock"
	"rotation-tutor/rotation"
	"rotation-tutor/steps"
	"rotation-tutor/world"
)

var errHelp = flag.ErrHelp

// options is every flag of every command; each command registers the subset it reads.
type options struct {
	stateDir string
	reset    bool
	json     bool
	yes      bool
	engine   string // sandbox database: "gms" (embedded) or "mariadb"
	dbTLS    bool   // sandbox database: refuse plain text (require_secure_transport ON)
	strategy string // "" when not given: the saved choice stands
	flavour  string // "" when not given: the saved choice stands

	aws         bool
	profile     string
	region      string
	endpointURL string
	bastion     string
	keyFile     string
	knownHosts  string
	dbHost      string
	dbPort      int
	dbInstance  string
	dbCABundle  string
	adminSecret string
	secretName  string
	lambdaARN   string
	trustHost   string

	clients   int
	rotations int

	masterPassword bool // sandbox: print the older tutorial's master password and exit
	present        bool
	serve          serveOptions
	serveBench     serveBenchOptions

	args []string // the words after the flags, for a command that takes them

	timeScale float64 // the sandbox clock's speed; 1 is real time
}

type flagGroup int

const (
	groupState flagGroup = 1 << iota
	groupOutput
	groupWorld
	groupTutorial
	groupBench
	groupYes
	groupEngine
	groupMasterPassword
	groupPresent
	groupServe
	groupClock
)

func newFlagSet(cmd command, stderr io.Writer) (*flag.FlagSet, *options) {
	o := &options{}
	fs := flag.NewFlagSet("rotation-tutor "+cmd.name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprintf(stderr, "%s\n\nUsage:\n  %s\n", cmd.summary, cmd.usage)
		fmt.Fprintln(stderr, "\nFlags:")
		fs.PrintDefaults()
		if cmd.name == "" {
			fmt.Fprintln(stderr)
			printCommands(stderr)
		}
	}
	if cmd.groups&groupState != 0 {
		fs.StringVar(&o.stateDir, "state", defaultStateDir(), "directory for progress and sandbox data")
		fs.BoolVar(&o.reset, "reset", false, "forget progress and sandbox data, and start over")
	}
	if cmd.groups&groupOutput != 0 {
		fs.BoolVar(&o.json, "json", false, "print JSON instead of text")
	}
	if cmd.groups&groupYes != 0 {
		fs.BoolVar(&o.yes, "yes", false, "act without asking (required against a real account)")
	}
	if cmd.groups&groupEngine != 0 {
		fs.StringVar(&o.engine, "db", "gms", "sandbox database: gms (embedded, no set-up) or mariadb (a real mariadbd child process)")
		fs.BoolVar(&o.dbTLS, "db-require-tls", false, "sandbox database: refuse logins without TLS, as RDS for MySQL 9.7 and RDS for MariaDB 11.8 do by default (require_secure_transport ON in its parameter group, which keeps it until aws rds modify-db-parameter-group sets it to 0)")
	}
	if cmd.groups&groupClock != 0 {
		fs.Float64Var(&o.timeScale, "time-scale", 1, "sandbox only: N seconds of the sandbox's clock per real second (86400: a day per second); schedules fire by themselves on it")
	}
	if cmd.groups&groupWorld != 0 {
		fs.BoolVar(&o.aws, "aws", false, "use a real AWS account instead of the sandbox")
		fs.StringVar(&o.profile, "profile", "", "AWS profile (default: AWS_PROFILE or the default chain)")
		fs.StringVar(&o.region, "region", "", "AWS region (default: AWS_REGION or the profile's)")
		fs.StringVar(&o.endpointURL, "endpoint-url", "", "Secrets Manager and RDS endpoint URL (VPC endpoints, tests)")
		fs.StringVar(&o.bastion, "bastion", "", "SSH bastion as user@host[:port]")
		fs.StringVar(&o.keyFile, "key", "", "SSH private key file (default: ssh-agent via SSH_AUTH_SOCK)")
		fs.StringVar(&o.knownHosts, "known-hosts", "", "known_hosts file (default ~/.ssh/known_hosts)")
		fs.StringVar(&o.dbHost, "db-host", "", "database endpoint as the bastion sees it (default: discovered from RDS)")
		fs.IntVar(&o.dbPort, "db-port", 0, "database port (default: discovered from RDS, or 3306)")
		fs.StringVar(&o.dbInstance, "db-instance", "", "RDS DB instance identifier, for discovery (default: secretsmanagertutorial, or MyTestDatabaseInstance with --tutorial classic)")
		fs.StringVar(&o.dbCABundle, "db-ca-bundle", "", "RDS's CA bundle (global-bundle.pem) that verifies the database's TLS certificate (default: TLS unverified)")
		fs.StringVar(&o.adminSecret, "admin-secret", "", "ARN of the admin secret (default: the instance's RDS-managed secret)")
		fs.StringVar(&o.secretName, "secret-name", "", "name of the application user's secret (default: the tutorial's, SecretsManagerTutorialAppuser or MyTestDatabaseUserSecret)")
		fs.StringVar(&o.lambdaARN, "rotation-lambda-arn", "", "rotation function ARN (default on AWS: rotate locally through the tunnel)")
		fs.StringVar(&o.trustHost, "trust-host-key", "", "trust a bastion not yet in known_hosts if its key has this fingerprint (SHA256:…), and record it")
	}
	if cmd.name == "lab" {
		fs.StringVar(&o.secretName, "secret-name", "SecretsManagerTutorialAppuser", "name of the application user's secret")
	}
	if cmd.groups&groupTutorial != 0 {
		fs.StringVar(&o.strategy, "strategy", "", "rotation strategy: alternating (users) or single (user); default: the saved choice, else alternating")
		fs.StringVar(&o.flavour, "tutorial", "", "which tutorial to follow: current (2-day schedule) or classic (30 days, rotate twice); default: the saved choice, else current")
	}
	if cmd.groups&groupMasterPassword != 0 {
		fs.BoolVar(&o.masterPassword, "master-password", false, "print the master password of the older tutorial's instance (MyTestDatabaseInstance), the one you would have chosen when creating it, and exit")
	}
	if cmd.groups&groupPresent != 0 {
		fs.BoolVar(&o.present, "present", false, "presenter mode, for a projector: a pause before each step, no commands by hand, no secret ever revealed")
	}
	if cmd.groups&groupServe != 0 {
		o.serve.register(fs)
	}
	if cmd.groups&groupBench != 0 {
		o.serveBench.register(fs)
		fs.IntVar(&o.clients, "clients", 50, "simulated application clients")
		fs.IntVar(&o.rotations, "rotations", 100, "rotations per strategy")
	}
	return fs, o
}

func (o *options) validate(cmd command) error {
	if cmd.groups&groupEngine != 0 {
		switch o.engine {
		case "gms", "mariadb":
		default:
			return fmt.Errorf("--db must be gms or mariadb, not %q", o.engine)
		}
	}
	if cmd.groups&groupWorld != 0 {
		if o.aws && o.dbTLS {
			return errors.New("--db-require-tls only applies to the sandbox: your RDS instance's parameter group decides (require_secure_transport)")
		}
		if !o.aws {
			for name, v := range map[string]string{"--bastion": o.bastion, "--key": o.keyFile, "--db-host": o.dbHost, "--admin-secret": o.adminSecret, "--profile": o.profile, "--trust-host-key": o.trustHost, "--db-ca-bundle": o.dbCABundle} {
				if v != "" {
					return fmt.Errorf("%s only applies with --aws (the sandbox brings its own)", name)
				}
			}
		}
		if o.trustHost != "" && !strings.HasPrefix(o.trustHost, "SHA256:") {
			return fmt.Errorf("--trust-host-key takes a fingerprint as ssh-keygen -l prints it: SHA256:…")
		}
		if o.dbPort < 0 || o.dbPort > 65535 {
			return fmt.Errorf("--db-port must be between 1 and 65535")
		}
	}
	if cmd.groups&groupClock != 0 {
		if err := vclock.CheckScale(o.timeScale); err != nil {
			return fmt.Errorf("--time-scale: %w", err)
		}
		if o.aws && o.timeScale != 1 {
			return errors.New("--time-scale only applies to the sandbox: a real account runs on real time")
		}
	}
	if cmd.groups&groupTutorial != 0 {
		if o.strategy != "" {
			if _, err := rotation.ParseStrategy(o.strategy); err != nil {
				return fmt.Errorf("--%w", err)
			}
		}
		switch o.flavour {
		case "", "current", "classic":
		default:
			return fmt.Errorf("--tutorial must be current or classic, not %q", o.flavour)
		}
	}
	if o.masterPassword && (o.reset || o.json) {
		return errors.New("--master-password only prints the password: it takes neither --reset nor --json")
	}
	if cmd.groups&groupServe != 0 {
		if err := o.serve.validate(); err != nil {
			return err
		}
	}
	if cmd.groups&groupBench != 0 && (o.clients < 1 || o.rotations < 1) {
		return errors.New("--clients and --rotations must be at least 1")
	}
	if cmd.groups&groupBench != 0 {
		if err := o.serveBench.validate(); err != nil {
			return err
		}
	}
	if o.dbCABundle != "" {
		// The mysql commands shown name it, and run from any directory.
		abs, err := filepath.Abs(o.dbCABundle)
		if err != nil {
			return fmt.Errorf("--db-ca-bundle: %w", err)
		}
		o.dbCABundle = abs
	}
	if o.stateDir != "" {
		abs, err := filepath.Abs(o.stateDir)
		if err != nil {
			return fmt.Errorf("--state: %w", err)
		}
		o.stateDir = abs
	}
	return nil
}

func printUsage(w io.Writer) {
	fmt.Fprintln(w, "rotation-tutor: learn, demo and troubleshoot Secrets Manager alternating-users rotation")
	fmt.Fprintln(w)
	printCommands(w)
	fmt.Fprintln(w, "\nRun 'rotation-tutor COMMAND --help' for a command's flags.")
}

func printCommands(w io.Writer) {
	fmt.Fprintln(w, "Commands:")
	for _, name := range commandOrder {
		c := commands[name]
		fmt.Fprintf(w, "  %-44s %s\n", strings.TrimPrefix(c.usage, "rotation-tutor "), c.summary)
	}
}

// awsOptions are the real-AWS settings the flags give; the world completes them with what an
// earlier run in the same environment remembered (never secrets).
func (o *options) awsOptions() world.AWSOptions {
	instance := o.dbInstance
	if instance == "" {
		instance = steps.TutorialFor(o.flavour).Instance
	}
	given := world.AWSOptions{
		Profile: o.profile, Region: o.region, EndpointURL: o.endpointURL, Bastion: o.bastion,
		KeyFile: o.keyFile, KnownHostsFile: o.knownHosts, DBHost: o.dbHost, DBPort: o.dbPort, DBCABundle: o.dbCABundle,
		DBInstance: instance, AdminSecretARN: o.adminSecret, SecretName: o.secretName,
		RotationLambdaARN: o.lambdaARN,
	}
	if o.trustHost != "" {
		// Trust on first use, but only for the key the operator vouched for: anything else
		// is refused as unknown, and a changed key is refused whatever this says.
		given.OnUnknownHost = func(_ string, key ssh.PublicKey) bool { return ssh.FingerprintSHA256(key) == o.trustHost }
	}
	return given
}

// sessionOptions are the walkthrough's settings from the flags: a strategy or tutorial given
// replaces the saved choice; one not given keeps it.
func (o *options) sessionOptions() steps.Options {
	strategy, _ := rotation.ParseStrategy(o.strategy) // validated
	if o.strategy == "" {
		strategy = ""
	}
	return steps.Options{Strategy: strategy, Flavour: o.flavour, StateDir: o.stateDir, SelfCommand: selfCommand()}
}

// selfCommand runs this program from a new shell, for the commands the walkthrough shows:
// the executable by its absolute path, since a new shell's PATH may not hold it.
func selfCommand() string {
	exe, err := os.Executable()
	if err != nil {
		return "rotation-tutor"
	}
	return shellWord(exe)
}

// shellWord quotes s for a POSIX shell when it needs it.
func shellWord(s string) string {
	if s != "" && !strings.ContainsAny(s, " \t\n'\"\\$`!*?[]{}()<>|&;#~") {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}
