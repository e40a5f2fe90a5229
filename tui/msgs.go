package tui

import (
	"context"
	"fmt"
	"runtime/debug"
	"time"

	tea "charm.land/bubbletea/v2"

	"rotation-tutor/rotation"
	"rotation-tutor/steps"
)

// Messages the screens and the root exchange. Each has a constructor that
// returns the tea.Cmd producing it.

// worldStageMsg is one stage the world reported while starting.
type worldStageMsg struct{ stage string }

// worldStartedMsg says the world started (err nil) or could not.
type worldStartedMsg struct {
	env *steps.Env
	err error
}

// stepDoneMsg carries a finished step's result.
type stepDoneMsg struct {
	id     steps.ID
	result steps.Result
}

// lookedMsg carries what the world shows for a step now.
type lookedMsg struct {
	id     steps.ID
	gen    int // tells the answer to the latest look from an older one
	result steps.Result
	err    error
}

// recoveredMsg ends a finish or a cancel of a rotation left unfinished.
type recoveredMsg struct {
	from    steps.ID // the screen that asked
	summary string
	err     error
}

// quitNowMsg ends the wait for a rotation to finish before quitting.
type quitNowMsg struct{}

// stepFailedMsg carries a step's failure; result may hold partial output
// (the troubleshooting checks).
type stepFailedMsg struct {
	id     steps.ID
	result steps.Result
	err    error
}

// nextStepMsg moves on from step from; gotoStepMsg jumps from it to id.
// Both name the screen that asked, so a key pressed twice before the first
// move lands cannot skip a screen: the root ignores a move from a screen that
// is no longer current.
type (
	nextStepMsg struct{ from steps.ID }
	gotoStepMsg struct{ from, id steps.ID }
)

// liveTickMsg asks the live screen to look again; gen tells a current tick
// loop from one left over by an earlier visit. It changes nothing on screen
// (the look's answer does), so the frame is not drawn again for it.
type liveTickMsg struct{ gen int }

func (liveTickMsg) unseen() {}

// unseenMsg is a message that changes nothing on screen: the root keeps the
// last frame instead of drawing it again (a server draws many walkthroughs,
// and every message would otherwise cost a whole frame).
type unseenMsg interface{ unseen() }

// liveMsg is what the live screen saw. changes is closed when slow motion
// holds or lets go of a step after the look began: the next look is due then.
type liveMsg struct {
	gen     int
	live    steps.Live
	err     error
	changes <-chan struct{}
}

// rotatedMsg is the end of a rotation started from the live screen.
type rotatedMsg struct {
	rotation steps.Rotation
	err      error
}

// jumpedMsg is the end of a jump of the clock to the next rotation.
type jumpedMsg struct {
	at  time.Time
	err error
}

// probeStartedMsg says the simulated clients started (or why not).
type probeStartedMsg struct{ err error }

// restoredMsg is the end of a restore from the clean-up screen.
type restoredMsg struct {
	result steps.Result
	err    error
}

// reconnectedMsg ends the automatic reconnect after a resume.
type reconnectedMsg struct{ err error }

// panicMsg reports a panic caught in a Cmd.
type panicMsg struct {
	report string
	stack  []byte
}

func nextStepCmd(from steps.ID) tea.Cmd {
	return func() tea.Msg { return nextStepMsg{from: from} }
}

func gotoStepCmd(from, id steps.ID) tea.Cmd {
	return func() tea.Msg { return gotoStepMsg{from: from, id: id} }
}

// safe runs cmd and turns a panic in it into a panicMsg, so the root can quit
// with a short report instead of Bubble Tea printing a stack trace.
func safe(cmd func() tea.Msg) tea.Cmd {
	return func() (msg tea.Msg) {
		defer func() {
			if r := recover(); r != nil {
				msg = panicMsg{report: fmt.Sprint(r), stack: debug.Stack()}
			}
		}()
		return cmd()
	}
}

// runStepCmd runs a step's action.
func runStepCmd(ctx context.Context, s *steps.Session, st steps.Step) tea.Cmd {
	return safe(func() tea.Msg {
		r, err := st.Run(ctx, s)
		if err != nil {
			return stepFailedMsg{id: st.ID, result: r, err: err}
		}
		return stepDoneMsg{id: st.ID, result: r}
	})
}

