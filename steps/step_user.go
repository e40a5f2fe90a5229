package steps

import (
	"context"
	"encoding/json"
	"errors"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	sm "github.com/aws/aws-sdk-go-v2/service/secretsmanager"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager/types"

	"rotation-tutor/dbclient"
)

// excludeCharacters are left out of generated passwords, like AWS's rotation
// templates do: they break connection strings and shell quoting.
const excludeCharacters = `/@"'\`

func createUserStep() Step {
	return Step{ID: CreateUser, Title: titleCreateUser, Action: actionCreateUser, explain: explainCreateUser,
		commands: func(s *Session, reveal bool) []Command {
			pw := mask(s.appPassword(), reveal)
			db := DefaultDBName
			if env := s.Env(); env != nil {
				db = env.DBName
			}
			return []Command{
				{Tool: "aws", Note: "a random password without characters that break quoting", Text: awsCmd(s, "get-random-password",
					"--password-length", "32", "--exclude-characters", shellQuote(excludeCharacters), "--output", "text")},
				{Tool: "sql", Note: "as admin, through the tunnel", Text: strings.Join(createUserSQL(db, pw), "\n")},
			}
		},
		run: runCreateUser}
}

func createUserSQL(db, pw string) []string {
	return []string{
		"CREATE USER " + sqlUser(AppUser) + " IDENTIFIED BY " + sqlString(pw) + ";",
		"GRANT SELECT ON " + sqlIdent(db) + ".* TO " + sqlUser(AppUser) + ";",
		"SHOW GRANTS FOR " + sqlUser(AppUser) + ";",
	}
}

func (s *Session) requireAdmin(ctx context.Context) (*Env, dbclient.Queryer, error) {
	env, err := s.requireEnv()
	if err != nil {
		return nil, nil, err
	}
	_, db, err := s.ensureConnected(ctx)
	if err != nil {
		return nil, nil, err
	}
	return env, db, nil
}

func runCreateUser(ctx context.Context, s *Session) (Result, error) {
	env, db, err := s.requireAdmin(ctx)
	if err != nil {
		return Result{}, err
	}
	pw, err := randomPassword(ctx, env)
	if err != nil {
		return Result{}, err
	}
	exists, err := dbclient.UserExists(ctx, db, AppUser)
	if err != nil {
		return Result{}, fail("look for "+AppUser+" in mysql.user", err)
	}
	sqlShown := createUserSQL(env.DBName, masked)
	facts := []Fact{{"Password", "32 random characters from GetRandomPassword (kept in memory only)"}}
	if exists {
		// A learner re-running the step, or resuming after a quit: the old
		// password was never saved, so set a new one rather than fail.
		if err := dbclient.SetPassword(ctx, db, AppUser, pw); err != nil {
			return Result{}, failFix("set a new password for "+AppUser, fixClone, err)
		}
		sqlShown[0] = "ALTER USER " + sqlUser(AppUser) + " IDENTIFIED BY " + sqlString(masked) + ";"
		facts = append(facts, Fact{"Note", AppUser + " already existed: its password was replaced"})
	} else if err := dbclient.CreateUser(ctx, db, AppUser, pw); err != nil {
		return Result{}, failFix("create the user "+AppUser, fixClone, err)
	}
	if err := dbclient.GrantSelect(ctx, db, env.DBName, AppUser); err != nil {
		return Result{}, failFix("grant SELECT on "+env.DBName+" to "+AppUser, fixClone, err)
	}
	grants, err := dbclient.ShowGrants(ctx, db, AppUser)
	if err != nil {
		return Result{}, fail("show the grants of "+AppUser, err)
	}
	s.setAppPassword(pw)
	for _, g := range grants {
		facts = append(facts, Fact{"Grant", g})
	}
	return Result{Summary: AppUser + " can log in and read " + env.DBName, Facts: facts, SQL: sqlShown}, nil
}

func randomPassword(ctx context.Context, env *Env) (string, error) {
	out, err := env.Secrets.GetRandomPassword(ctx, &sm.GetRandomPasswordInput{
		PasswordLength: aws.Int64(32), ExcludeCharacters: aws.String(excludeCharacters),
	})
	if err != nil {
		return "", fail("generate a password (GetRandomPassword)", err)
	}
	return aws.ToString(out.RandomPassword), nil
}

// appSecretValue is the secret's JSON, in the order AWS's console writes it.
type appSecretValue struct {
	Engine    string `json:"engine"`
	Host      string `json:"host"`
	Port      int    `json:"port"`
	Username  string `json:"username"`
	Password  string `json:"password"`
	DBName    string `json:"dbname"`
	MasterARN string `json:"masterarn,omitempty"`
}

func (s *Session) secretValue(pw string) appSecretValue {
	env := s.Env()
	v := appSecretValue{Engine: "mysql", Username: AppUser, Password: pw}
	if env != nil {
		v.Host, v.Port, v.DBName = env.DBHost, env.DBPort, env.DBName
		if s.Options().Strategy == StrategyAlternating {
			v.MasterARN = env.AdminSecretARN
		}
	}
	return v
}

func (v appSecretValue) json() string {
	b, _ := json.Marshal(v) // a struct of strings and an int cannot fail
	return string(b)
}

func storeSecretStep() Step {
	return Step{ID: StoreSecret, Title: titleStoreSecret, Action: actionStoreSecret, explain: explainStoreSecret,
		commands: func(s *Session, reveal bool) []Command {
			v := s.secretValue(mask(s.appPassword(), reveal))
			name := DefaultSecretName
			if env := s.Env(); env != nil {
				name = env.SecretName
			}
			return []Command{{Tool: "aws", Note: "store appuser's credentials", Text: awsCmd(s, "create-secret",
				"--name", name, "--description", shellQuote("appuser for the rotation tutorial"), "--secret-string", shellQuote(v.json()))}}
		},
		run: runStoreSecret}
}

func runStoreSecret(ctx context.Context, s *Session) (Result, error) {
	env, db, err := s.requireAdmin(ctx)
	if err != nil {
		return Result{}, err
	}
	pw := s.appPassword()
	var facts []Fact
	if pw == "" {
		// The password lives only in memory; after a quit, make a new one so
		// the secret and the database agree.
		if pw, err = randomPassword(ctx, env); err != nil {
			return Result{}, err
		}
		if err := dbclient.SetPassword(ctx, db, AppUser, pw); err != nil {
			return Result{}, failFix("set a new password for "+AppUser, fixNoPassword, err)
		}
		s.setAppPassword(pw)
		facts = append(facts, Fact{"Note", "the earlier password was not kept; " + AppUser + " got a new one"})
	}
	value := s.secretValue(pw)
	arn, version, err := putAppSecret(ctx, env, value.json())
	if err != nil {
		return Result{}, err
	}
	s.setExtra("secret_arn", arn)
	shown := value
	shown.Password = masked
	facts = append([]Fact{
		{"ARN", arn},
		{"Version", version},
		{"Stages", "AWSCURRENT"},
		{"Value", shown.json()},
	}, facts...)
	return Result{Summary: "stored " + env.SecretName + " (version " + short(version) + " is AWSCURRENT)", Facts: facts}, nil
}

// putAppSecret creates the secret, or, when it exists already (a re-run),
// restores it if it was scheduled for deletion and stores a new version.
func putAppSecret(ctx context.Context, env *Env, value string) (arn, version string, err error) {
	out, err := env.Secrets.CreateSecret(ctx, &sm.CreateSecretInput{
		Name: aws.String(env.SecretName), SecretString: aws.String(value),
		Description: aws.String("appuser for the rotation tutorial"),
	})
	if err == nil {
		return aws.ToString(out.ARN), aws.ToString(out.VersionId), nil
	}
	var exists *types.ResourceExistsException
	if !errors.As(err, &exists) {
		return "", "", fail("create the secret "+env.SecretName, err)
	}
	desc, err := env.Secrets.DescribeSecret(ctx, &sm.DescribeSecretInput{SecretId: aws.String(env.SecretName)})
	if err != nil {
		return "", "", fail("describe the existing secret "+env.SecretName, err)
	}
	if desc.DeletedDate != nil {
		if _, err := env.Secrets.RestoreSecret(ctx, &sm.RestoreSecretInput{SecretId: aws.String(env.SecretName)}); err != nil {
			return "", "", fail("restore "+env.SecretName+", scheduled for deletion", err)
		}
	}
	put, err := env.Secrets.PutSecretValue(ctx, &sm.PutSecretValueInput{SecretId: aws.String(env.SecretName), SecretString: aws.String(value)})
	if err != nil {
		return "", "", fail("store a new version of "+env.SecretName, err)
	}
	return aws.ToString(put.ARN), aws.ToString(put.VersionId), nil
}

// short is the first 8 characters of a version id: enough to tell versions
// apart on screen.
func short(id string) string {
	if len(id) > 8 {
		return id[:8]
	}
	return id
}

func validateStep() Step {
	return Step{ID: Validate, Title: titleValidate, Action: actionValidate, explain: explainValidate,
		commands: func(s *Session, reveal bool) []Command {
			return []Command{
				{Tool: "aws", Note: "read the secret as an application would", Text: awsCmd(s, "get-secret-value", "--secret-id", s.secretName())},
				{Tool: "mysql", Note: "log in with it through the tunnel", Text: mysqlCmd(AppUser, "SELECT CURRENT_USER()")},
			}
		},
		run: func(ctx context.Context, s *Session) (Result, error) {
			login, err := s.loginWith(ctx, "AWSCURRENT", "")
			if err != nil {
				return Result{}, err
			}
			if login.Err != nil {
				return Result{}, fail("log in as "+login.Username+" with the secret's password", login.Err)
			}
			return Result{Summary: "the secret logs in: CURRENT_USER() is " + login.CurrentUser, Facts: []Fact{
				{"Version", login.Version},
				{"Username", login.Username},
				{"CURRENT_USER()", login.CurrentUser},
				{"Took", login.Took.Round(100_000).String()},
			}}, nil
		}}
}

func (s *Session) secretName() string {
	if env := s.Env(); env != nil {
		return env.SecretName
	}
	return DefaultSecretName
}
