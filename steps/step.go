package steps

import (
	"context"
	"time"
)

// ID names a step. IDs are stored in the progress file: never rename one.
type ID string

// The eleven steps, in the order the walkthrough shows them.
const (
	Welcome           ID = "welcome"
	Environment       ID = "environment"
	Connect           ID = "connect"
	CreateUser        ID = "create-user"
	StoreSecret       ID = "store-secret"
	Validate          ID = "validate"
	ConfigureRotation ID = "configure-rotation"
	Watch             ID = "watch"
	TestRotated       ID = "test-rotated"
	Troubleshoot      ID = "troubleshoot"
	CleanUp           ID = "clean-up"
)

// Step is one screen of the tutorial: what it is, why it matters, what it
// does, and the commands a person would type to do the same by hand.
type Step struct {
	ID    ID
	Title string
	// Action is the verb on the button: what enter does.
	Action  string
	explain func(o Options) string
	// commands builds the equivalent commands from the session's live
	// values; reveal shows secret values instead of masking them.
	commands func(s *Session, reveal bool) []Command
	run      func(ctx context.Context, s *Session) (Result, error)
}

// Explain is the step's two or three sentences for a newcomer.
func (st Step) Explain(o Options) string { return st.explain(o) }

// Commands are the equivalent aws / ssh / mysql commands for this step, built
// from the session's live values. Secret values are masked unless reveal.
func (st Step) Commands(s *Session, reveal bool) []Command {
	if st.commands == nil {
		return nil
	}
	return st.commands(s, reveal)
}

// Run does the step and records its result in the session's progress. The
// error, when not nil, is a *Failure that Explain turns into what failed,
// why, and the fix.
func (st Step) Run(ctx context.Context, s *Session) (Result, error) {
	start := time.Now()
	r, err := st.run(ctx, s)
	r.Took = time.Since(start)
	r.At = start
	if err != nil {
		return r, asFailure(st, err)
	}
	s.recordDone(st.ID, r)
	return r, nil
}

// Fact is one labelled value of a result: "ARN", "arn:aws:…". Never a
// secret value: facts are written to the progress file.
type Fact struct {
	Label string `json:"label"`
	Value string `json:"value"`
}

// Result is what a step did, in a form the screen, the headless runner and
// the progress file all use.
type Result struct {
	Summary string        `json:"summary"`
	Facts   []Fact        `json:"facts,omitempty"`
	SQL     []string      `json:"sql,omitempty"` // statements as sent, passwords masked
	Checks  []Check       `json:"checks,omitempty"`
	At      time.Time     `json:"at"`
	Took    time.Duration `json:"took"`
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
// Workbench connection), as a person would type or fill it in.
type Command struct {
	Tool string // "aws", "ssh", "mysql", "sql", "workbench"
	Note string // one line: what it does
	Text string
}

// All returns the steps in order.
func All() []Step {
	return []Step{
		welcomeStep(), environmentStep(), connectStep(), createUserStep(), storeSecretStep(),
		validateStep(), configureStep(), watchStep(), testRotatedStep(), troubleshootStep(), cleanUpStep(),
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
