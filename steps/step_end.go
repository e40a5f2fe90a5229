package steps

import (
	"context"
	"errors"
	"fmt"

	"rotation-tutor/doctor"
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
	t.DBCA, t.DBInstance, t.EndpointURL = env.DBCA, env.DBInstance, env.SecretsEndpoint
	if rds, ok := env.RDS.(doctor.RDSAPI); ok {
		t.RDS = rds
	}
	if fs := env.FunctionSide; fs.Lambda != nil {
		t.Lambda, t.EC2, t.IAM, t.Logs = fs.Lambda, fs.EC2, fs.IAM, fs.Logs
	}
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
			if s.Choices().Flavour == FlavourClassic {
				args = append(args, "--tutorial", "classic")
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
