package steps

import (
	"context"
	"slices"

	"rotation-tutor/dbclient"
)

// Tutorial is what one of the two AWS tutorials names and does its own way. The steps
// read every name from it, never from the other tutorial's.
type Tutorial struct {
	Flavour string
	// Instance, DBName and MasterUser are the tutorial's database as its prerequisites
	// made it; a world that has that instance (the sandbox) gives its address.
	Instance, DBName, MasterUser string
	// MasterSecret is the secret holding the master user's credentials that the
	// learner stores: "" when RDS manages one for the instance (the current tutorial).
	MasterSecret string
	// AppUser is the user the app secret holds; CloneUser the alternating strategy's
	// second user.
	AppUser, CloneUser string
	SecretName         string
	// AdminConnection and AppConnection are the tutorial's MySQL Workbench connections.
	AdminConnection, AppConnection string
	// GrantOnAll grants SELECT on every database (*.*), as the older tutorial does;
	// otherwise SELECT on the tutorial's database.
	GrantOnAll bool
}

// Names the tutorials use.
const (
	DefaultSecretName = "SecretsManagerTutorialAppuser"
	AppUser           = "appuser"
	CloneUser         = AppUser + "_clone" // the alternating strategy's second user
	DefaultDBName     = "tutorial"
	RecoveryDays      = 7

	ClassicInstance     = "MyTestDatabaseInstance"
	ClassicDBName       = "MyTestDatabase"
	ClassicMasterUser   = "adminuser"
	ClassicMasterSecret = "MyTestDatabaseMasterSecret"
	ClassicSecretName   = "MyTestDatabaseUserSecret"
	ClassicAppUser      = "mytestuser"
)

// TutorialFor returns the tutorial a flavour follows.
func TutorialFor(flavour string) Tutorial {
	if flavour == FlavourClassic {
		return Tutorial{Flavour: FlavourClassic, Instance: ClassicInstance, DBName: ClassicDBName, MasterUser: ClassicMasterUser,
			MasterSecret: ClassicMasterSecret, AppUser: ClassicAppUser, CloneUser: ClassicAppUser + "_clone",
			SecretName: ClassicSecretName, AdminConnection: ClassicInstance, AppConnection: "MyTestUser", GrantOnAll: true}
	}
	return Tutorial{Flavour: FlavourCurrent, Instance: "secretsmanagertutorial", DBName: DefaultDBName, MasterUser: "admin",
		AppUser: AppUser, CloneUser: CloneUser, SecretName: DefaultSecretName,
		AdminConnection: "SecretsManagerTutorial", AppConnection: "SecretsManagerTutorial (as appuser)"}
}

// tut is the tutorial the session follows now.
func (s *Session) tut() Tutorial { return TutorialFor(s.Choices().Flavour) }

// Users are the tutorial's two database users, the app user first.
func (t Tutorial) Users() []string { return []string{t.AppUser, t.CloneUser} }

// grantSQL is the tutorial's grant to user, as sent.
func (t Tutorial) grantSQL(env *Env, user string) string {
	on := dbclient.QuoteIdent(env.DBName) + ".*"
	if t.GrantOnAll {
		on = "*.*"
	}
	return "GRANT SELECT ON " + on + " TO " + sqlUser(user) + ";"
}

// grant gives user what the tutorial's app user may do: SELECT.
func (t Tutorial) grant(ctx context.Context, db dbclient.Queryer, env *Env, user string) error {
	if t.GrantOnAll {
		return dbclient.GrantSelectOnAll(ctx, db, user)
	}
	return dbclient.GrantSelect(ctx, db, env.DBName, user)
}

// classicOnly are the steps only the older tutorial has.
var classicOnly = []ID{StoreMasterSecret, RotateTwice}

// In says whether the step is part of the tutorial.
func (st Step) In(flavour string) bool {
	return flavour == FlavourClassic || !slices.Contains(classicOnly, st.ID)
}

// Visible are the steps of the flavour's tutorial, in order.
func Visible(flavour string) []Step {
	var out []Step
	for _, st := range All() {
		if st.In(flavour) {
			out = append(out, st)
		}
	}
	return out
}

// Position is the step's place in its tutorial (from 1) and the tutorial's length; 0 when
// the step is not part of it.
func Position(id ID, flavour string) (n, total int) {
	for i, st := range Visible(flavour) {
		if st.ID == id {
			n = i + 1
		}
		total++
	}
	return n, total
}

// TutorialEnv is env as the flavour's tutorial sees it (see view): what the doctor,
// started outside a session, checks.
func TutorialEnv(env *Env, flavour string) *Env {
	env.defaults()
	return view(env, TutorialFor(flavour))
}

// view is the world as a tutorial sees it: its own database (the world's instance of that
// name, when it has one), its own secrets and, for the older tutorial, its own master
// secret in place of the one RDS manages.
func view(env *Env, t Tutorial) *Env {
	v := *env
	if v.SecretName == "" {
		v.SecretName = t.SecretName
	}
	if t.Flavour != FlavourClassic {
		if v.DBName == "" {
			v.DBName = t.DBName
		}
		return &v
	}
	v.AdminSecretARN = t.MasterSecret // the learner's; the commands and the steps name it by name
	v.DBName = t.DBName
	if c := env.Classic; c != nil {
		v.DBHost, v.DBPort, v.DBInstance, v.MasterPassword = c.Host, c.Port, c.Instance, c.MasterPassword
	} else if v.DBInstance == "" {
		v.DBInstance = t.Instance
	}
	return &v
}
