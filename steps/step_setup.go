package steps

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	sm "github.com/aws/aws-sdk-go-v2/service/secretsmanager"

	"rotation-tutor/dbclient"
)

func welcomeStep() Step {
	return Step{ID: Welcome, Title: titleWelcome, Action: actionWelcome, explain: explainWelcome,
		run: func(ctx context.Context, s *Session) (Result, error) {
			o := s.Options()
			return Result{Summary: fmt.Sprintf("%s rotation, %s tutorial", strategyName(o.Strategy), flavourName(o.Flavour)),
				Facts: []Fact{{"Strategy", strategyName(o.Strategy)}, {"Tutorial", flavourName(o.Flavour)}}}, nil
		}}
}

func strategyName(s string) string {
	if s == StrategySingle {
		return "single-user"
	}
	return "alternating-users"
}

func flavourName(f string) string {
	if f == FlavourClassic {
		return "older (30 days, SELECT-only user, rotate twice)"
	}
	return "current (2 days, 2h window, rotate immediately)"
}

func environmentStep() Step {
	return Step{ID: Environment, Title: titleEnvironment, Action: actionEnvironment, explain: explainEnvironment,
		commands: func(s *Session, reveal bool) []Command {
			env := s.Env()
			if env != nil && env.Kind == KindAWS {
				inst := "<instance>"
				if env.DBInstance != "" {
					inst = env.DBInstance
				}
				return []Command{
					{Tool: "aws", Note: "who am I", Text: "aws sts get-caller-identity"},
					{Tool: "aws", Note: "the database and its RDS-managed admin secret", Text: "aws rds describe-db-instances --db-instance-identifier " + inst +
						" --query 'DBInstances[0].[Endpoint.Address,MasterUserSecret.SecretArn]'"},
				}
			}
			admin := "<admin secret ARN>"
			if env != nil && env.AdminSecretARN != "" {
				admin = env.AdminSecretARN
			}
			return []Command{
				{Tool: "shell", Note: "run the same sandbox without the walkthrough", Text: "rotation-tutor sandbox"},
				{Tool: "aws", Note: "the admin secret RDS would have made (any credentials work in the sandbox)", Text: awsCmd(s, "describe-secret", "--secret-id", shellQuote(admin))},
			}
		},
		run: func(ctx context.Context, s *Session) (Result, error) {
			env, err := s.Start(ctx, nil)
			if err != nil {
				return Result{}, failFix("start the "+worldName(s), "Check the settings shown above; for a real account, `aws sts get-caller-identity` must work.", err)
			}
			return environmentResult(env), nil
		}}
}

func worldName(s *Session) string {
	if env := s.Env(); env != nil && env.Kind == KindAWS {
		return "connection to your AWS account"
	}
	return "environment"
}

// environmentResult lists the pieces of the world: what the diagram draws.
func environmentResult(env *Env) Result {
	fn := env.RotationLambdaARN
	if fn == "" {
		fn = noteLocalRotator
	}
	summary := "sandbox running on loopback"
	if env.Kind == KindAWS {
		summary = "connected to your AWS account in " + env.Region
	}
	endpoint := env.SecretsEndpoint
	if endpoint == "" {
		endpoint = "https://secretsmanager." + env.Region + ".amazonaws.com"
	}
	return Result{Summary: summary, Facts: []Fact{
		{"Bastion", env.SSH.User + "@" + env.SSH.Addr},
		{"Database", fmt.Sprintf("%s:%d (%s)", env.DBHost, env.DBPort, env.DBInstance)},
		{"Secrets Manager", endpoint},
		{"Admin secret", env.AdminSecretARN},
		{"Rotation function", fn},
	}}
}

