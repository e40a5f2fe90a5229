package steps

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	sm "github.com/aws/aws-sdk-go-v2/service/secretsmanager"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager/types"

	"rotation-tutor/dbclient"
	"rotation-tutor/internal/shell"
	"rotation-tutor/rotation"
)

// excludeCharacters are left out of generated passwords, like AWS's rotation
// templates do: they break connection strings and shell quoting.
const excludeCharacters = `/@"'\`

func createUserStep() Step {
	return Step{ID: CreateUser, Title: titleCreateUser, Action: actionCreateUser, explain: explainCreateUser,
		commands: func(s *Session) []Command {
			env := s.Env()
			if env == nil {
				return nil
			}
			t := s.tut()
			sql := doubleQuoted("CREATE USER "+sqlUser(t.AppUser)+" IDENTIFIED BY '", randomPasswordCmd(env),
				"'; "+t.grantSQL(env, t.AppUser)+" SHOW GRANTS FOR "+sqlUser(t.AppUser)+";")
			return []Command{{Tool: "mysql", Note: "as " + t.MasterUser + ", through the tunnel: the user, with a random password that the next step replaces with the one it stores",
				Text: mysqlAs(env, adminSecretName(env), "", sql)}}
		},
		run:  runCreateUser,
		look: lookCreateUser}
}

// candidate is a password the world holds for a user, and where.
type candidate struct{ password, from string }

// candidates are the passwords the world holds for user: the app secret's
// labelled versions that name it (when the secret is live), then the one
// this run made.
func (s *Session) candidates(ctx context.Context, env *Env, user string) []candidate {
	var out []candidate
	if d, err := describeApp(ctx, env); err == nil && d != nil && d.DeletedDate == nil {
		if vs, err := appVersions(ctx, env); err == nil {
			for _, stage := range []string{rotation.StageCurrent, rotation.StagePrevious} {
				if v, ok := vs[stage]; ok && v.Username == user && v.Password != "" {
					out = append(out, candidate{v.Password, "the secret's " + stage + " version"})
				}
			}
		}
	}
	if pw := s.appPassword(); pw != "" && user == s.tut().AppUser {
		out = append(out, candidate{pw, "this run's memory"})
	}
	return out
}

// loginAs says whether user logs in with password through the tunnel now.
func (s *Session) loginAs(ctx context.Context, env *Env, user, password string) error {
	return dbclient.Login(ctx, s.conn.Dial, dbclient.Target{Host: env.DBHost, Port: env.DBPort, User: user, Password: password, Database: env.DBName, CA: env.DBCA})
}

// working returns the first candidate that logs in as user.
func (s *Session) working(ctx context.Context, env *Env, user string, cs []candidate) (candidate, bool) {
	for _, c := range cs {
		if s.loginAs(ctx, env, user, c.password) == nil {
			return c, true
		}
	}
	return candidate{}, false
}

func runCreateUser(ctx context.Context, s *Session) (Result, error) {
	env, db, err := s.requireAdmin(ctx)
	if err != nil {
		return Result{}, err
	}
	t := s.tut()
	user := t.AppUser
	exists, err := dbclient.UserExists(ctx, db, user)
	if err != nil {
		return Result{}, fail("look for "+user+" in mysql.user", err)
	}
	cs := s.candidates(ctx, env, user)
	var facts []Fact
	var sqlRun []string
	switch c, ok := s.working(ctx, env, user, cs); {
	case exists && ok:
		// Whoever holds this password (the secret's clients) keeps logging in.
		facts = append(facts, Fact{Label: "Password", Value: "left as it is: " + user + " already logs in with the password in " + c.from})
	case exists:
		// Nobody holds a working password for it: a new one breaks nothing.
		pw, err := randomPassword(ctx, env)
		if err != nil {
			return Result{}, err
		}
		if err := dbclient.SetPassword(ctx, db, user, pw); err != nil {
			return Result{}, failFix("set a new password for "+user, fixClone, err)
		}
		s.setAppPassword(pw)
		sqlRun = append(sqlRun, "ALTER USER "+sqlUser(user)+" IDENTIFIED BY '"+masked+"';")
		facts = append(facts, Fact{Label: "Password", Value: user + " existed with a password nobody holds (none in the secret): it got a new one, kept in memory for the next step"})
	default:
		pw, from := "", ""
		if len(cs) > 0 { // the secret names appuser: make the secret work again
			pw, from = cs[0].password, cs[0].from
		} else if pw, err = randomPassword(ctx, env); err != nil {
			return Result{}, err
		}
		if err := dbclient.CreateUser(ctx, db, user, pw); err != nil {
			return Result{}, failFix("create the user "+user, fixClone, err)
		}
		sqlRun = append(sqlRun, "CREATE USER "+sqlUser(user)+" IDENTIFIED BY '"+masked+"';")
		if from != "" {
			facts = append(facts, Fact{Label: "Password", Value: "the one in " + from + ", so the secret logs in again"})
		} else {
			s.setAppPassword(pw)
			facts = append(facts, Fact{Label: "Password", Value: "32 random characters from GetRandomPassword, kept in memory for the next step"})
		}
	}
	if err := t.grant(ctx, db, env, user); err != nil {
		return Result{}, failFix("grant SELECT to "+user, fixClone, err)
	}
	sqlRun = append(sqlRun, t.grantSQL(env, user), "SHOW GRANTS FOR "+sqlUser(user)+";")
	r, err := userFacts(ctx, env, db, t)
	if err != nil {
		return Result{}, err
	}
	r.Facts = append(facts, r.Facts...)
	r.SQL = sqlRun
	return r, nil
}

// userFacts is what the database shows about the app user: whether it exists,
// and its grants.
func userFacts(ctx context.Context, env *Env, db dbclient.Queryer, t Tutorial) (Result, error) {
	user, what := t.AppUser, env.DBName
	if t.GrantOnAll {
		what = "every database"
	}
	exists, err := dbclient.UserExists(ctx, db, user)
	if err != nil {
		return Result{}, fail("look for "+user+" in mysql.user", err)
	}
	if !exists {
		return Result{Summary: user + " does not exist"}, nil
	}
	grants, err := dbclient.ShowGrants(ctx, db, user)
	if err != nil {
		return Result{}, fail("show the grants of "+user, err)
	}
	r := Result{Summary: user + " exists and can read " + what}
	canRead := false
	for _, g := range grants {
		r.Facts = append(r.Facts, Fact{Label: "Grant", Value: g})
		if strings.Contains(g, "SELECT") || strings.Contains(g, "ALL PRIVILEGES") {
			canRead = true
		}
	}
	if !canRead {
		r.Summary = user + " exists but cannot read " + what
	}
	r.Holds = canRead
	return r, nil
}

func lookCreateUser(ctx context.Context, s *Session) (Result, error) {
	env, db, err := s.requireAdmin(ctx)
	if err != nil {
		return Result{}, err
	}
	return userFacts(ctx, env, db, s.tut())
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

// masterARN is what the secret's masterarn should be for the strategy: the
// admin secret's ARN for alternating users (the older tutorial's master
// secret is named by name, and looked up), nothing for a single user.
func (s *Session) masterARN(ctx context.Context, env *Env) (string, error) {
	if s.Choices().Strategy != rotation.AlternatingUsers {
		return "", nil
	}
	return adminARN(ctx, env)
}

// adminARN is the admin secret's ARN.
func adminARN(ctx context.Context, env *Env) (string, error) {
	if strings.HasPrefix(env.AdminSecretARN, "arn:") {
		return env.AdminSecretARN, nil
	}
	d, err := describeSecret(ctx, env, env.AdminSecretARN)
	switch {
	case err != nil:
		return "", err
	case d == nil || d.DeletedDate != nil:
		return "", failFix("find the ARN of "+env.AdminSecretARN, "Store it first (the master secret step).", errors.New("it is not stored, or scheduled for deletion"))
	}
	return aws.ToString(d.ARN), nil
}

// secretJQ is the value as the commands show it: the password read from
// GetRandomPassword by the shell (jq fills it in), for alternating users
// masterarn, the admin secret's ARN, given or (by name) read by the shell as $master,
// and ssl true when the database requires TLS.
func secretJQ(env *Env, user string, master, ssl bool) string {
	fields := []string{`engine:"mysql"`, fmt.Sprintf("host:%q", env.DBHost), fmt.Sprintf("port:%d", env.DBPort),
		fmt.Sprintf("username:%q", user), "password:$pw", fmt.Sprintf("dbname:%q", env.DBName)}
	if ssl {
		fields = append(fields, "ssl:true")
	}
	switch {
	case !master:
	case strings.HasPrefix(env.AdminSecretARN, "arn:"):
		fields = append(fields, fmt.Sprintf("masterarn:%q", env.AdminSecretARN))
	default:
		fields = append(fields, "masterarn:$master")
	}
	return "{" + strings.Join(fields, ",") + "}"
}

func storeSecretStep() Step {
	return Step{ID: StoreSecret, Title: titleStoreSecret, Action: actionStoreSecret, explain: explainStoreSecret,
		commands: func(s *Session) []Command {
			env := s.Env()
			if env == nil {
				return nil
			}
			t := s.tut()
			master := s.Choices().Strategy == rotation.AlternatingUsers
			args := `--arg pw "` + randomPasswordCmd(env) + `" `
			if master && !strings.HasPrefix(env.AdminSecretARN, "arn:") {
				args += `--arg master "$(` + awsCmd(env, "secretsmanager", "describe-secret", "--secret-id", shell.Quote(env.AdminSecretARN), "--query", "ARN", "--output", "text") + `)" `
			}
			value := `"$(jq -cn ` + args + shell.Quote(secretJQ(env, t.AppUser, master, s.conn.requiresTLSFor(env))) + `)"`
			alter := doubleQuoted("ALTER USER "+sqlUser(t.AppUser)+" IDENTIFIED BY '", passwordOf(env, env.SecretName, ""), "';")
			return []Command{
				{Tool: "aws", Note: "store " + t.AppUser + "'s credentials, with a new random password", Text: awsCmd(env, "secretsmanager", "create-secret",
					"--name", shell.Quote(env.SecretName), "--description", shell.Quote(appSecretDescription(t)), "--secret-string", value)},
				{Tool: "mysql", Note: "as " + t.MasterUser + ": give " + t.AppUser + " the password the secret now holds", Text: mysqlAs(env, adminSecretName(env), "", alter)},
				{Tool: "aws", Note: "see the secret, its versions and labels", Text: awsCmd(env, "secretsmanager", "describe-secret", "--secret-id", shell.Quote(env.SecretName))},
			}
		},
		run:  runStoreSecret,
		look: lookStoreSecret}
}

// shapeProblems lists what the AWSCURRENT value lacks or gets wrong for the
// rotation function of the chosen strategy; master is the admin secret's ARN.
func (s *Session) shapeProblems(env *Env, v rotation.Secret, master string) []string {
	var out []string
	need := []string{"engine", "host", "username", "password", "dbname"}
	if s.Choices().Strategy == rotation.AlternatingUsers {
		need = append(need, "masterarn")
	}
	for _, k := range v.Missing(need...) {
		out = append(out, "no "+k)
	}
	if v.Host != "" && (v.Host != env.DBHost || v.Port != env.DBPort) {
		out = append(out, fmt.Sprintf("host %s:%d, not %s:%d", v.Host, v.Port, env.DBHost, env.DBPort))
	}
	if v.MasterARN != "" && v.MasterARN != master {
		out = append(out, "masterarn names another admin secret")
	}
	if v.TLSMode() == dbclient.TLSOff && s.conn.requiresTLSFor(env) {
		out = append(out, whySSLFalseRefused)
	}
	return out
}

// sslKey is the ssl key a value the walkthrough stores carries: true when the database
// requires TLS (whySSLTrue), else the one the secret had, if any.
func (s *Session) sslKey(env *Env, had json.RawMessage) json.RawMessage {
	if s.conn.requiresTLSFor(env) {
		return rotation.SSLTrue
	}
	return had
}

func runStoreSecret(ctx context.Context, s *Session) (Result, error) {
	env, db, err := s.requireAdmin(ctx)
	if err != nil {
		return Result{}, err
	}
	desc, err := describeApp(ctx, env)
	if err != nil {
		return Result{}, err
	}
	var notes []Fact
	if desc != nil && desc.DeletedDate != nil {
		if _, err := env.Secrets.RestoreSecret(ctx, &sm.RestoreSecretInput{SecretId: aws.String(env.SecretName)}); err != nil {
			return Result{}, fail("restore "+env.SecretName+", scheduled for deletion", err)
		}
		notes = append(notes, Fact{Label: "Note", Value: "it was scheduled for deletion: restored"})
	}
	if desc == nil {
		if err := s.createAppSecret(ctx, env, db, &notes); err != nil {
			return Result{}, err
		}
	} else if err := s.repairAppSecret(ctx, env, db, &notes); err != nil {
		return Result{}, err
	}
	r, err := lookStoreSecret(ctx, s)
	if err != nil {
		return Result{}, err
	}
	r.Facts = append(r.Facts, notes...)
	return r, nil
}

// createAppSecret stores the app user with a password that logs in: this run's,
// or a new one given to the user first.
func (s *Session) createAppSecret(ctx context.Context, env *Env, db dbclient.Queryer, notes *[]Fact) error {
	t := s.tut()
	user := t.AppUser
	master, err := s.masterARN(ctx, env)
	if err != nil {
		return err
	}
	exists, err := dbclient.UserExists(ctx, db, user)
	if err != nil {
		return fail("look for "+user+" in mysql.user", err)
	}
	if !exists {
		return failFix("store the secret", fixCreateUserFirst, errors.New(user+" does not exist in the database"))
	}
	pw := s.appPassword()
	if pw == "" || s.loginAs(ctx, env, user, pw) != nil {
		// No secret exists, so no client holds appuser's password: a new one breaks nothing.
		if pw, err = randomPassword(ctx, env); err != nil {
			return err
		}
		if err := dbclient.SetPassword(ctx, db, user, pw); err != nil {
			return failFix("set a new password for "+user, fixClone, err)
		}
		s.setAppPassword(pw)
		*notes = append(*notes, Fact{Label: "Note", Value: user + "'s password was not known to this run: it got a new one, the one stored"})
	}
	value, err := rotation.NewSecret(env.DBHost, env.DBPort, env.DBName, user, pw, master).WithSSL(s.sslKey(env, nil)).JSON()
	if err != nil {
		return fail("encode the secret", err)
	}
	_, err = env.Secrets.CreateSecret(ctx, &sm.CreateSecretInput{Name: aws.String(env.SecretName), SecretString: aws.String(value),
		Description: aws.String(appSecretDescription(t))})
	if err != nil {
		return fail("create the secret "+env.SecretName, err)
	}
	return nil
}

// repairAppSecret leaves a secret that works as it is. It makes the user
// the current version names log in with its password (creating the user if
// it is gone), and stores a corrected value, same credentials, when a key the
// rotation function reads is missing or wrong. A rotation left unfinished is
// reported instead: storing over it would strand its label.
func (s *Session) repairAppSecret(ctx context.Context, env *Env, db dbclient.Queryer, notes *[]Fact) error {
	if err := s.unfinished(ctx, env); err != nil {
		return err
	}
	cur, version, err := readSecret(ctx, env, env.SecretName, rotation.StageCurrent, "")
	if err != nil {
		return fail("read the AWSCURRENT version of "+env.SecretName, err)
	}
	if cur.Username == "" || cur.Password == "" {
		return failFix("read the AWSCURRENT version of "+env.SecretName, "Delete the secret (the clean-up step) and store it again.",
			errors.New("it has no username or password"))
	}
	if err := s.loginAs(ctx, env, cur.Username, cur.Password); err != nil {
		exists, xerr := dbclient.UserExists(ctx, db, cur.Username)
		switch {
		case xerr != nil:
			return fail("look for "+cur.Username+" in mysql.user", xerr)
		case exists:
			// Clients holding AWSCURRENT fail now; the secret's password makes them work.
			if err := dbclient.SetPassword(ctx, db, cur.Username, cur.Password); err != nil {
				return failFix("give "+cur.Username+" the secret's password", fixClone, err)
			}
			*notes = append(*notes, Fact{Label: "Note", Value: cur.Username + " did not log in with the secret's password: it was given that password"})
		default:
			if err := dbclient.CreateUser(ctx, db, cur.Username, cur.Password); err != nil {
				return failFix("create "+cur.Username+" with the secret's password", fixClone, err)
			}
			if err := s.tut().grant(ctx, db, env, cur.Username); err != nil {
				return failFix("grant SELECT to "+cur.Username, fixClone, err)
			}
			*notes = append(*notes, Fact{Label: "Note", Value: cur.Username + " was missing: created with the secret's password"})
		}
	}
	master, err := s.masterARN(ctx, env)
	if err != nil {
		return err
	}
	problems := s.shapeProblems(env, cur, master)
	if len(problems) == 0 {
		*notes = append(*notes, Fact{Label: "Note", Value: "already stored and working: version " + short(version) + " left as it is"})
		return nil
	}
	// AWSPENDING left on the current version by the last rotation would stay
	// behind on it when AWSCURRENT moves: take it off first.
	if d, err := describeApp(ctx, env); err == nil && versionWith(d, rotation.StagePending) == version {
		if _, err := env.Secrets.UpdateSecretVersionStage(ctx, &sm.UpdateSecretVersionStageInput{SecretId: aws.String(env.SecretName),
			VersionStage: aws.String(rotation.StagePending), RemoveFromVersionId: aws.String(version)}); err != nil {
			return fail("take AWSPENDING off version "+short(version)+" before storing a new one", err)
		}
	}
	value, err := rotation.NewSecret(env.DBHost, env.DBPort, env.DBName, cur.Username, cur.Password, master).WithSSL(s.sslKey(env, cur.SSL)).JSON()
	if err != nil {
		return fail("encode the secret", err)
	}
	if _, err := env.Secrets.PutSecretValue(ctx, &sm.PutSecretValueInput{SecretId: aws.String(env.SecretName), SecretString: aws.String(value)}); err != nil {
		return fail("store a corrected version of "+env.SecretName, err)
	}
	*notes = append(*notes, Fact{Label: "Note", Value: "stored a corrected value (" + strings.Join(problems, ", ") + "), same user and password"})
	return nil
}

func lookStoreSecret(ctx context.Context, s *Session) (Result, error) {
	env, err := s.requireEnv()
	if err != nil {
		return Result{}, err
	}
	desc, err := describeApp(ctx, env)
	if err != nil {
		return Result{}, err
	}
	if desc == nil {
		return Result{Summary: env.SecretName + " is not stored yet"}, nil
	}
	if desc.DeletedDate != nil {
		return Result{Summary: env.SecretName + " is scheduled for deletion on " + localTime(*desc.DeletedDate) + "; running this step restores it"}, nil
	}
	cur, version, err := readSecret(ctx, env, env.SecretName, rotation.StageCurrent, "")
	var nf *types.ResourceNotFoundException
	if errors.As(err, &nf) {
		return Result{Summary: env.SecretName + " has no AWSCURRENT value"}, nil
	}
	if err != nil {
		return Result{}, fail("read the AWSCURRENT version of "+env.SecretName, err)
	}
	shown := cur
	shown.Password = masked
	js, _ := shown.JSON()
	r := Result{Holds: true, Summary: fmt.Sprintf("%s is stored: version %s is AWSCURRENT, user %s", env.SecretName, short(version), cur.Username),
		Facts: []Fact{
			{Label: "ARN", Value: aws.ToString(desc.ARN)},
			{Label: "Version", Value: version},
			{Label: "Labels", Value: strings.Join(desc.VersionIdsToStages[version], " ")},
			{Label: "Value", Value: js},
			{Label: "Password", Value: cur.Password, Secret: true},
		}}
	if cur.TLSMode() == dbclient.TLSRequired && s.conn.requiresTLSFor(env) {
		r.Facts = append(r.Facts, Fact{Label: "TLS", Value: whySSLTrue})
	}
	master, err := s.masterARN(ctx, env)
	if err != nil {
		return Result{}, err
	}
	if p := s.shapeProblems(env, cur, master); len(p) > 0 {
		r.Holds = false
		r.Summary = env.SecretName + " is stored but rotation cannot use it: " + strings.Join(p, ", ")
	}
	if u, err := rotation.FindUnfinished(ctx, env.Secrets, env.SecretName); err == nil && u != nil {
		r.Unfinished = u
	}
	return r, nil
}

// short is the first 8 characters of a version id: enough to tell versions
// apart on screen.
func short(id string) string {
	if len(id) > 8 {
		return id[:8]
	}
	return id
}

const masked = "••••••••"

func validateStep() Step {
	return Step{ID: Validate, Title: titleValidate, Action: actionValidate, explain: explainValidate,
		commands: func(s *Session) []Command {
			env := s.Env()
			if env == nil {
				return nil
			}
			t := s.tut()
			return []Command{
				{Tool: "aws", Note: "read the secret as an application would", Text: awsCmd(env, "secretsmanager", "get-secret-value", "--secret-id", shell.Quote(env.SecretName))},
				{Tool: "mysql", Note: "log in with it through the tunnel", Text: mysqlAs(env, env.SecretName, "", shell.Quote("SELECT CURRENT_USER()"))},
				{Tool: "workbench", Note: "the same login in MySQL Workbench: Test Connection", Text: workbenchFields(env, t.AppConnection, t.AppUser, "the secret's password (the aws command above)")},
			}
		},
		run: func(ctx context.Context, s *Session) (Result, error) {
			r, err := lookValidate(ctx, s)
			if err == nil && !r.Holds {
				err = failFix("log in with the secret", fixLoginCurrent, errors.New(r.Summary))
			}
			return r, err
		},
		look: lookValidate}
}

func lookValidate(ctx context.Context, s *Session) (Result, error) {
	login, err := s.loginWith(ctx, rotation.StageCurrent)
	if err != nil {
		return Result{}, err
	}
	if login.Err != nil {
		return Result{Summary: fmt.Sprintf("the secret does not log in: %s (version %s) is refused: %s", login.Username, short(login.Version),
			Explain(login.Err).Why)}, nil
	}
	return Result{Holds: true, Summary: "the secret logs in: CURRENT_USER() is " + login.CurrentUser, Facts: []Fact{
		{Label: "Version", Value: login.Version},
		{Label: "Username", Value: login.Username},
		{Label: "CURRENT_USER()", Value: login.CurrentUser},
		{Label: "Took", Value: login.Took.Round(100_000).String()},
	}}, nil
}
