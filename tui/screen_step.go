package tui

import (
	"errors"
	"strings"

	"charm.land/bubbles/v2/key"
	"charm.land/bubbles/v2/spinner"
	tea "charm.land/bubbletea/v2"

	"rotation-tutor/rotation"
	"rotation-tutor/steps"
)

// stepState is where a step screen is.
type stepState int

const (
	stateIdle    stepState = iota // nothing known yet: enter runs
	stateLooking                  // reading the world for this step
	stateShown                    // a result, from a look or a run, is on screen
	stateRunning                  // the step runs
	stateFailed                   // the step (or a recovery) failed
)

// stepScreen is a step that runs one action: explanation, the action with a
// spinner, its result or its problem in place, and the equivalent commands.
// What it shows as a result is what the world shows: it looks again when the
// screen is entered and after anything that changes the world. Most steps
// are exactly this; a few add a drawing above the result.
type stepScreen struct {
	*Common
	step    steps.Step
	state   stepState
	result  steps.Result
	lookErr error // the last look could not read the world; the step can still run
	problem steps.Problem
	// unfinished is a rotation left unfinished that stands in the way; f
	// finishes it, x cancels it.
	unfinished *rotation.Unfinished
	recovering bool
	lookGen    int
	spin       spinner.Model
	cmdSel     int
	// extra, if set, draws something of the screen's own between the
	// explanation and the result (the environment's diagram); after, between
	// the result and the commands (what the tutorial stands on).
	extra, after func() string
	// summaryOnly shows a result's summary without its facts.
	summaryOnly bool
	cmdBlock    commandBlock
}

func newStepScreen(c *Common, st steps.Step) *stepScreen {
	return &stepScreen{Common: c, step: st, spin: spinner.New(spinner.WithSpinner(spinner.Dot))}
}

func (m *stepScreen) Busy() bool { return m.state == stateRunning || m.recovering }

// Enter looks at the world: the result shown is what holds now.
func (m *stepScreen) Enter() tea.Cmd {
	if m.Busy() {
		return nil
	}
	return m.look()
}

// look asks the world again, unless the world has not started (nothing to
// look at yet).
func (m *stepScreen) look() tea.Cmd {
	if !m.step.Looks() || m.Session.Env() == nil {
		return nil
	}
	m.lookGen++
	if m.state != stateShown {
		m.state = stateLooking
	}
	m.spin.Style = m.Styles.Spinner
	return tea.Batch(lookCmd(m.Ctx, m.Session, m.step, m.lookGen), m.spin.Tick)
}

func (m *stepScreen) run() tea.Cmd {
	m.state, m.unfinished = stateRunning, nil
	m.spin.Style = m.Styles.Spinner
	return tea.Batch(runStepCmd(m.Ctx, m.Session, m.step), m.spin.Tick)
}

// ranBefore says the bookmark has this step as run once.
func (m *stepScreen) ranBefore() bool { return m.Session.Progress().Ran(m.step.ID) }

func (m *stepScreen) Update(msg tea.Msg) (Screen, tea.Cmd) {
	switch msg := msg.(type) {
	case tea.KeyPressMsg:
		return m, m.key(msg)
	case stepDoneMsg:
		if msg.id == m.step.ID {
			m.state, m.result, m.lookErr, m.unfinished = stateShown, msg.result, nil, msg.result.Unfinished
		}
	case stepFailedMsg:
		if msg.id == m.step.ID {
			m.state, m.result, m.problem = stateFailed, msg.result, steps.Explain(msg.err)
			var u *steps.UnfinishedError
			if errors.As(msg.err, &u) {
				m.unfinished = u.Rotation
			}
		}
	case lookedMsg:
		if msg.id != m.step.ID || msg.gen != m.lookGen || m.state == stateRunning {
			return m, nil
		}
		if msg.err != nil {
			// What was shown may no longer hold: never leave it on screen as current.
			m.lookErr, m.result, m.unfinished = msg.err, steps.Result{}, nil
			if m.state != stateFailed {
				m.state = stateIdle
			}
			return m, nil
		}
		m.lookErr, m.unfinished = nil, msg.result.Unfinished
		if m.state != stateFailed {
			m.state, m.result = stateShown, msg.result
		}
	case recoveredMsg:
		if msg.from != m.step.ID {
			return m, nil
		}
		m.recovering = false
		if msg.err != nil {
			m.state, m.problem = stateFailed, steps.Explain(msg.err)
			return m, nil
		}
		m.state, m.unfinished = stateIdle, nil
		return m, tea.Batch(flashCmd(msg.summary), m.look())
	case spinner.TickMsg:
		if m.state == stateRunning || m.state == stateLooking || m.recovering {
			var cmd tea.Cmd
			m.spin, cmd = m.spin.Update(msg)
			return m, cmd
		}
	}
	return m, nil
}

