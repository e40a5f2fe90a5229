package steps

import (
	"context"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	sm "github.com/aws/aws-sdk-go-v2/service/secretsmanager"

	"rotation-tutor/dbclient"
	"rotation-tutor/rotation"
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

// loginWith reads the app secret's version with that stage (or id), logs in
// with it through the tunnel and asks CURRENT_USER().
func (s *Session) loginWith(ctx context.Context, stage, versionID string) (Login, error) {
	env, err := s.requireEnv()
	if err != nil {
		return Login{}, err
	}
	tun, _, err := s.ensureConnected(ctx)
	if err != nil {
		return Login{}, err
	}
	in := &sm.GetSecretValueInput{SecretId: aws.String(s.SecretID())}
	if versionID != "" {
		in.VersionId = aws.String(versionID)
	} else {
		in.VersionStage = aws.String(stage)
	}
	out, err := env.Secrets.GetSecretValue(ctx, in)
	if err != nil {
		return Login{}, failFix("read the "+stage+" version of "+env.SecretName, fixStoreFirst, err)
	}
	sec, err := rotation.ParseSecret(aws.ToString(out.SecretString))
	if err != nil {
		return Login{}, fail("read the "+stage+" version of "+env.SecretName, err)
	}
	l := Login{Stage: stage, Version: aws.ToString(out.VersionId), Username: sec.Username}
	start := time.Now()
	db, err := dbclient.Open(ctx, tun.DialContext, sec.Target(env.DBCA))
	if err == nil {
		l.CurrentUser, err = dbclient.CurrentUser(ctx, db)
		db.Close()
	}
	l.Took, l.Err = time.Since(start), err
	return l, nil
}
