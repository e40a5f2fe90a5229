package steps

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	sm "github.com/aws/aws-sdk-go-v2/service/secretsmanager"

	"rotation-tutor/dbclient"
	"rotation-tutor/doctor"
	"rotation-tutor/internal/shell"
	"rotation-tutor/rotation"
)

// DoctorTarget is what the doctor checks for this environment and strategy.
// The doctor never asks about a host key: it reports it.
func DoctorTarget(env *Env, strategy rotation.Strategy) doctor.Target {
	t := doctor.Target{
		Secrets: env.Secrets, Region: env.Region, SecretID: env.SecretName, Strategy: strategy,
		SSH: env.SSH, DBHost: env.DBHost, DBPort: env.DBPort, DBName: env.DBName,
		AdminSecretARN: env.AdminSecretARN, RotationLambdaARN: functionFor(env, strategy), Identity: env.Identity,
	}
	t.SSH.OnUnknownHost = nil
	return t
}

func troubleshootStep() Step {
	return Step{ID: Troubleshoot, Title: titleTroubleshoot, Action: actionTroubleshoot, explain: explainTroubleshoot,
		commands: func(s *Session) []Command {
			env := s.Env()
			if env == nil {
				return nil
			}
			var args []string
			if env.Kind == KindAWS {
				args = append(args, awsFlags(env)...)
			}
			if s.Choices().Strategy == rotation.SingleUser {
				args = append(args, "--strategy", "single")
			}
			return []Command{{Tool: "shell", Note: "the same checks from another shell, even while this runs (--json for scripts)", Text: selfCmd(s, "doctor", args...)}}
		},
		run: func(ctx context.Context, s *Session) (Result, error) {
			r, err := lookTroubleshoot(ctx, s)
			if err == nil && !r.Holds {
				first := doctor.Report{Checks: r.Checks}.Failed()[0]
				err = &Failure{Action: "check the " + first.Hop + " hop: " + first.Name, Fix: first.Fix, Err: errors.New(first.Detail)}
			}
			return r, err
		},
		look: lookTroubleshoot}
}

func lookTroubleshoot(ctx context.Context, s *Session) (Result, error) {
	env, err := s.requireEnv()
	if err != nil {
		return Result{}, err
	}
	rep := doctor.Run(ctx, DoctorTarget(env, s.Choices().Strategy), nil)
	failed, ran := len(rep.Failed()), 0
	for _, c := range rep.Checks {
		if !c.Skipped {
			ran++
		}
	}
	r := Result{Holds: rep.OK, Summary: fmt.Sprintf("%d of %d checks passed", ran-failed, ran), Checks: rep.Checks}
	if failed > 0 {
		r.Summary += fmt.Sprintf("; first failure at %s (%s)", rep.Failed()[0].Hop, rep.Failed()[0].Name)
	}
	return r, nil
}

func cleanUpStep() Step {
	return Step{ID: CleanUp, Title: titleCleanUp, Action: actionCleanUp, explain: explainCleanUp,
		commands: func(s *Session) []Command {
			env := s.Env()
			if env == nil {
				return nil
			}
			drop := shell.Quote("DROP USER IF EXISTS " + sqlUser(AppUser) + "; DROP USER IF EXISTS " + sqlUser(CloneUser) + ";")
			cmds := []Command{
				{Tool: "aws", Note: "schedule deletion with the shortest recovery window", Text: awsCmd(env, "secretsmanager", "delete-secret",
					"--secret-id", shell.Quote(env.SecretName), "--recovery-window-in-days", fmt.Sprint(RecoveryDays))},
				{Tool: "mysql", Note: "as admin: drop both users", Text: mysqlAs(env, adminSecretName(env), "", drop)},
				{Tool: "aws", Note: "changed your mind within the window", Text: awsCmd(env, "secretsmanager", "restore-secret", "--secret-id", shell.Quote(env.SecretName))},
			}
			if env.Kind == KindAWS {
				cmds = append(cmds, Command{Tool: "aws", Note: "the database (not created by this app)", Text: awsCmd(env, "rds", "delete-db-instance",
					"--db-instance-identifier", shell.Quote(env.DBInstance), "--skip-final-snapshot")})
			}
			return cmds
		},
		run:  runCleanUp,
		look: lookCleanUp}
}

func runCleanUp(ctx context.Context, s *Session) (Result, error) {
	env, db, err := s.requireAdmin(ctx)
	if err != nil {
		return Result{}, err
	}
	d, err := describeApp(ctx, env)
	if err != nil {
		return Result{}, err
	}
	if d != nil && d.DeletedDate == nil {
		if _, err := env.Secrets.DeleteSecret(ctx, &sm.DeleteSecretInput{SecretId: aws.String(env.SecretName), RecoveryWindowInDays: aws.Int64(RecoveryDays)}); err != nil {
			return Result{}, fail("schedule the deletion of "+env.SecretName, err)
		}
	}
	s.StopProbe()
	var sqlRun []string
	for _, u := range []string{AppUser, CloneUser} {
		if err := dbclient.DropUser(ctx, db, u); err != nil {
			return Result{}, fail("drop the user "+u, err)
		}
		sqlRun = append(sqlRun, "DROP USER IF EXISTS "+sqlUser(u)+";")
	}
	r, err := lookCleanUp(ctx, s)
	r.SQL = sqlRun
	return r, err
}

