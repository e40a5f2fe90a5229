package rotation

import (
	"fmt"
	"strings"
)

// note is what a step tells its caller: a few words on what it did, for
// StepEvent.Detail, and the passwords it handled, so that none of them can
// reach an error message (a server may echo a statement back in an error).
type note struct {
	parts   []string
	asides  map[int]bool // parts that are remarks on the way, not what the step did
	secrets []string
	log     string
}

func (n *note) add(s string) { n.parts = append(n.parts, s) }

// logs records the line AWS's template logs when the step succeeds this way.
func (n *note) logs(format string, args ...any) { n.log = fmt.Sprintf(format, args...) }

// aside adds a remark on the way (how the admin's database was found, TLS
// options that could not be copied): in Detail, not in Summary.
func (n *note) aside(s string) {
	if n.asides == nil {
		n.asides = map[int]bool{}
	}
	n.asides[len(n.parts)] = true
	n.add(s)
}

// handles records passwords the step has read or made.
func (n *note) handles(passwords ...string) {
	for _, p := range passwords {
		if p != "" {
			n.secrets = append(n.secrets, p)
		}
	}
}

func (n *note) String() string { return strings.Join(n.parts, "; ") }

// summary is what the step did, without the remarks.
func (n *note) summary() string {
	var main []string
	for i, p := range n.parts {
		if !n.asides[i] {
			main = append(main, p)
		}
	}
	return strings.Join(main, "; ")
}

// redact returns err, or when its text contains one of the step's passwords,
// an error whose text has them masked. That error does not unwrap: the
// wrapped one would print the password.
func (n *note) redact(err error) error {
	if err == nil {
		return nil
	}
	msg := err.Error()
	masked := msg
	for _, s := range n.secrets {
		masked = strings.ReplaceAll(masked, s, "********")
	}
	if masked == msg {
		return err
	}
	return redactedError(masked)
}

type redactedError string

func (e redactedError) Error() string { return string(e) }
