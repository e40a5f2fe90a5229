package world

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"

	"rotation-tutor/steps"
)

// SetAsker lets Start put the settings that cannot be discovered (the
// bastion, the key) to the learner instead of failing for want of a flag.
// The walkthrough sets it; headless runs do not, and need the flags.
func (w *awsWorld) SetAsker(ask steps.Asker) { w.ask = ask }

// askMissing asks for the bastion when it was neither given nor remembered,
// and then for the key to log in with (empty: ssh-agent). An answer is
// checked as the flag would be and asked again, with the reason, until it
// passes or the learner declines.
func (w *awsWorld) askMissing(ctx context.Context) error {
	if w.ask == nil || w.o.Bastion != "" {
		return nil
	}
	bastion, err := askUntilValid(ctx, w.ask, steps.Question{
		Name: "bastion",
		Explain: "The EC2 instance you reach the database through, as user@host[:port]: its public DNS name or IP " +
			"(EC2 console → Instances → the bastion → Public IPv4 DNS), and the login user of its image " +
			"(ec2-user on Amazon Linux, ubuntu on Ubuntu).",
		Example: "ec2-user@ec2-203-0-113-10.compute-1.amazonaws.com",
	}, func(answer string) (string, error) {
		answer = strings.TrimSpace(answer)
		_, _, err := ParseBastion(answer)
		return answer, err
	})
	if err != nil {
		return err
	}
	w.o.Bastion = bastion
	if w.o.KeyFile != "" {
		return nil
	}
	agent := "Leave it empty to use ssh-agent."
	if os.Getenv("SSH_AUTH_SOCK") == "" {
		agent = "ssh-agent is not running here, so a file is needed."
	}
	key, err := askUntilValid(ctx, w.ask, steps.Question{
		Name:    "SSH key file",
		Explain: "The private key of the key pair the bastion was launched with. " + agent,
		Example: "~/.ssh/tutorial.pem",
	}, func(answer string) (string, error) { return resolveKey(strings.TrimSpace(answer)) })
	if err != nil {
		return err
	}
	w.o.KeyFile = key
	return nil
}

func askUntilValid(ctx context.Context, ask steps.Asker, q steps.Question, check func(string) (string, error)) (string, error) {
	for {
		answer, err := ask(ctx, q)
		if errors.Is(err, steps.ErrNotAnswered) {
			return "", fmt.Errorf("no %s given: give it with a flag (see --help), or start again and answer", q.Name)
		}
		if err != nil {
			return "", err
		}
		value, err := check(answer)
		if err == nil {
			return value, nil
		}
		q.Problem, q.Refused = err.Error(), answer
	}
}