func lookCleanUp(ctx context.Context, s *Session) (Result, error) {
	env, db, err := s.requireAdmin(ctx)
	if err != nil {
		return Result{}, err
	}
	d, err := describeApp(ctx, env)
	if err != nil {
		return Result{}, err
	}
	var facts []Fact
	gone := true
	switch {
	case d == nil:
		facts = append(facts, Fact{Label: "Secret", Value: env.SecretName + " does not exist"})
	case d.DeletedDate != nil:
		facts = append(facts, Fact{Label: "Secret", Value: env.SecretName + " is scheduled for deletion on " + localTime(*d.DeletedDate)},
			Fact{Label: "Restore", Value: "possible until then (restore-secret)"})
	default:
		gone = false
		facts = append(facts, Fact{Label: "Secret", Value: env.SecretName + " is live"})
	}
	var left []string
	for _, u := range []string{AppUser, CloneUser} {
		ok, err := dbclient.UserExists(ctx, db, u)
		if err != nil {
			return Result{}, fail("look for "+u+" in mysql.user", err)
		}
		if ok {
			left = append(left, u)
		}
	}
	if len(left) == 0 {
		facts = append(facts, Fact{Label: "Users", Value: AppUser + " and " + CloneUser + " do not exist"})
	} else {
		gone = false
		facts = append(facts, Fact{Label: "Users", Value: strings.Join(left, " and ") + " still exist"})
	}
	if env.Kind == KindSandbox {
		facts = append(facts, Fact{Label: "Sandbox", Value: "stops when you quit"})
	} else {
		facts = append(facts, Fact{Label: "Not removed", Value: "the database, the bastion and any rotation function stack: see the commands"})
	}
	r := Result{Holds: gone, Facts: facts, Summary: "not cleaned up: the secret or the users are still there"}
	if gone {
		r.Summary = "cleaned up: the secret is deleted or scheduled for deletion, and both users are dropped"
	}
	return r, nil
}

// RestoreSecret cancels the scheduled deletion of the app secret and brings
// back the users its AWSCURRENT and AWSPREVIOUS versions name, with their
// passwords and the tutorial's grant, so that what logged in before the
// clean-up logs in again. What it could not restore it says, with the
// command that would.
func (s *Session) RestoreSecret(ctx context.Context) (Result, error) {
	env, db, err := s.requireAdmin(ctx)
	if err != nil {
		return Result{}, err
	}
	start := time.Now()
	if d, err := describeApp(ctx, env); err != nil {
		return Result{}, err
	} else if d == nil {
		return Result{}, failFix("restore "+env.SecretName, "The secret is gone for good: store it again (the store-secret step).", errors.New("it does not exist"))
	} else if d.DeletedDate != nil {
		if _, err := env.Secrets.RestoreSecret(ctx, &sm.RestoreSecretInput{SecretId: aws.String(env.SecretName)}); err != nil {
			return Result{}, fail("restore "+env.SecretName, err)
		}
	}
	vs, err := appVersions(ctx, env)
	if err != nil {
		return Result{}, err
	}
	r := Result{Holds: true, At: start}
	var back []string
	for _, stage := range []string{rotation.StageCurrent, rotation.StagePrevious} {
		v, ok := vs[stage]
		if !ok || v.Username == "" || slices.Contains(back, v.Username) {
			continue
		}
		if err := s.restoreUser(ctx, env, db, v); err != nil {
			r.Holds = false
			p := Explain(err)
			r.Facts = append(r.Facts, Fact{Label: "Not restored", Value: v.Username + " (" + stage + "): " + p.Why},
				Fact{Label: "By hand", Value: "run the store-secret step again: it gives " + v.Username + " the password in AWSCURRENT"})
			continue
		}
		back = append(back, v.Username)
		r.SQL = append(r.SQL, "CREATE USER IF NOT EXISTS "+sqlUser(v.Username)+" IDENTIFIED BY '"+masked+"';",
			"GRANT SELECT ON "+dbclient.QuoteIdent(env.DBName)+".* TO "+sqlUser(v.Username)+";")
	}
	r.Summary = env.SecretName + " restored; " + strings.Join(back, " and ") + " log in again with the passwords it holds"
	if len(back) == 0 {
		r.Summary = env.SecretName + " restored; no user could be brought back"
	}
	r.Took = time.Since(start)
	return r, nil
}

// restoreUser makes v's user log in with v's password, creating it with the
// tutorial's grant if it is gone.
func (s *Session) restoreUser(ctx context.Context, env *Env, db dbclient.Queryer, v rotation.Secret) error {
	if s.loginAs(ctx, env, v.Username, v.Password) == nil {
		return nil
	}
	exists, err := dbclient.UserExists(ctx, db, v.Username)
	if err != nil {
		return fail("look for "+v.Username, err)
	}
	if exists {
		err = dbclient.SetPassword(ctx, db, v.Username, v.Password)
	} else {
		err = dbclient.CreateUser(ctx, db, v.Username, v.Password)
	}
	if err != nil {
		return fail("bring back "+v.Username, err)
	}
	if err := dbclient.GrantSelect(ctx, db, env.DBName, v.Username); err != nil {
		return fail("grant SELECT to "+v.Username, err)
	}
	return nil
}
