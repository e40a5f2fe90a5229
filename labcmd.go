package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"strings"

	"rotation-tutor/doctor"
	"rotation-tutor/lab"
	"rotation-tutor/rotation"
	"rotation-tutor/sandbox"
	"rotation-tutor/steps"
)

const labUsage = "rotation-tutor lab list [--json] | break NAME | fix NAME | check [NAME]"

// runLab is the troubleshooting lab: list the scenarios, break or fix one on the sandbox of
// --state (running or not), or run the doctor and say whether it finds what is broken.
func runLab(ctx context.Context, o *options, stdout, stderr io.Writer) int {
	if len(o.args) == 0 {
		fmt.Fprintf(stderr, "rotation-tutor lab: say what to do: %s\n", labUsage)
		return exitUsage
	}
	sub, rest := o.args[0], o.args[1:]
	switch {
	case sub == "list" && len(rest) == 0:
		return labList(o.json, stdout)
	case (sub == "break" || sub == "fix") && len(rest) == 1, sub == "check" && len(rest) <= 1:
	default:
		fmt.Fprintf(stderr, "rotation-tutor lab: %q is not one of: %s\n", strings.Join(o.args, " "), labUsage)
		return exitUsage
	}
	var s lab.Scenario
	if len(rest) == 1 {
		var err error
		if s, err = lab.Find(rest[0]); err != nil {
			fmt.Fprintf(stderr, "rotation-tutor lab: %v\n", err)
			return exitUsage
		}
	}
	w, done, err := openLab(ctx, o, stderr)
	if err != nil {
		fmt.Fprintf(stderr, "rotation-tutor lab: %v\n", err)
		return exitFailed
	}
	defer done()
	switch sub {
	case "break":
		err = lab.Break(ctx, w, s)
		if err == nil {
			fmt.Fprintf(stdout, "Broken: %s (%s). Find it with: %s\n", s.Name, s.What, strings.TrimSpace(selfCommand()+" doctor --state "+shellWord(o.stateDir)))
		}
	case "fix":
		err = lab.Fix(ctx, w, s)
		if err == nil {
			fmt.Fprintf(stdout, "Fixed: %s.\n", s.Name)
		}
	case "check":
		return labCheck(ctx, o, w, s, stdout, stderr)
	}
	if err != nil {
		fmt.Fprintf(stderr, "rotation-tutor lab: %v\n", err)
		return exitFailed
	}
	return exitOK
}

func labList(asJSON bool, stdout io.Writer) int {
	type row struct {
		Name    string `json:"name"`
		What    string `json:"what"`
		Heading string `json:"heading"`
		Hop     string `json:"hop"`
		Check   string `json:"check"`
	}
	var rows []row
	for _, s := range lab.All() {
		rows = append(rows, row{s.Name, s.What, s.Heading, s.Hop, s.Check})
	}
	if asJSON {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		if err := enc.Encode(rows); err != nil {
			return exitFailed
		}
		return exitOK
	}
	for _, r := range rows {
		fmt.Fprintf(stdout, "%-33s %s → %s\n  %s\n", r.Name, r.Hop, r.Check, r.What)
		if r.Heading != "" {
			fmt.Fprintf(stdout, "  AWS: %s\n", r.Heading)
		}
	}
	return exitOK
}

// openLab is the sandbox on --state: the one running there, or one started for this command
// (stopped when it is done; the change stays, and the next start sees it).
func openLab(ctx context.Context, o *options, stderr io.Writer) (*lab.World, func(), error) {
	dir := sandboxDir(o.stateDir)
	in, ok, err := sandbox.Attach(dir)
	if err != nil {
		return nil, nil, err
	}
	var sb *sandbox.Sandbox
	if !ok {
		if sb, err = sandbox.Start(ctx, sandbox.Options{StateDir: dir, Engine: o.engine}); err != nil {
			return nil, nil, err
		}
		in = sb.Info()
	}
	w := lab.NewWorld(dir, in, o.secretName)
	return w, func() {
		w.Close()
		if sb != nil {
			if err := sb.Close(); err != nil {
				fmt.Fprintf(stderr, "rotation-tutor lab: stopping the sandbox: %v\n", err)
			}
		}
	}, nil
}

// labCheck runs the doctor and says whether its first failure is where each broken scenario
// (the one named, or those the lab broke and has not fixed) must be found.
func labCheck(ctx context.Context, o *options, w *lab.World, named lab.Scenario, stdout, stderr io.Writer) int {
	broken := []lab.Scenario{}
	if named.Name != "" {
		broken = append(broken, named)
	} else {
		for _, n := range lab.LoadBroken(w.Dir).Names {
			if s, err := lab.Find(n); err == nil {
				broken = append(broken, s)
			}
		}
	}
	wld := newWorld(o, true)
	defer wld.Close()
	env, err := wld.Start(ctx, nil)
	if err != nil {
		fmt.Fprintf(stderr, "rotation-tutor lab: %v\n", steps.Explain(err))
		return exitFailed
	}
	strategy := rotation.AlternatingUsers // the walkthrough's saved choice, as the doctor command judges
	if p, ok, _ := steps.LoadProgress(o.stateDir); ok && p.Strategy != "" {
		strategy = p.Strategy
	}
	t := steps.DoctorTarget(env, strategy)
	t.SecretID = w.SecretName
	rep := doctor.Run(ctx, t, nil)
	rep.Text(stdout, os.Getenv("NO_COLOR") == "" && isTerminal(stdout))
	if len(broken) == 0 {
		fmt.Fprintln(stdout, "\nThe lab has broken nothing here (lab break NAME does).")
		return rep.ExitCode()
	}
	failed := rep.Failed()
	found := len(failed) > 0
	for _, s := range broken {
		hit := found && failed[0].Hop == s.Hop && failed[0].Name == s.Check
		mark := "✗ not found"
		if hit {
			mark = "✓ found"
		}
		fmt.Fprintf(stdout, "\n%s: %s — the doctor must point at %s\n", mark, s.Name, s.Where())
		found = found && hit
	}
	if !found {
		return exitFailed
	}
	return exitOK
}
