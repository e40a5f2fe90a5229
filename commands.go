package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"rotation-tutor/bench"
	"rotation-tutor/internal/vclock"
	"rotation-tutor/sandbox"
	"rotation-tutor/steps"
	"rotation-tutor/tui"
	"rotation-tutor/world"
)

type command struct {
	name, summary, usage string
	groups               flagGroup
	run                  func(ctx context.Context, o *options, stdout, stderr io.Writer) int
	args                 bool // takes words after the flags (lab's subcommand and scenario)
}

var commandOrder = []string{"", "sandbox", "run", "doctor", "lab", "bench", "serve"}

var commands = map[string]command{
	"": {
		summary: "the walkthrough, on the in-process sandbox (or --aws)",
		usage:   "rotation-tutor [--aws …] [--state DIR] [--reset] [--time-scale N]",
		groups:  groupState | groupEngine | groupWorld | groupTutorial | groupPresent | groupClock,
		run:     runTUI,
	},
	"sandbox": {
		name:    "sandbox",
		summary: "run the sandbox headless and print its endpoints, credentials and commands",
		usage:   "rotation-tutor sandbox [--json] [--state DIR] [--master-password] [--time-scale N]",
		groups:  groupState | groupOutput | groupEngine | groupMasterPassword | groupClock,
		run:     runSandbox,
	},
	"run": {
		name:    "run",
		summary: "the whole walkthrough headless, one line per step",
		usage:   "rotation-tutor run --yes [--json] [--aws …] [--time-scale N]",
		groups:  groupState | groupOutput | groupEngine | groupWorld | groupTutorial | groupYes | groupClock,
		run:     runHeadless,
	},
	"doctor": {
		name:    "doctor",
		summary: "hop-by-hop diagnosis; the exit code says whether a hop failed",
		usage:   "rotation-tutor doctor [--json] [--aws …]",
		groups:  groupState | groupOutput | groupEngine | groupWorld | groupTutorial,
		run:     runDoctor,
	},
	"lab": {
		name:    "lab",
		summary: "troubleshooting scenarios: break the sandbox as real set-ups break, fix it, check the doctor finds it",
		usage:   labUsage,
		groups:  groupState | groupOutput | groupEngine,
		run:     runLab,
		args:    true,
	},
	"bench": {
		name:    "bench",
		summary: "measure start-up, rotation and availability figures on this machine",
		usage:   "rotation-tutor bench [--json] [--clients N] [--rotations N] | bench --serve [--attendees 10,50]",
		groups:  groupOutput | groupBench | groupEngine,
		run:     runBench,
	},
	"serve": {
		name:    "serve",
		summary: "workshop: the walkthrough over SSH, a sandbox per attendee, a dashboard for the instructor",
		usage:   "rotation-tutor serve (--authorized-keys FILE | --passphrase WORD | --open) [--dashboard]",
		groups:  groupState | groupEngine | groupServe,
		run:     runServe,
	},
}

func defaultStateDir() string {
	if dir, err := os.UserConfigDir(); err == nil {
		return filepath.Join(dir, "rotation-tutor")
	}
	return ".rotation-tutor"
}

// newWorld picks the world: the sandbox unless --aws. attach lets a command that only looks
// use the sandbox the walkthrough is running on the same state.
func newWorld(o *options, attach bool) steps.World {
	if o.aws {
		opts := o.awsOptions()
		if path, err := world.RememberedPath(); err == nil {
			opts.RememberPath = path
		}
		return world.AWS(opts)
	}
	return world.Sandbox(world.SandboxOptions{StateDir: sandboxDir(o.stateDir), Engine: o.engine, RequireTLS: o.dbTLS, Attach: attach, TimeScale: o.timeScale})
}

func sandboxDir(stateDir string) string { return filepath.Join(stateDir, "sandbox") }

// resetState forgets progress and sandbox data. It removes only what rotation-tutor wrote,
// never the whole --state directory, in case it was pointed somewhere shared.
func resetState(stateDir string) error {
	if err := steps.ResetProgress(stateDir); err != nil {
		return err
	}
	return os.RemoveAll(sandboxDir(stateDir))
}

func runTUI(ctx context.Context, o *options, stdout, stderr io.Writer) int {
	if o.reset {
		if err := resetState(o.stateDir); err != nil {
			fmt.Fprintf(stderr, "rotation-tutor: could not reset %s: %v\n", o.stateDir, err)
			return exitFailed
		}
	}
	mode := "sandbox"
	if o.aws {
		mode = "real AWS"
	}
	err := tui.Run(ctx, newWorld(o, false), tui.Options{Session: o.sessionOptions(), Mode: mode, AltScreen: true, Summary: stdout, Present: o.present})
	if err != nil {
		fmt.Fprintf(stderr, "rotation-tutor: %v\n", err)
		return exitFailed
	}
	return exitOK
}

