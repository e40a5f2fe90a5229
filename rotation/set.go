package rotation

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"

	"rotation-tutor/dbclient"
)

// setSecret makes the database accept the pending credentials.
func (f *Function) setSecret(ctx context.Context, ev Event, n *note) error {
	cur, err := f.getSecret(ctx, ev.SecretID, StageCurrent, "")
	if err != nil {
		return err
	}
	pend, err := f.getSecret(ctx, ev.SecretID, StagePending, ev.ClientRequestToken)
	if err != nil {
		return err
	}
	n.handles(cur.Password, pend.Password)

	// A retry after the password was set (or a crash just after) finds the
	// work done. Both strategies set the pending password as their last
	// statement, so a successful login here means every earlier one ran.
	if dbclient.Login(ctx, f.Dial, pend.Target(f.CA)) == nil {
		n.add("pending credentials already log in")
		n.logs("setSecret: AWSPENDING secret is already set as password in MySQL DB for secret arn %s.", ev.SecretID)
		return nil
	}
	if pend.Host != cur.Host {
		// Refuse to send credentials to another server than the one the
		// current secret names.
		return fmt.Errorf("Attempting to modify user for host %s other than current host %s", pend.Host, cur.Host)
	}
	if f.Strategy == SingleUser {
		return f.setSingleUser(ctx, ev, cur, pend, n)
	}
	return f.setAlternating(ctx, ev, cur, pend, n)
}

// setAlternating logs in as the admin, makes sure the pending user exists
// with every grant of the current one, and sets its password.
func (f *Function) setAlternating(ctx context.Context, ev Event, cur, pend Secret, n *note) error {
	if want, _ := AlternateUsername(cur.Username, 0); pend.Username != want {
		return fmt.Errorf("Attempting to modify user %s other than current user or clone %s", pend.Username, cur.Username)
	}
	// The current credentials must work before we act for them: otherwise a
	// secret naming any user could make the admin change that user
	// (a confused deputy).
	if err := dbclient.Login(ctx, f.Dial, cur.Target(f.CA)); err != nil {
		return fmt.Errorf("Unable to log into database using current credentials for secret %s: %w", ev.SecretID, err)
	}
	if cur.MasterARN == "" {
		return errors.New("masterarn key is missing from secret JSON")
	}
	admin, err := f.adminSecret(ctx, cur, n)
	if err != nil {
		return err
	}
	db, err := dbclient.Open(ctx, f.Dial, admin.Target(f.CA))
	if err != nil {
		return fmt.Errorf("Unable to log into database using credentials in master secret %s: %w", cur.MasterARN, err)
	}
	defer db.Close()

	// A user created here gets a throwaway password, not the pending one:
	// the pending password is set last, so that "pending logs in" (the
	// retry check above) implies the grants were copied too.
	throwaway, err := throwawayPassword()
	if err != nil {
		return err
	}
	n.handles(throwaway)
	created, err := dbclient.CloneUser(ctx, db, cur.Username, pend.Username, throwaway)
	if err != nil {
		return fmt.Errorf("clone %s: %w", cur.Username, err)
	}
	if created {
		n.add(fmt.Sprintf("created user %s with the grants of %s", pend.Username, cur.Username))
	} else {
		n.add(fmt.Sprintf("copied the grants of %s to %s", cur.Username, pend.Username))
	}
	if err := copyTLSRequirement(ctx, db, cur.Username, pend.Username, n); err != nil {
		return err
	}
	if err := dbclient.SetPassword(ctx, db, pend.Username, pend.Password); err != nil {
		return fmt.Errorf("set password of %s: %w", pend.Username, err)
	}
	n.add(fmt.Sprintf("set the password of %s", pend.Username))
	n.logs("setSecret: Successfully set password for %s in MySQL DB for secret arn %s.", pend.Username, ev.SecretID)
	return nil
}

// setSingleUser logs in as the user (with the current secret, or the previous
// one when the current no longer works) and changes its own password.
func (f *Function) setSingleUser(ctx context.Context, ev Event, cur, pend Secret, n *note) error {
	if pend.Username != cur.Username {
		return fmt.Errorf("Attempting to modify user %s other than current user %s", pend.Username, cur.Username)
	}
	db, err := dbclient.Open(ctx, f.Dial, cur.Target(f.CA))
	if err != nil {
		prev, ok := f.previousOf(ctx, ev.SecretID, cur)
		if !ok {
			return fmt.Errorf("Unable to log into database with previous, current, or pending secret of secret arn %s: %w", ev.SecretID, err)
		}
		n.handles(prev.Password)
		// Like the template, the previous version logs in with the
		// current one's TLS setting.
		target := prev.Target(f.CA)
		target.TLS = cur.TLSMode()
		var perr error
		if db, perr = dbclient.Open(ctx, f.Dial, target); perr != nil {
			return fmt.Errorf("Unable to log into database with previous, current, or pending secret of secret arn %s: %w", ev.SecretID, err)
		}
		n.add("logged in with AWSPREVIOUS (AWSCURRENT no longer works)")
	}
	defer db.Close()
	if err := dbclient.SetOwnPassword(ctx, db, pend.Password); err != nil {
		return fmt.Errorf("set own password of %s: %w", pend.Username, err)
	}
	n.add(fmt.Sprintf("%s changed its own password", pend.Username))
	n.logs("setSecret: Successfully set password for user %s in MySQL DB for secret arn %s.", pend.Username, ev.SecretID)
	return nil
}

// previousOf returns AWSPREVIOUS when it is the same user on the same host;
// like the template, a missing or unreadable previous version is no error.
func (f *Function) previousOf(ctx context.Context, secretID string, cur Secret) (Secret, bool) {
	prev, err := f.getSecret(ctx, secretID, StagePrevious, "")
	if err != nil || prev.Username != cur.Username || prev.Host != cur.Host {
		return Secret{}, false
	}
	return prev, true
}

// throwawayPassword is a random password nobody stores: a new clone user
// holds it only until setSecret's last statement sets the pending one. It has
// each character type, for servers that enforce a password policy.
func throwawayPassword() (string, error) {
	b := make([]byte, 24)
	if _, err := rand.Read(b); err != nil {
		return "", fmt.Errorf("random password: %w", err)
	}
	return "Aa1-" + base64.RawURLEncoding.EncodeToString(b), nil
}
