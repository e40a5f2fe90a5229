package steps

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	sm "github.com/aws/aws-sdk-go-v2/service/secretsmanager"

	"rotation-tutor/dbclient"
)

func troubleshootStep() Step {
	return Step{ID: Troubleshoot, Title: titleTroubleshoot, Action: actionTroubleshoot, explain: explainTroubleshoot,
		commands: func(s *Session, reveal bool) []Command {
			c := "rotation-tutor doctor"
			if env := s.Env(); env != nil && env.Kind == KindAWS {
				c += " --aws"
			}
			return []Command{{Tool: "shell", Note: "the same checks from a script (--json for machines)", Text: c}}
		},
		run: func(ctx context.Context, s *Session) (Result, error) {
			env, err := s.requireEnv()
			if err != nil {
				return Result{}, err
			}
			checks := s.Options().Checker(ctx, CheckRequest{Env: env, SecretID: s.SecretID(), Strategy: s.Options().Strategy})
			failed, ran := 0, 0
			for _, c := range checks {
				if !c.Skipped {
					ran++
				}
				if !c.OK && !c.Skipped {
					failed++
				}
			}
			r := Result{Summary: fmt.Sprintf("%d of %d checks passed", ran-failed, ran), Checks: checks}
			if failed > 0 {
				first := firstFailed(checks)
				return r, &Failure{Action: "check the " + first.Hop + " hop: " + first.Name, Fix: first.Fix, Err: errors.Join(checksFailed(failed), errors.New(first.Detail))}
			}
			return r, nil
		}}
}

func firstFailed(cs []Check) Check {
	for _, c := range cs {
		if !c.OK && !c.Skipped {
			return c
		}
	}
	return Check{}
}

func cleanUpStep() Step {
	return Step{ID: CleanUp, Title: titleCleanUp, Action: actionCleanUp, explain: explainCleanUp,
		commands: func(s *Session, reveal bool) []Command {
			cmds := []Command{
				{Tool: "aws", Note: "schedule deletion with the shortest recovery window", Text: awsCmd(s, "delete-secret", "--secret-id", s.secretName(), "--recovery-window-in-days", "7")},
				{Tool: "aws", Note: "changed your mind within the window", Text: awsCmd(s, "restore-secret", "--secret-id", s.secretName())},
				{Tool: "sql", Note: "as admin", Text: "DROP USER IF EXISTS " + sqlUser(AppUser) + ";\nDROP USER IF EXISTS " + sqlUser(AppUser+"_clone") + ";"},
			}
			if env := s.Env(); env != nil && env.Kind == KindAWS {
				inst := env.DBInstance
				if inst == "" {
					inst = "<instance>"
				}
				cmds = append(cmds,
					Command{Tool: "aws", Note: "the database (not created by this app)", Text: "aws rds delete-db-instance --db-instance-identifier " + inst + " --skip-final-snapshot"},
					Command{Tool: "aws", Note: "the bastion (not created by this app)", Text: "aws ec2 terminate-instances --instance-ids <bastion instance id>"},
					Command{Tool: "aws", Note: "the rotation function's stack, if the console made one", Text: "aws cloudformation delete-stack --stack-name <rotation function stack>"},
				)
			}
			return cmds
		},
		run: runCleanUp}
}

func runCleanUp(ctx context.Context, s *Session) (Result, error) {
	env, db, err := s.requireAdmin(ctx)
	if err != nil {
		return Result{}, err
	}
	out, err := env.Secrets.DeleteSecret(ctx, &sm.DeleteSecretInput{SecretId: aws.String(s.SecretID()), RecoveryWindowInDays: aws.Int64(RecoveryDays)})
	if err != nil {
		return Result{}, fail("schedule the deletion of "+env.SecretName, err)
	}
	when := "in 7 days"
	if out.DeletionDate != nil {
		when = out.DeletionDate.Local().Format("Mon 2 Jan 2006 15:04")
	}
	s.StopProbe()
	var sqlRun []string
	for _, u := range []string{AppUser, AppUser + "_clone"} {
		if err := dbclient.DropUser(ctx, db, u); err != nil {
			return Result{}, fail("drop the user "+u, err)
		}
		sqlRun = append(sqlRun, "DROP USER IF EXISTS "+sqlUser(u)+";")
	}
	facts := []Fact{
		{"Secret", env.SecretName + " is scheduled for deletion on " + when},
		{"Restore", "press u before then (restore-secret)"},
		{"Users", AppUser + " and " + AppUser + "_clone dropped"},
	}
	if env.Kind == KindSandbox {
		facts = append(facts, Fact{"Sandbox", "stops when you quit"})
	} else {
		facts = append(facts, Fact{"Not removed", "the database, the bastion and any rotation function stack: see the commands"})
	}
	return Result{Summary: "secret scheduled for deletion on " + when + "; users dropped", Facts: facts, SQL: sqlRun}, nil
}

// RestoreSecret cancels the scheduled deletion of the app secret.
func (s *Session) RestoreSecret(ctx context.Context) (Result, error) {
	env, err := s.requireEnv()
	if err != nil {
		return Result{}, err
	}
	start := time.Now()
	if _, err := env.Secrets.RestoreSecret(ctx, &sm.RestoreSecretInput{SecretId: aws.String(s.SecretID())}); err != nil {
		return Result{}, &Failure{Step: CleanUp, Action: "restore " + env.SecretName, Err: err}
	}
	return Result{Summary: env.SecretName + " restored: its deletion is cancelled (the users stay dropped)", At: start, Took: time.Since(start)}, nil
}