func runSandbox(ctx context.Context, o *options, stdout, stderr io.Writer) int {
	if o.masterPassword {
		// Only for a shell's $(…): the walkthrough's commands read it this way, never pasted.
		pw, err := sandbox.MasterPassword(sandboxDir(o.stateDir))
		if err != nil {
			fmt.Fprintf(stderr, "rotation-tutor sandbox: %v\n", err)
			return exitFailed
		}
		fmt.Fprintln(stdout, pw)
		return exitOK
	}
	if o.reset {
		if err := os.RemoveAll(sandboxDir(o.stateDir)); err != nil {
			fmt.Fprintf(stderr, "rotation-tutor sandbox: could not reset: %v\n", err)
			return exitFailed
		}
	}
	if in, ok, err := sandbox.Attach(sandboxDir(o.stateDir)); err != nil {
		fmt.Fprintf(stderr, "rotation-tutor sandbox: %v\n", err)
		return exitFailed
	} else if ok {
		// The walkthrough (or another sandbox command) runs it: show that one, which stops
		// when its owner does.
		return printSandbox(in, o.json, stdout, stderr, "This is the sandbox another rotation-tutor runs on "+o.stateDir+"; it stops when that one does.")
	}
	clock, err := vclock.New(o.timeScale)
	if err != nil {
		fmt.Fprintf(stderr, "rotation-tutor sandbox: %v\n", err)
		return exitUsage
	}
	sb, err := sandbox.Start(ctx, sandbox.Options{StateDir: sandboxDir(o.stateDir), Engine: o.engine, RequireTLS: o.dbTLS, Clock: clock,
		Logf: func(format string, args ...any) { fmt.Fprintf(stderr, "rotation-tutor sandbox: "+format+"\n", args...) }})
	if err != nil {
		fmt.Fprintf(stderr, "rotation-tutor sandbox: %v\n", err)
		return exitFailed
	}
	if code := printSandbox(sb.Info(), o.json, stdout, stderr, ""); code != exitOK {
		sb.Close()
		return code
	}
	<-ctx.Done()
	if err := sb.Close(); err != nil {
		fmt.Fprintf(stderr, "rotation-tutor sandbox: shutting down: %v\n", err)
		return exitFailed
	}
	return exitOK
}

// printSandbox prints a sandbox's facts, for people or (--json) for scripts.
func printSandbox(in sandbox.Info, asJSON bool, stdout, stderr io.Writer, note string) int {
	if asJSON {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		if err := enc.Encode(in); err != nil {
			fmt.Fprintf(stderr, "rotation-tutor sandbox: %v\n", err)
			return exitFailed
		}
		return exitOK
	}
	in.WriteSummary(stdout)
	if note != "" {
		fmt.Fprintln(stdout, "\n"+note)
	}
	return exitOK
}

func runHeadless(ctx context.Context, o *options, stdout, stderr io.Writer) int {
	if o.aws && !o.yes {
		fmt.Fprintln(stderr, "rotation-tutor run: this creates a database user and a secret and rotates it in your AWS account; add --yes to go ahead")
		return exitUsage
	}
	if o.reset {
		if err := resetState(o.stateDir); err != nil {
			fmt.Fprintf(stderr, "rotation-tutor run: could not reset: %v\n", err)
			return exitFailed
		}
	}
	err := steps.RunHeadless(ctx, newWorld(o, false), steps.HeadlessOptions{
		JSON: o.json, Yes: o.yes, Out: stdout, Session: o.sessionOptions(),
	})
	switch {
	case err == nil:
		return exitOK
	case errors.Is(err, steps.ErrNeedYes):
		fmt.Fprintf(stderr, "rotation-tutor run: %v\n", err)
		return exitUsage
	default:
		fmt.Fprintf(stderr, "rotation-tutor run: %v\n", err)
		return exitFailed
	}
}

func runBench(ctx context.Context, o *options, stdout, stderr io.Writer) int {
	self, err := os.Executable() // start-up is timed on this very binary
	if o.serveBench.on {
		return runServeBench(ctx, o, self, stdout, stderr)
	}
	if err != nil {
		fmt.Fprintf(stderr, "rotation-tutor bench: cannot find this program's binary (%v), so start-up is not measured\n", err)
	}
	rep, err := bench.Run(ctx, bench.Options{
		Clients: o.clients, Rotations: o.rotations, Engine: o.engine, RequireTLS: o.dbTLS, Executable: self,
		Progress: bench.TerminalProgress(stderr),
	})
	if err != nil {
		fmt.Fprintf(stderr, "rotation-tutor bench: %v\n", err)
		return exitFailed
	}
	return writeReport(stdout, o.json, rep)
}

// writeReport prints a bench report as JSON (--json) or as its table.
func writeReport(stdout io.Writer, asJSON bool, rep interface{ WriteTable(io.Writer) }) int {
	if !asJSON {
		rep.WriteTable(stdout)
		return exitOK
	}
	enc := json.NewEncoder(stdout)
	enc.SetIndent("", "  ")
	if err := enc.Encode(rep); err != nil {
		return exitFailed
	}
	return exitOK
}
