package sshterm

import (
	"context"
	"fmt"
	"slices"
)

// Stage is one move through the walkthrough: the keys a person presses and
// what the screen shows once they are answered. A person waits for it before
// the next key, or the key goes to the screen they are leaving.
type Stage struct {
	Keys  []string
	Shows []string
}

func stage(key string, shows ...string) Stage { return Stage{Keys: []string{key}, Shows: shows} }

// Walkthrough's stages from the welcome screen: each step's action, then on
// to the next step.
var (
	ToEnvironment = []Stage{stage("enter", "2/11 The environment", "sandbox running on loopback")}
	ToConnect     = slices.Concat(ToEnvironment, []Stage{stage("enter", "3/11 Connect through the bastion")})
	ToCreateUser  = slices.Concat(ToConnect, []Stage{
		stage("enter", "logged in as", "enter: next step"),
		stage("enter", "4/11 Create the database user")})
	ToStoreSecret = slices.Concat(ToCreateUser, []Stage{
		stage("enter", "appuser exists and can read tutorial"),
		stage("enter", "5/11 Store the secret")})
	ToLive = slices.Concat(ToStoreSecret, []Stage{
		stage("enter", "SecretsManagerTutorialAppuser is stored"),
		stage("enter", "6/11 Validate the secret", "CURRENT_USER() is appuser"),
		stage("enter", "7/11 Configure rotation"),
		stage("enter", "rotation is on"),
		stage("enter", "8/11 Watch it rotate", "CLIENTS")})
)

// Walk goes through stages, waiting for each one's screen.
func (t *Term) Walk(ctx context.Context, stages []Stage) error {
	for i, s := range stages {
		if err := t.Press(s.Keys...); err != nil {
			return err
		}
		if _, err := t.WaitFor(ctx, s.Shows...); err != nil {
			return fmt.Errorf("stage %d (%v): %w", i+1, s.Shows, err)
		}
	}
	return nil
}
