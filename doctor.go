package main

import (
	"context"
	"fmt"
	"io"
	"os"

	"github.com/charmbracelet/x/term"

	"rotation-tutor/doctor"
	"rotation-tutor/steps"
)

// doctorChecker plugs the doctor into the walkthrough's troubleshooting step. The steps
// package defines what it needs (steps.Checker); the doctor knows nothing of the steps.
func doctorChecker(o *options) steps.Checker {
	return func(ctx context.Context, req steps.CheckRequest) []steps.Check {
		rep := doctor.Run(ctx, doctorTarget(req.Env, req.SecretID, req.Strategy), nil)
		out := make([]steps.Check, 0, len(rep.Checks))
		for _, c := range rep.Checks {
			out = append(out, steps.Check{Hop: c.Hop, Name: c.Name, OK: c.OK, Skipped: c.Skipped,
				Took: c.Took, Detail: c.Detail, Fix: c.Fix})
		}
		return out
	}
}

func doctorTarget(env *steps.Env, secretID, strategy string) doctor.Target {
	t := doctor.Target{
		Secrets: env.Secrets, Region: env.Region, SecretID: secretID,
		SSH: env.SSH, DBHost: env.DBHost, DBPort: env.DBPort, DBName: env.DBName,
		AdminSecretARN: env.AdminSecretARN, RotationLambdaARN: env.RotationLambdaARN,
		Strategy: doctor.StrategyAlternating,
	}
	if strategy == steps.StrategySingle {
		t.Strategy = doctor.StrategySingle
		t.RotationLambdaARN = env.SingleUserLambdaARN
	}
	return t
}

func runDoctor(ctx context.Context, o *options, stdout, stderr io.Writer) int {
	w := newWorld(o)
	defer w.Close()
	env, err := w.Start(ctx, func(stage string) {
		if !o.json {
			fmt.Fprintf(stderr, "… %s\n", stage)
		}
	})
	if err != nil {
		fmt.Fprintf(stderr, "rotation-tutor doctor: %v\n", steps.Explain(err))
		return exitFailed
	}
	secretID := o.secretName
	t := doctorTarget(env, secretID, o.strategy)
	rep := doctor.Run(ctx, t, nil)
	if o.json {
		b, err := rep.JSON()
		if err != nil {
			return exitFailed
		}
		fmt.Fprintln(stdout, string(b))
	} else {
		rep.Text(stdout, os.Getenv("NO_COLOR") == "" && isTerminal(stdout))
	}
	return rep.ExitCode()
}

// isTerminal says whether w is a terminal, where colour helps; a pipe or file gets plain text.
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	return ok && term.IsTerminal(f.Fd())
}