func (m *stepScreen) key(msg tea.KeyPressMsg) tea.Cmd {
	if m.Busy() {
		return nil
	}
	switch {
	case m.unfinished != nil && key.Matches(msg, m.Keys.Finish) && !m.unfinished.Stale:
		m.recovering = true
		return tea.Batch(finishCmd(m.Ctx, m.Session, m.step.ID), m.spin.Tick)
	case m.unfinished != nil && key.Matches(msg, m.Keys.Cancel):
		m.recovering = true
		return tea.Batch(cancelCmd(m.Ctx, m.Session, m.step.ID), m.spin.Tick)
	case key.Matches(msg, m.Keys.Enter):
		if m.state == stateShown && m.result.Holds {
			m.Session.MarkDone(m.step.ID)
			return nextStepCmd(m.step.ID)
		}
		m.lookGen++ // a look still under way is superseded by the run
		return m.run()
	case key.Matches(msg, m.Keys.Rerun) && m.state == stateShown && m.result.Holds:
		return m.run()
	case key.Matches(msg, m.Keys.NextCmd):
		m.cmdSel++
	case key.Matches(msg, m.Keys.Copy):
		return copyCmd(m.commands(), m.cmdSel)
	}
	return nil
}

// copyCmd sends the selected command to the terminal's clipboard (OSC 52),
// with what must run before it, and says honestly what happened: the
// terminal, or tmux, may not pass it on.
func copyCmd(cmds []steps.Command, sel int) tea.Cmd {
	if len(cmds) == 0 {
		return flashCmd("no command to copy here")
	}
	c := cmds[((sel%len(cmds))+len(cmds))%len(cmds)]
	return tea.Batch(tea.SetClipboard(c.Pasteable()), flashCmd("sent to the clipboard (OSC 52; your terminal may ignore it): "+c.Note))
}

// status is the action's part of the screen: what enter will do, the
// spinner, the result, or the problem.
func (m *stepScreen) status(width int) string {
	st := m.Styles
	var out []string
	switch m.state {
	case stateRunning:
		out = append(out, m.spin.View()+" "+m.step.Action+"…")
	case stateLooking:
		out = append(out, m.spin.View()+" looking at what the world shows now…")
	case stateShown:
		r := m.result
		if m.summaryOnly {
			r.Facts = nil
		}
		out = append(out, renderResult(st, r, m.ranBefore(), m.Reveal, width))
		if len(r.Checks) > 0 {
			out = append(out, renderChecks(st, r.Checks, width))
		}
		if r.Holds {
			out = append(out, st.Subtle.Render("enter: next step · r: run it again"))
		} else {
			out = append(out, st.Selected.Render("▶ enter")+" "+m.step.Action)
		}
	case stateFailed:
		if len(m.result.Checks) > 0 {
			out = append(out, renderChecks(st, m.result.Checks, width))
		}
		out = append(out, renderProblem(st, m.problem, "enter: try again · b: back", width))
	default:
		out = append(out, st.Selected.Render("▶ enter")+" "+m.step.Action)
	}
	if m.lookErr != nil {
		what := "could not look at the world: "
		if m.ranBefore() {
			what = markChanged + " ran before, but cannot be checked now: "
		}
		out = append(out, st.Warn.Render(indentWrap(what+steps.Explain(m.lookErr).Why, width, 2)))
	}
	if m.unfinished != nil {
		out = append(out, renderUnfinished(st, m.unfinished, m.recovering, m.spin.View(), width))
	}
	return strings.Join(out, "\n")
}

// commands are the step's equivalent commands, and the two ways out of a
// rotation left unfinished when there is one.
func (m *stepScreen) commands() []steps.Command {
	return m.step.Commands(m.Session, m.unfinished)
}

func (m *stepScreen) View() string {
	w := m.contentWidth()
	parts := []string{m.Styles.Explain.Render(wrap(m.step.Explain(m.Session.Choices()), w))}
	if m.extra != nil {
		parts = append(parts, m.extra())
	}
	parts = append(parts, m.status(w))
	if m.after != nil {
		parts = append(parts, m.after())
	}
	if c := m.cmdBlock.render(m.Styles, m.commands(), m.cmdSel, w, m.Served); c != "" && !m.Present {
		parts = append(parts, c)
	}
	return strings.Join(parts, "\n\n")
}

// enterHelp names what enter does now.
func (m *stepScreen) enterHelp() key.Binding {
	switch {
	case m.state == stateShown && m.result.Holds:
		return with(m.Keys.Enter, "enter", "next")
	case m.state == stateFailed:
		return with(m.Keys.Enter, "enter", "try again")
	}
	return with(m.Keys.Enter, "enter", "run")
}

func (m *stepScreen) ShortHelp() []key.Binding {
	b := []key.Binding{m.enterHelp(), m.Keys.Back}
	if m.state == stateShown && m.result.Holds {
		b = append(b, m.Keys.Rerun)
	}
	if m.unfinished != nil {
		if !m.unfinished.Stale {
			b = append(b, m.Keys.Finish)
		}
		b = append(b, m.Keys.Cancel)
	}
	return append(b, m.Keys.Copy, m.Keys.Quit, m.Keys.Help)
}

func (m *stepScreen) FullHelp() [][]key.Binding {
	return [][]key.Binding{
		{m.enterHelp(), m.Keys.Back, m.Keys.Rerun, m.Keys.Finish, m.Keys.Cancel},
		{m.Keys.Copy, m.Keys.NextCmd, m.Keys.Reveal},
		{m.Keys.Scroll, m.Keys.PageUp, m.Keys.Quit, m.Keys.Help},
	}
}