func connectStep() Step {
	return Step{ID: Connect, Title: titleConnect, Action: actionConnect, explain: explainConnect,
		commands: func(s *Session, reveal bool) []Command {
			admin := "<admin secret ARN>"
			if env := s.Env(); env != nil && env.AdminSecretARN != "" {
				admin = env.AdminSecretARN
			}
			return []Command{
				{Tool: "ssh", Note: "forward local port 3306 to the database through the bastion", Text: sshTunnelCmd(s)},
				{Tool: "aws", Note: "read the admin password", Text: awsCmd(s, "get-secret-value", "--secret-id", shellQuote(admin), "--query", "SecretString", "--output", "text")},
				{Tool: "mysql", Note: "log in as admin through the tunnel", Text: mysqlCmd(s.adminName(), "SELECT VERSION()")},
				{Tool: "workbench", Note: "the same connection in MySQL Workbench", Text: workbenchFields(s, s.adminName())},
			}
		},
		run: runConnect}
}

func (s *Session) adminName() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.adminUser != "" {
		return s.adminUser
	}
	return "admin"
}

func (s *Session) requireEnv() (*Env, error) {
	env := s.Env()
	if env == nil {
		return nil, failFix("use the environment", "Start the environment first (press b to go back).", errors.New("the environment has not started"))
	}
	return env, nil
}

func runConnect(ctx context.Context, s *Session) (Result, error) {
	s.connMu.Lock()
	defer s.connMu.Unlock()
	return connect(ctx, s)
}

// connect opens the tunnel and the admin session, replacing any open ones. Call it with
// s.connMu held, so that two callers never open two tunnels and close each other's.
func connect(ctx context.Context, s *Session) (Result, error) {
	env, err := s.requireEnv()
	if err != nil {
		return Result{}, err
	}
	tun, err := dbclient.OpenTunnel(ctx, env.SSH)
	if err != nil {
		return Result{}, failFix("open the SSH tunnel through "+env.SSH.Addr, fixTunnel, err)
	}
	user, pass, err := readAdminSecret(ctx, env)
	if err != nil {
		tun.Close()
		return Result{}, err
	}
	db, security, err := dbclient.OpenWithSecurity(ctx, tun.DialContext,
		dbclient.Target{Host: env.DBHost, Port: env.DBPort, User: user, Password: pass, Database: env.DBName, CA: env.DBCA})
	if err != nil {
		tun.Close()
		return Result{}, fail(fmt.Sprintf("log in to %s:%d as %s through the tunnel", env.DBHost, env.DBPort, user), err)
	}
	version, err := dbclient.ServerVersion(ctx, db)
	if err != nil {
		db.Close()
		tun.Close()
		return Result{}, fail("ask the database for its version", err)
	}
	s.setConn(tun, db, user)
	return Result{Summary: "logged in as " + user + " through the bastion; MySQL " + version, Facts: []Fact{
		{"Host key", tun.HostKeyFingerprint()},
		{"SSH server", tun.ServerVersion()},
		{"Tunnel", fmt.Sprintf("%s → %s:%d", env.SSH.Addr, env.DBHost, env.DBPort)},
		{"Admin user", user + " (password read from the admin secret)"},
		{"Server version", version},
		{"Database TLS", security.String()},
	}}, nil
}

// readAdminSecret reads the admin user's name and password. An RDS-managed
// secret holds only those two fields.
func readAdminSecret(ctx context.Context, env *Env) (user, pass string, err error) {
	out, err := env.Secrets.GetSecretValue(ctx, &sm.GetSecretValueInput{SecretId: aws.String(env.AdminSecretARN)})
	if err != nil {
		return "", "", failFix("read the admin secret "+env.AdminSecretARN, fixAdminSecret, err)
	}
	var v struct {
		Username string `json:"username"`
		Password string `json:"password"`
	}
	if err := json.Unmarshal([]byte(aws.ToString(out.SecretString)), &v); err != nil || v.Username == "" || v.Password == "" {
		return "", "", failFix("read the admin secret "+env.AdminSecretARN, fixAdminSecret,
			errors.New("its value is not JSON with a username and a password"))
	}
	return v.Username, v.Password, nil
}
