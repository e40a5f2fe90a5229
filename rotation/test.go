package rotation

import (
	"context"
	"fmt"

	"rotation-tutor/dbclient"
)

// testSecret logs in with the pending credentials and runs a query. Logging
// in names the secret's database, so the user's grant on it is checked too.
//
// RotateSecret with RotateImmediately=false runs this step alone, to test
// the configuration: its pending version then has no value (no createSecret
// ran), and the step tests the current credentials instead, as AWS does.
func (f *Function) testSecret(ctx context.Context, ev Event, n *note) error {
	which := StagePending
	sec, err := f.getSecret(ctx, ev.SecretID, StagePending, ev.ClientRequestToken)
	if err != nil && isNotFound(err) {
		which = StageCurrent
		sec, err = f.getSecret(ctx, ev.SecretID, StageCurrent, "")
		n.add("the pending version has no value (a configuration test): tested AWSCURRENT")
	}
	if err != nil {
		return err
	}
	n.handles(sec.Password)
	db, err := dbclient.Open(ctx, f.Dial, sec.Target(f.CA))
	if err != nil {
		if which == StageCurrent {
			return fmt.Errorf("Unable to log into database with current secret of secret ARN %s: %w", ev.SecretID, err)
		}
		return fmt.Errorf("Unable to log into database with pending secret of secret ARN %s: %w", ev.SecretID, err)
	}
	defer db.Close()
	var now string
	if err := db.QueryRowContext(ctx, "SELECT NOW()").Scan(&now); err != nil {
		return fmt.Errorf("query as %s: %w", sec.Username, err)
	}
	n.add(fmt.Sprintf("%s (%s) logged in and ran SELECT NOW()", sec.Username, which))
	n.logs("testSecret: Successfully signed into MySQL DB with %s secret in %s.", which, ev.SecretID)
	return nil
}
