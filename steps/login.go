package steps

import (
	"context"
	"time"

	"rotation-tutor/dbclient"
)

// Login is one attempt to log in with a version of the app secret.
type Login struct {
	Stage       string
	Version     string
	Username    string
	CurrentUser string // what the server says we are, on success
	Took        time.Duration
	Err         error // the login's failure; reading the secret failing is the call's error
}

// loginWith reads the app secret's version with that stage, logs in with it
// through the tunnel and asks CURRENT_USER().
func (s *Session) loginWith(ctx context.Context, stage string) (Login, error) {
	env, _, err := s.requireAdmin(ctx)
	if err != nil {
		return Login{}, err
	}
	sec, version, err := readSecret(ctx, env, env.SecretName, stage, "")
	if err != nil {
		return Login{}, failFix("read the "+stage+" version of "+env.SecretName, fixStoreFirst, err)
	}
	l := Login{Stage: stage, Version: version, Username: sec.Username}
	start := time.Now()
	db, err := dbclient.Open(ctx, s.conn.Dial, sec.Target(env.DBCA))
	if err == nil {
		l.CurrentUser, err = dbclient.CurrentUser(ctx, db)
		db.Close()
	}
	l.Took, l.Err = time.Since(start), err
	return l, nil
}

// localTime is a date as the learner's clock shows it.
func localTime(t time.Time) string { return t.Local().Format("Mon 2 Jan 2006 15:04") }
