// Command rotation-tutor teaches, demonstrates and troubleshoots AWS Secrets Manager
// alternating-users rotation for a MySQL database reached through an SSH bastion.
//
// This file only parses flags and wires packages together: the tutorial lives in steps/,
// the screens in tui/, the in-process AWS stand-in in sandbox/, and the choice between
// the sandbox and a real account in world/.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
)

// Exit codes are part of the command-line contract (DESIGN.md): 0 ok, 1 a check or step
// failed, 2 the command line was wrong.
const (
	exitOK     = 0
	exitFailed = 1
	exitUsage  = 2
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

// run is main without the process: it returns the exit code so tests can call it, and ends
// long-running commands (sandbox) when ctx does.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {

	name, rest := "", args
	if len(args) > 0 && !isFlag(args[0]) {
		name, rest = args[0], args[1:]
	}
	cmd, ok := commands[name]
	if !ok {
		fmt.Fprintf(stderr, "rotation-tutor: unknown command %q\n\n", name)
		printUsage(stderr)
		return exitUsage
	}
	fs, opts := newFlagSet(cmd, stderr)
	for {
		if err := fs.Parse(rest); err != nil {
			if errors.Is(err, errHelp) {
				return exitOK
			}
			return exitUsage
		}
		if fs.NArg() == 0 {
			break
		}
		if !cmd.args {
			fmt.Fprintf(stderr, "rotation-tutor %s: unexpected argument %q (see --help)\n", cmd.name, fs.Arg(0))
			return exitUsage
		}
		// Words may come before flags (lab break NAME --state DIR): keep them, read on.
		opts.args, rest = append(opts.args, fs.Arg(0)), fs.Args()[1:]
	}
	if err := opts.validate(cmd); err != nil {
		fmt.Fprintf(stderr, "rotation-tutor %s: %v\n", cmd.name, err)
		return exitUsage
	}
	return cmd.run(ctx, opts, stdout, stderr)
}

func isFlag(s string) bool { return len(s) > 0 && s[0] == '-' }
