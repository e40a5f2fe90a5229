package steps

import (
	"context"
	"fmt"
	"strings"

	"rotation-tutor/dbclient"
	"rotation-tutor/internal/shell"
)

func welcomeStep() Step {
	return Step{ID: Welcome, Title: titleWelcome, Action: actionWelcome, explain: explainWelcome,
		run: func(ctx context.Context, s *Session) (Result, error) {
			c := s.Choices()
			return Result{Summary: fmt.Sprintf("%s rotation, %s tutorial", c.Strategy, flavourName(c.Flavour)),
				Facts: []Fact{{Label: "Strategy", Value: string(c.Strategy)}, {Label: "Tutorial", Value: flavourName(c.Flavour)}}}, nil
		}}
}

func flavourName(f string) string {
	if f == FlavourClassic {
		return "older (30 days, SELECT-only user, rotate twice)"
	}
	return "current (2 days, 2h window, rotate immediately)"
}

// FlavourShort is the tutorial's name for a header: "current" or "older".
func FlavourShort(f string) string {
	if f == FlavourClassic {
		return "older tutorial"
	}
	return "current tutorial"
}

func environmentStep() Step {
	return Step{ID: Environment, Title: titleEnvironment, Action: actionEnvironment, explain: explainEnvironment,
		commands: func(s *Session) []Command {
			env := s.Env()
			if env == nil {
				return nil
			}
			var cmds []Command
			if env.Kind == KindAWS {
				cmds = append(cmds, Command{Tool: "aws", Note: "who am I", Text: awsCmd(env, "sts", "get-caller-identity")})
			} else {
				cmds = append(cmds, Command{Tool: "shell", Note: "everything a client needs to reach this sandbox, from another shell while it runs", Text: selfCmd(s, "sandbox")})
				if s.tut().MasterSecret == "" {
					cmds = append(cmds, Command{Tool: "aws", Note: "the admin secret RDS would have made", Text: awsCmd(env, "secretsmanager", "describe-secret", "--secret-id", shell.Quote(adminSecretName(env)))})
				}
			}
			return append(cmds, PrerequisiteCommands(s)...)
		},
		run: func(ctx context.Context, s *Session) (Result, error) {
			env, err := s.Start(ctx, nil)
			if err != nil {
				return Result{}, failFix("start the "+worldName(s), "Check the settings shown above; for a real account, `aws sts get-caller-identity` must work.", err)
			}
			return environmentResult(env), nil
		},
		look: func(ctx context.Context, s *Session) (Result, error) {
			env := s.Env()
			if env == nil {
				return Result{Summary: "not started yet"}, nil
			}
			r := environmentResult(env)
			r.Holds = true
			return r, nil
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
	r := Result{Summary: summary, Facts: []Fact{
		{Label: "Bastion", Value: env.SSH.User + "@" + env.SSH.Addr},
		{Label: "Database", Value: fmt.Sprintf("%s:%d (%s)", env.DBHost, env.DBPort, env.DBInstance)},
		{Label: "Secrets Manager", Value: endpoint},
		{Label: "Admin secret", Value: env.AdminSecretARN},
		{Label: "Rotation function", Value: fn},
	}}
	if len(env.Remembered) > 0 {
		r.Facts = append(r.Facts, Fact{Label: "Remembered", Value: strings.Join(env.Remembered, "; ")})
	}
	return r
}

func connectStep() Step {
	return Step{ID: Connect, Title: titleConnect, Action: actionConnect, explain: explainConnect,
		commands: func(s *Session) []Command {
			env := s.Env()
			if env == nil {
				return nil
			}
			return []Command{
				{Tool: "ssh", Note: fmt.Sprintf("forward local port %d to the database through the bastion (leave it running)", dbclient.LocalPort), Text: sshTunnelCmd(env)},
				{Tool: "aws", Note: "read the admin password from its secret", Text: secretValueCmd(env, adminSecretName(env), "") + " | jq -r .password"},
				{Tool: "mysql", Note: "in another shell: log in as admin through the tunnel" + tlsNote(env), Text: mysqlAs(env, adminSecretName(env), "", shell.Quote("SELECT VERSION()"))},
				{Tool: "workbench", Note: "the same connection in MySQL Workbench", Text: workbenchFields(env, s.tut().AdminConnection, adminName(s), "the admin secret's password (the aws command above)")},
			}
		},
		run: func(ctx context.Context, s *Session) (Result, error) {
			env, err := s.requireEnv()
			if err != nil {
				return Result{}, err
			}
			c, err := s.conn.check(ctx, env)
			if err != nil {
				return Result{}, err
			}
			return connectResult(env, c), nil
		},
		look: func(ctx context.Context, s *Session) (Result, error) {
			env := s.Env()
			if env == nil || !s.Connected() {
				return Result{Summary: "not connected in this run"}, nil
			}
			c, err := s.conn.check(ctx, env)
			if err != nil {
				return Result{}, err
			}
			r := connectResult(env, c)
			r.Holds = true
			return r, nil
		}}
}

func connectResult(env *Env, c connected) Result {
	summary := "logged in as " + c.AdminUser + " through the bastion; MySQL " + c.ServerVersion
	if c.Reused {
		summary = "the tunnel is open and " + c.AdminUser + " is logged in through it; MySQL " + c.ServerVersion
	}
	return Result{Summary: summary, Facts: []Fact{
		{Label: "Host key", Value: c.Fingerprint},
		{Label: "SSH server", Value: c.SSHVersion},
		{Label: "Tunnel", Value: fmt.Sprintf("%s → %s:%d", env.SSH.Addr, env.DBHost, env.DBPort)},
		{Label: "Admin user", Value: c.AdminUser + " (password read from the admin secret)"},
		{Label: "Server version", Value: c.ServerVersion},
		{Label: "Database TLS", Value: c.Security + requiresNote(c.RequiresTLS)},
	}}
}

// requiresNote says, after how the admin session is protected, that plain text is refused.
func requiresNote(requires bool) string {
	if requires {
		return noteRequiresTLS
	}
	return ""
}

// adminName is the admin user's name: the one logged in, or the tutorial's.
func adminName(s *Session) string {
	if env := s.Env(); env != nil {
		if _, _, user, ok := s.conn.openFor(env); ok && user != "" {
			return user
		}
	}
	return s.tut().MasterUser
}
