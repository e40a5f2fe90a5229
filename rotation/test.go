package rotation

import (
	"context"
	"fmt"

	"rotation-tutor/dbclient"
)

// testSecret logs in with the pending credentials and runs a query. Logging
// in names the secret's database, so the user's grant on it is checked too.
func (f *Function) testSecret(ctx context.Context, ev Event, n *note) error {
	pend, err := f.getSecret(ctx, ev.SecretID, StagePending, ev.ClientRequestToken)
	if err != nil {
		return err
	}
	n.handles(pend.Password)
	db, err := dbclient.Open(ctx, f.Dial, pend.Target())
	if err != nil {
		return fmt.Errorf("Unable to log into database with pending secret of secret ARN %s: %w", ev.SecretID, err)
	}
	defer db.Close()
	var now string
	if err := db.QueryRowContext(ctx, "SELECT NOW()").Scan(&now); err != nil {
		return fmt.Errorf("query as %s: %w", pend.Username, err)
	}
	n.add(fmt.Sprintf("%s logged in and ran SELECT NOW()", pend.Username))
	return nil
}
