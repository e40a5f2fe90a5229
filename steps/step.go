package steps

import (
	"context"
	"time"

	"rotation-tutor/doctor"
	"rotation-tutor/rotation"
)

// ID names a step. IDs are stored in the progress file: never rename one.
type ID string

// The steps, in the order the walkthrough shows them: eleven in the current tutorial; the
// older one adds storing the master secret and rotating twice.
const (
	Welcome           ID = "welcome"
	Environment       ID = "environment"
	StoreMasterSecret ID = "store-master-secret"
	Connect           ID = "connect"
	CreateUser        ID = "create-user"
	StoreSecret       ID = "store-secret"
	Validate          ID = "validate"
	ConfigureRotation ID = "configure-rotation"
	RotateTwice       ID = "rotate-twice"
	Watch             ID = "watch"
	TestRotated       ID = "test-rotated"
	Troubleshoot      ID = "troubleshoot"
	CleanUp           ID = "clean-up"
)

// Step is one screen of the tutorial: what it is, why it matters, what it
// does, how to see whether it holds, and the commands a person would type to
// do the same by hand.
type Step struct {
	ID    ID
	Title string
	// Action is the verb on the button: what enter does.
	Action  string
	explain func(c Choices) string
	// commands builds the equivalent commands from the session's live
	// values. They never hold a secret value: those are read with
	// $(aws … get-secret-value …) where a command needs one.
	commands func(s *Session) []Command
	run      func(ctx context.Context, s *Session) (Result, error)
	// look reads the world and says whether the step's effect holds now;
	// nil for a step with nothing to look at.
	look func(ctx context.Context, s *Session) (Result, error)
	// gated: one run may not be enough (rotate twice rotates once a run), so
	// the run's result says whether the step holds yet.
	gated bool
}

// Explain is the step's two or three sentences for a newcomer.
func (st Step) Explain(c Choices) string { return st.explain(c) }

// Commands are the equivalent aws / ssh / mysql commands for this step, built
// from the session's live values. With a rotation left unfinished (u), the
// two ways out of it come first: finish it, or cancel it.
func (st Step) Commands(s *Session, u *rotation.Unfinished) []Command {
	env := s.Env()
	if env == nil {
		return nil
	}
	var cmds []Command
	if u != nil {
		cmds = unfinishedCommands(env, u, functionFor(env, s.Choices().Strategy))
	}
	if st.commands != nil {
		cmds = append(cmds, st.commands(s)...)
	}
	return withEnvLine(env, cmds)
}

// Run does the step. Every step can run again, in any order: it looks at
// the world first and changes only what does not hold yet, never a password
// that logins depend on. The error, when not nil, is a *Failure that Explain
// turns into what failed, why, and the fix.
func (st Step) Run(ctx context.Context, s *Session) (Result, error) {
	start := time.Now()
	r, err := st.run(ctx, s)
	r.Took = time.Since(start)
	r.At = start
	if err != nil {
		return r, asFailure(st, err)
	}
	if !st.gated {
		r.Holds = true
	}
	s.markRan(st.ID)
	return r, nil
}

// Looks says whether the step has anything in the world to look at.
func (st Step) Looks() bool { return st.look != nil }

// Look reads what the world shows now for this step: whether its effect
// holds, and the facts. It changes nothing.
func (st Step) Look(ctx context.Context, s *Session) (Result, error) {
	if st.look == nil {
		return Result{}, nil
	}
	start := time.Now()
	r, err := st.look(ctx, s)
	r.At, r.Looked = start, true
	if err != nil {
		return r, asFailure(st, err)
	}
	return r, nil
}

// Fact is one labelled value of a result: "ARN", "arn:aws:…". A Secret fact
// is shown masked until the learner reveals it, and never printed headless.
type Fact struct {
	Label  string
	Value  string
	Secret bool
}

// Result is what a step did or what the world shows for it, in a form the
// screen and the headless runner both use. It is never written to disk.
type Result struct {
	// Holds says the step's effect is in place in the world.
	Holds bool
	// Looked says the result comes from a look at the world, not from
	// running the step.
	Looked  bool
	Summary string
	Facts   []Fact
	SQL     []string // statements as sent; passwords never appear in them
	Checks  []doctor.Check
	// Unfinished is a rotation left unfinished that stands in the way: the
	// screen offers to finish or cancel it.
	Unfinished *rotation.Unfinished
	At         time.Time
	Took       time.Duration
}

// Fact returns the value of the fact labelled label, or "".
func (r Result) Fact(label string) string {
	for _, f := range r.Facts {
		if f.Label == label {
			return f.Value
		}
	}
	return ""
}

// Command is one equivalent command, or a group of settings (the MySQL
// Workbench connection), as a person would type or fill it in. Text runs
// as it is in a new shell with nothing set, once Needs has run there,
// unless it is marked Reference.
type Command struct {
	Tool string // "aws", "ssh", "mysql", "shell", "workbench"
	Note string // one line: what it does
	Text string
	// Needs is the line that must run first in the same shell (the
	// sandbox's credentials for an aws command), or "".
	Needs string
	// Reference, when set, says why the command is shown for reference and
	// not to run here: the sandbox has nothing that answers it (a VPC, an
	// EC2 instance), or the prerequisites it makes exist already. It is
	// correct for a real account.
	Reference string
}

// Pasteable is what copying the command puts on the clipboard: Needs, if
// any, then Text, so that a paste into a new shell runs.
func (c Command) Pasteable() string {
	if c.Needs == "" {
		return c.Text
	}
	return c.Needs + "\n" + c.Text
}

// All returns the steps of both tutorials in order; Visible, those of one.
func All() []Step {
	return []Step{
		welcomeStep(), environmentStep(), storeMasterSecretStep(), connectStep(), createUserStep(), storeSecretStep(),
		validateStep(), configureStep(), rotateTwiceStep(), watchStep(), testRotatedStep(), troubleshootStep(), cleanUpStep(),
	}
}

// ByID returns the step with that id.
func ByID(id ID) (Step, bool) {
	for _, st := range All() {
		if st.ID == id {
			return st, true
		}
	}
	return Step{}, false
}

// Index returns the position of id in All, or -1.
func Index(id ID) int {
	for i, st := range All() {
		if st.ID == id {
			return i
		}
	}
	return -1
}
