package main

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"strings"

	"rotation-tutor/world"
)

// askMissing asks, line by line before the walkthrough starts, for the real-AWS settings that
// cannot be discovered and were neither given nor remembered: the bastion, and the key to log
// in with. Everything else (the database, its admin secret) is found through the RDS API.
// Answers are remembered once the world starts with them (rememberOnStart).
func askMissing(o *options, in io.Reader, out io.Writer) error {
	current := o.awsOptions()
	if current.Bastion != "" {
		return nil
	}
	r := bufio.NewReader(in)
	fmt.Fprintln(out, "Real AWS mode needs the bastion you reach the database through (asked once; remembered without secrets).")
	for {
		answer, err := ask(r, out, "Bastion (user@host[:port], e.g. ec2-user@ec2-203-0-113-10.compute-1.amazonaws.com): ")
		if err != nil {
			return err
		}
		if _, _, perr := world.ParseBastion(answer); perr != nil {
			fmt.Fprintf(out, "  %v\n", perr)
			continue
		}
		o.bastion = answer
		break
	}
	if current.KeyFile == "" {
		hint := "empty: use ssh-agent"
		if os.Getenv("SSH_AUTH_SOCK") == "" {
			hint = "empty: use ssh-agent, which is not running"
		}
		for {
			answer, err := ask(r, out, "SSH private key file ("+hint+"): ")
			if err != nil {
				return err
			}
			if answer == "" {
				break
			}
			if _, serr := os.Stat(expandHome(answer)); serr != nil {
				fmt.Fprintf(out, "  cannot read %s: %v\n", answer, serr)
				continue
			}
			o.keyFile = expandHome(answer)
			break
		}
	}
	return nil
}

func ask(r *bufio.Reader, out io.Writer, prompt string) (string, error) {
	fmt.Fprint(out, prompt)
	line, err := r.ReadString('\n')
	if err != nil && (err != io.EOF || line == "") {
		return "", fmt.Errorf("no answer (%v): give it with a flag instead, see --help", err)
	}
	return strings.TrimSpace(line), nil
}

func expandHome(p string) string {
	if rest, ok := strings.CutPrefix(p, "~/"); ok {
		if home, err := os.UserHomeDir(); err == nil {
			return home + "/" + rest
		}
	}
	return p
}
