// Package tui is the walkthrough: a Bubble Tea program with one screen per
// step of the tutorial (package steps), a live view of rotation, and a help
// bar built from each screen's keys.
package tui

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime/debug"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/colorprofile"

	"rotation-tutor/steps"
)

// Options configure Run.
type Options struct {
	// Session is the session's settings: the state directory, and a
	// strategy or tutorial given on the command line (which replaces the
	// saved choice).
	Session steps.Options
	Reset   bool   // forget the progress and start over
	Mode    string // what the header calls the world: "sandbox" (default) or "real AWS"
	// Input and Output default to the terminal; tests set them.
	Input  io.Reader
	Output io.Writer
	// Summary receives the one-line summary after the program ends; nil
	// means os.Stderr.
	Summary io.Writer
	// AltScreen draws on the alternate screen, leaving the terminal as it
	// was on exit. main sets it; tests leave it off.
	AltScreen bool
	// NoColor forces plain output; NO_COLOR in the environment (any
	// non-empty value) does too.
	NoColor bool
	// Width and Height fix the size instead of asking the terminal (tests).
	Width, Height int
	// Present is presenter mode, for a projector: a title card before each
	// step, no commands by hand, no secret ever revealed.
	Present bool
	// Room is the workshop room's message and hold when the program starts;
	// RoomMsg changes it later.
	Room Room
	// Served is a workshop's walkthrough, over SSH: the screens say that
	// the commands by hand run on the server, not on the attendee's machine.
	Served bool
	// LookEvery is how often the live screen looks at the world between
	// changes it makes or sees coming (0: four times a second). It looks at
	// once after its own keys and when slow motion holds or lets go a step.
	LookEvery time.Duration
	// SlowMotion starts the live screen with rotations in slow motion (a
	// step every 2 s), as a presenter wants them (Present does too); m still changes it.
	SlowMotion bool
}

// Run runs the walkthrough on w until the learner quits, then closes
// everything it opened (probe, tunnel, world) and prints one line. It
// returns an error only when the walkthrough could not run or crashed.
func Run(ctx context.Context, w steps.World, o Options) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	learner := &asker{ctx: ctx}
	if a, ok := w.(interface{ SetAsker(steps.Asker) }); ok {
		a.SetAsker(learner.askSetting) // real AWS: the bastion and key, when not given
	}
	w = askingWorld{World: w, asker: learner}
	s, err := steps.NewSession(w, o.Session, o.Reset)
	if err != nil {
		w.Close()
		return err
	}
	wt := NewWalkthrough(ctx, s, o)

	opts := []tea.ProgramOption{tea.WithContext(ctx)}
	if o.Input != nil {
		opts = append(opts, tea.WithInput(o.Input))
	}
	if o.Output != nil {
		opts = append(opts, tea.WithOutput(o.Output))
	}
	if o.NoColor || os.Getenv("NO_COLOR") != "" {
		// colorprofile only honours NO_COLOR values that parse as true;
		// no-color.org says any non-empty value counts.
		opts = append(opts, tea.WithColorProfile(colorprofile.Ascii))
	}
	if o.Width > 0 && o.Height > 0 {
		opts = append(opts, tea.WithWindowSize(o.Width, o.Height))
	}
	p := tea.NewProgram(wt.Model(), opts...)
	learner.setSend(p.Send)
	_, runErr := p.Run()
	cancel() // stop the calls still in flight before closing what they use
	closeErr := s.Close()

	out := o.Summary
	if out == nil {
		out = os.Stderr
	}
	line, crash := wt.Ended()
	fmt.Fprintln(out, line)
	if crash != nil {
		return crash
	}
	if runErr != nil && !errors.Is(runErr, tea.ErrInterrupted) && !errors.Is(runErr, context.Canceled) {
		return runErr
	}
	return closeErr
}

// Walkthrough is the walkthrough's model on a session its caller owns: Run
// makes one for the terminal, and workshop mode one per SSH session, all in
// one process, each with its own Common.
type Walkthrough struct {
	m        *model
	stateDir string
}

// NewWalkthrough builds the walkthrough on s; its commands use ctx, which
// the caller cancels when the program ends.
func NewWalkthrough(ctx context.Context, s *steps.Session, o Options) *Walkthrough {
	mode := o.Mode
	if mode == "" {
		mode = steps.KindSandbox
	}
	c := &Common{Ctx: ctx, Styles: NewStyles(true), Keys: DefaultKeyMap(), Session: s, FlashFor: 3 * time.Second,
		Present: o.Present, Room: o.Room, Served: o.Served, LookEvery: o.LookEvery, SlowMotion: o.SlowMotion}
	return &Walkthrough{m: newModel(c, o.AltScreen, mode), stateDir: s.Options().StateDir}
}

// Model is the program's model.
func (w *Walkthrough) Model() tea.Model { return w.m }

// Ended is the line to print once the program has ended: the summary, or,
// after an internal error (whose details it writes to the state directory),
// what happened, with the error to return.
func (w *Walkthrough) Ended() (line string, crash error) {
	if c := w.m.crash; c != nil {
		path := writeCrash(w.stateDir, c)
		return fmt.Sprintf("rotation-tutor stopped on an internal error: %s. Details: %s. Your progress is kept.", c.report, path),
			errors.New("internal error: " + c.report)
	}
	return summary(w.m.common.Session), nil
}

// summary is the one line printed after the alternate screen is gone.
func summary(s *steps.Session) string {
	p := s.Progress()
	cur, _ := steps.ByID(p.Current)
	if cur.ID == "" {
		cur, _ = steps.ByID(steps.Welcome)
	}
	done := 0
	for _, st := range steps.Visible(p.Flavour) {
		if p.Ran(st.ID) {
			done++
		}
	}
	n, total := steps.Position(cur.ID, p.Flavour)
	line := fmt.Sprintf("rotation-tutor: %d of %d steps run, stopped at %d. %s", done, total, n, cur.Title)
	if n := len(s.Rotations()); n > 0 {
		line += fmt.Sprintf("; %d rotations this run", n)
	}
	return line + ". Run it again to resume."
}

// writeCrash keeps the stack of a crash in a file rather than on screen.
func writeCrash(dir string, p *panicMsg) string {
	if dir == "" {
		dir = os.TempDir()
	}
	path := filepath.Join(dir, "crash.log")
	body := "panic: " + p.report + "\n\n" + string(p.stack)
	if err := os.WriteFile(path, []byte(body), 0o600); err != nil {
		return "not saved (" + err.Error() + ")"
	}
	return path
}

func stack() []byte { return debug.Stack() }