// startWorldCmd starts the world, sending its stages to stages, which it
// closes when done.
func startWorldCmd(ctx context.Context, s *steps.Session, stages chan<- string) tea.Cmd {
	return safe(func() tea.Msg {
		defer close(stages)
		env, err := s.Start(ctx, func(stage string) {
			select {
			case stages <- stage:
			default: // a slow screen loses a stage line, never the start
			}
		})
		return worldStartedMsg{env: env, err: err}
	})
}

// waitStageCmd delivers the next stage of the world's start.
func waitStageCmd(stages <-chan string) tea.Cmd {
	return safe(func() tea.Msg {
		stage, ok := <-stages
		if !ok {
			return nil
		}
		return worldStageMsg{stage: stage}
	})
}

// reconnectCmd opens the tunnel and the admin session again after a resume.
func reconnectCmd(ctx context.Context, s *steps.Session) tea.Cmd {
	return safe(func() tea.Msg {
		return reconnectedMsg{err: s.EnsureConnected(ctx)}
	})
}

// liveTickCmd waits, then asks for a new look.
// liveTickCmd asks for the next look after every, or as soon as changes is
// closed: a rotation step held or let go by slow motion is drawn as it
// happens, whatever the pace of the looks.
func liveTickCmd(ctx context.Context, gen int, every time.Duration, changes <-chan struct{}) tea.Cmd {
	return func() tea.Msg {
		t := time.NewTimer(every)
		defer t.Stop()
		select {
		case <-t.C:
		case <-changes:
		case <-ctx.Done():
		}
		return liveTickMsg{gen: gen}
	}
}

// observeCmd takes one look at the secret, users and clients.
func observeCmd(ctx context.Context, s *steps.Session, gen int) tea.Cmd {
	return safe(func() tea.Msg {
		var changes <-chan struct{} // nil, never closed: nothing here is held
		if pace := s.Pace(); pace != nil {
			changes = pace.Changes() // before the look, so no change after it is missed
		}
		ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
		defer cancel()
		l, err := s.Observe(ctx)
		return liveMsg{gen: gen, live: l, err: err, changes: changes}
	})
}

// rotateCmd rotates once with the strategy.
func rotateCmd(ctx context.Context, s *steps.Session, strategy rotation.Strategy) tea.Cmd {
	return safe(func() tea.Msg {
		r, err := s.Rotate(ctx, strategy, nil)
		return rotatedMsg{rotation: r, err: err}
	})
}

// lookCmd reads what the world shows for a step.
func lookCmd(ctx context.Context, s *steps.Session, st steps.Step, gen int) tea.Cmd {
	return safe(func() tea.Msg {
		r, err := st.Look(ctx, s)
		return lookedMsg{id: st.ID, gen: gen, result: r, err: err}
	})
}

// finishCmd finishes the rotation left unfinished; cancelCmd takes its
// label off.
func finishCmd(ctx context.Context, s *steps.Session, from steps.ID) tea.Cmd {
	return safe(func() tea.Msg {
		r, err := s.FinishRotation(ctx)
		return recoveredMsg{from: from, summary: "finished: version " + shortID(r.Version) + " is AWSCURRENT (" + r.From + " → " + r.To + ")", err: err}
	})
}

func cancelCmd(ctx context.Context, s *steps.Session, from steps.ID) tea.Cmd {
	return safe(func() tea.Msg {
		r, err := s.CancelRotation(ctx)
		return recoveredMsg{from: from, summary: r.Summary, err: err}
	})
}

// jumpCmd moves the sandbox's clock to the next scheduled rotation.
func jumpCmd(ctx context.Context, s *steps.Session) tea.Cmd {
	return safe(func() tea.Msg {
		at, err := s.JumpToNextRotation(ctx)
		return jumpedMsg{at: at, err: err}
	})
}

// startProbeCmd starts the simulated clients.
func startProbeCmd(ctx context.Context, s *steps.Session) tea.Cmd {
	return safe(func() tea.Msg { return probeStartedMsg{err: s.StartProbe(ctx)} })
}

// restoreCmd cancels the secret's scheduled deletion.
func restoreCmd(ctx context.Context, s *steps.Session) tea.Cmd {
	return safe(func() tea.Msg {
		r, err := s.RestoreSecret(ctx)
		return restoredMsg{result: r, err: err}
	})
}

// flashMsg shows a short note in the help bar for a moment.
type flashMsg struct{ text string }

// flashDoneMsg clears the note flashMsg with the same gen showed.
type flashDoneMsg struct{ gen int }

func flashCmd(text string) tea.Cmd { return func() tea.Msg { return flashMsg{text: text} } }
