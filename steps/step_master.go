package steps

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	sm "github.com/aws/aws-sdk-go-v2/service/secretsmanager"

	"rotation-tutor/internal/shell"
	"rotation-tutor/rotation"
)

// The older tutorial's master secret: the master user's credentials, stored by the
// learner (not by RDS), read by the connect step and named by the user secret's masterarn.

func storeMasterSecretStep() Step {
	return Step{ID: StoreMasterSecret, Title: titleStoreMaster, Action: actionStoreMaster, explain: explainStoreMaster,
		commands: masterCommands, run: runStoreMaster, look: lookStoreMaster}
}

// masterJQ is the master secret's value as jq builds it, the password from $pw.
func masterJQ(env *Env, t Tutorial) string {
	return "{" + strings.Join([]string{`engine:"mysql"`, fmt.Sprintf("host:%q", env.DBHost), fmt.Sprintf("port:%d", env.DBPort),
		fmt.Sprintf("username:%q", t.MasterUser), "password:$pw", fmt.Sprintf("dbname:%q", env.DBName)}, ",") + "}"
}

func masterCommands(s *Session) []Command {
	env := s.Env()
	if env == nil {
		return nil
	}
	t := s.tut()
	create := awsCmd(env, "secretsmanager", "create-secret", "--name", shell.Quote(t.MasterSecret),
		"--description", shell.Quote(masterDescription), "--secret-string", `"$(jq -cn --arg pw "$pw" `+shell.Quote(masterJQ(env, t))+`)"`)
	note := "store " + t.MasterUser + "'s credentials, with the password you type (it is not echoed)"
	text := "read -rsp " + shell.Quote("Master password of "+t.Instance+": ") + " pw && echo && " + create
	if env.MasterPassword != nil {
		// The sandbox chose it, so a command of its own tells it: never pasted.
		note = "store " + t.MasterUser + "'s credentials, with the master password the sandbox chose"
		text = `pw="$(` + selfCmd(s, "sandbox", "--master-password") + `)" && ` + create
	}
	return []Command{
		{Tool: "aws", Note: note, Text: text},
		{Tool: "aws", Note: "see it: a secret of yours, with no rotation", Text: awsCmd(env, "secretsmanager", "describe-secret",
			"--secret-id", shell.Quote(t.MasterSecret), "--query", shell.Quote("[Name,ARN,RotationEnabled]"))},
	}
}

func runStoreMaster(ctx context.Context, s *Session) (Result, error) {
	env, err := s.requireEnv()
	if err != nil {
		return Result{}, err
	}
	t := s.tut()
	d, err := describeSecret(ctx, env, t.MasterSecret)
	if err != nil {
		return Result{}, err
	}
	var notes []Fact
	switch {
	case d == nil && env.MasterPassword == nil:
		return Result{}, failFix("store "+t.MasterSecret, fixMasterByHand(t), errors.New("it does not exist, and only you know the master password"))
	case d == nil:
		value, err := masterValue(env, t)
		if err != nil {
			return Result{}, err
		}
		if _, err := env.Secrets.CreateSecret(ctx, &sm.CreateSecretInput{Name: aws.String(t.MasterSecret),
			Description: aws.String(masterDescription), SecretString: aws.String(value)}); err != nil {
			return Result{}, fail("create the secret "+t.MasterSecret, err)
		}
	case d.DeletedDate != nil:
		if _, err := env.Secrets.RestoreSecret(ctx, &sm.RestoreSecretInput{SecretId: aws.String(t.MasterSecret)}); err != nil {
			return Result{}, fail("restore "+t.MasterSecret+", scheduled for deletion", err)
		}
		notes = append(notes, Fact{Label: "Note", Value: "it was scheduled for deletion: restored"})
	}
	r, err := lookStoreMaster(ctx, s)
	if err != nil || r.Holds {
		r.Facts = append(r.Facts, notes...)
		return r, err
	}
	if env.MasterPassword == nil {
		return r, failFix("store "+t.MasterSecret, fixMasterByHand(t), errors.New(r.Summary))
	}
	// The sandbox knows the password the instance has: a value that lacks it, or a key the
	// rotation function reads, is stored again, corrected.
	value, err := masterValue(env, t)
	if err != nil {
		return Result{}, err
	}
	if _, err := env.Secrets.PutSecretValue(ctx, &sm.PutSecretValueInput{SecretId: aws.String(t.MasterSecret), SecretString: aws.String(value)}); err != nil {
		return Result{}, fail("store a corrected version of "+t.MasterSecret, err)
	}
	notes = append(notes, Fact{Label: "Note", Value: "stored a corrected value: " + r.Summary})
	r, err = lookStoreMaster(ctx, s)
	r.Facts = append(r.Facts, notes...)
	return r, err
}

// masterValue is the master secret's value, with the password the world knows.
func masterValue(env *Env, t Tutorial) (string, error) {
	v, err := rotation.NewSecret(env.DBHost, env.DBPort, env.DBName, t.MasterUser, env.MasterPassword(), "").JSON()
	if err != nil {
		return "", fail("encode the master secret", err)
	}
	return v, nil
}

func lookStoreMaster(ctx context.Context, s *Session) (Result, error) {
	env, err := s.requireEnv()
	if err != nil {
		return Result{}, err
	}
	t := s.tut()
	d, err := describeSecret(ctx, env, t.MasterSecret)
	switch {
	case err != nil:
		return Result{}, err
	case d == nil:
		return Result{Summary: t.MasterSecret + " is not stored yet", Facts: masterPasswordFact(env)}, nil
	case d.DeletedDate != nil:
		return Result{Summary: t.MasterSecret + " is scheduled for deletion on " + localTime(*d.DeletedDate) + "; running this step restores it"}, nil
	}
	cur, version, err := readSecret(ctx, env, t.MasterSecret, rotation.StageCurrent, "")
	if err != nil {
		return Result{}, fail("read the AWSCURRENT version of "+t.MasterSecret, err)
	}
	shown := cur
	shown.Password = masked
	js, _ := shown.JSON()
	r := Result{Holds: true, Summary: fmt.Sprintf("%s is stored: %s's credentials, version %s", t.MasterSecret, cur.Username, short(version)),
		Facts: []Fact{
			{Label: "ARN", Value: aws.ToString(d.ARN)},
			{Label: "Value", Value: js},
			{Label: "Rotation", Value: noteMasterNotRotated},
		}}
	r.Facts = append(r.Facts, masterPasswordFact(env)...)
	var problems []string
	for _, k := range cur.Missing("engine", "host", "username", "password") {
		problems = append(problems, "no "+k)
	}
	if cur.Username != "" && cur.Username != t.MasterUser {
		problems = append(problems, "user "+cur.Username+", not "+t.MasterUser)
	}
	if cur.Host != "" && (cur.Host != env.DBHost || cur.Port != env.DBPort) {
		problems = append(problems, fmt.Sprintf("host %s:%d, not %s:%d", cur.Host, cur.Port, env.DBHost, env.DBPort))
	}
	if env.MasterPassword != nil && cur.Password != "" && cur.Password != env.MasterPassword() {
		problems = append(problems, "its password is not the instance's master password")
	}
	if len(problems) > 0 {
		r.Holds = false
		r.Summary = t.MasterSecret + " is stored but does not hold the master user's credentials: " + strings.Join(problems, ", ")
	}
	return r, nil
}

// masterPasswordFact shows the master password the world knows, masked until revealed.
func masterPasswordFact(env *Env) []Fact {
	if env.MasterPassword == nil {
		return nil
	}
	return []Fact{{Label: "Master password", Value: env.MasterPassword(), Secret: true}}
}
