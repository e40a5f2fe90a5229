package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/charmbracelet/x/term"

	"rotation-tutor/doctor"
	"rotation-tutor/rotation"
	"rotation-tutor/steps"
)

// resumeWait bounds how long the doctor lets a resumed rotation run before it looks.
const resumeWait = 20 * time.Second

func runDoctor(ctx context.Context, o *options, stdout, stderr io.Writer) int {
	// A strategy or tutorial given wins; otherwise the walkthrough's saved choice, so that
	// the doctor judges the world by the strategy and the tutorial that made it.
	strategy, _ := rotation.ParseStrategy(o.strategy)
	flavour := o.flavour
	if p, ok, _ := steps.LoadProgress(o.stateDir); ok {
		if o.strategy == "" {
			strategy = p.Strategy
		}
		if flavour == "" {
			flavour = p.Flavour
		}
	}
	w := newWorld(o, true)
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
	// A sandbox this command started resumes, at once, a rotation cut short when it last
	// stopped (as AWS would have finished it): judge the world once that has run, not the
	// moment before. Bounded, so that a rotation that cannot finish is still diagnosed.
	if env.WaitRotations != nil {
		wait, cancel := context.WithTimeout(ctx, resumeWait)
		_ = env.WaitRotations(wait)
		cancel()
	}
	t := steps.DoctorTarget(steps.TutorialEnv(env, flavour), strategy)
	if o.secretName != "" {
		t.SecretID = o.secretName
	}
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
