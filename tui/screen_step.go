package tui

import (
	"strings"

	"charm.land/bubbles/v2/key"
	"charm.land/bubbles/v2/spinner"
	tea "charm.land/bubbletea/v2"

	"rotation-tutor/steps"
)

// stepState is where a step screen is: not run, running, done or failed.
type stepState int

const (
	stateIdle stepState = iota
	stateRunning
	stateDone
	stateFailed
)

// stepScreen is a step that runs one action: explanation, the action with a
// spinner, its result or its problem in place, and the equivalent commands.
// Most steps are exactly this; a few add a drawing above the result.
type stepScreen struct {
	*Common
	step     steps.Step
	state    stepState
	result   steps.Result
	recorded bool // the result comes from the progress file, not this run
	problem  steps.Problem
	spin     spinner.Model
	cmdSel   int
	// extra, if set, draws something of the screen's own between the
	// explanation and the result (the environment's diagram).
	extra func() string
	// summaryOnly shows a result's summary without its facts.
	summaryOnly bool
}

func newStepScreen(c *Common, st steps.Step) *stepScreen {
	return &stepScreen{Common: c, step: st, spin: spinner.New(spinner.WithSpinner(spinner.Dot))}
}

func (m *stepScreen) SetSize(w, h int) {}

func (m *stepScreen) Busy() bool { return m.state == stateRunning }

// Enter shows a step finished in an earlier run as done, with its result.
func (m *stepScreen) Enter() tea.Cmd {
	if m.state == stateIdle {
		if r, ok := m.Session.Record(m.step.ID); ok {
			m.state, m.result, m.recorded = stateDone, r, true
		}
	}
	return nil
}

func (m *stepScreen) run() tea.Cmd {
	m.state, m.recorded = stateRunning, false
	m.spin.Style = m.Styles.Spinner
	return tea.Batch(runStepCmd(m.Ctx, m.Session, m.step), m.spin.Tick)
}

func (m *stepScreen) Update(msg tea.Msg) (Screen, tea.Cmd) {
	switch msg := msg.(type) {
	case tea.KeyPressMsg:
		switch {
		case key.Matches(msg, m.Keys.Enter):
			switch m.state {
			case stateIdle, stateFailed:
				return m, m.run()
			case stateDone:
				return m, nextStepCmd(m.step.ID)
			}
		case key.Matches(msg, m.Keys.Rerun) && m.state == stateDone:
			return m, m.run()
		case key.Matches(msg, m.Keys.NextCmd):
			m.cmdSel++
		case key.Matches(msg, m.Keys.Copy):
			if cmds := m.step.Commands(m.Session, m.Reveal); len(cmds) > 0 {
				c := cmds[m.cmdSel%len(cmds)]
				return m, tea.Batch(tea.SetClipboard(c.Text), flashCmd("copied: "+c.Note))
			}
		}
	case stepDoneMsg:
		if msg.id == m.step.ID {
			m.state, m.result, m.recorded = stateDone, msg.result, false
		}
	case stepFailedMsg:
		if msg.id == m.step.ID {
			m.state, m.result, m.problem = stateFailed, msg.result, steps.Explain(msg.err)
		}
	case spinner.TickMsg:
		if m.state == stateRunning {
			var cmd tea.Cmd
			m.spin, cmd = m.spin.Update(msg)
			return m, cmd
		}
	}
	return m, nil
}

// status is the action's part of the screen: what enter will do, the
// spinner, the result, or the problem.
func (m *stepScreen) status(width int) string {
	st := m.Styles
	switch m.state {
	case stateRunning:
		return m.spin.View() + " " + m.step.Action + "…"
	case stateDone:
		r := m.result
		if m.summaryOnly {
			r.Facts = nil
		}
		out := renderResult(st, r, m.recorded, width)
		if len(m.result.Checks) > 0 {
			out += "\n" + renderChecks(st, m.result.Checks, width)
		}
		return out + "\n" + st.Subtle.Render("enter: next step")
	case stateFailed:
		out := ""
		if len(m.result.Checks) > 0 {
			out = renderChecks(st, m.result.Checks, width) + "\n"
		}
		return out + renderProblem(st, m.problem, width)
	}
	return st.Selected.Render("▶ enter") + " " + m.step.Action
}

func (m *stepScreen) View() string {
	w := m.contentWidth()
	top := []string{m.Styles.Explain.Render(wrap(m.step.Explain(m.Session.Options()), w))}
	if m.extra != nil {
		top = append(top, m.extra())
	}
	top = append(top, m.status(w))
	return layout(strings.Join(top, "\n\n"), renderCommand(m.Styles, m.step.Commands(m.Session, m.Reveal), m.cmdSel, w), m.bodyHeight())
}

// layout puts the commands under the main part when they fit, and clips the
// whole to the screen's height: the action's outcome wins over the commands.
func layout(main, commands string, height int) string {
	mainLines := strings.Count(main, "\n") + 1
	if commands == "" || mainLines+3 > height {
		return clip(main, height)
	}
	return main + "\n\n" + clip(commands, height-mainLines-1)
}

func (m *stepScreen) enterHelp() key.Binding {
	switch m.state {
	case stateDone:
		return key.NewBinding(key.WithKeys("enter"), key.WithHelp("enter", "next"))
	case stateFailed:
		return key.NewBinding(key.WithKeys("enter"), key.WithHelp("enter", "retry"))
	}
	return key.NewBinding(key.WithKeys("enter"), key.WithHelp("enter", "run"))
}

func (m *stepScreen) ShortHelp() []key.Binding {
	b := []key.Binding{m.enterHelp(), m.Keys.Back}
	if m.state == stateDone {
		b = append(b, m.Keys.Rerun)
	}
	return append(b, m.Keys.Copy, m.Keys.Quit, m.Keys.Help)
}

func (m *stepScreen) FullHelp() [][]key.Binding {
	return [][]key.Binding{
		{m.enterHelp(), m.Keys.Back, m.Keys.Rerun},
		{m.Keys.Copy, m.Keys.NextCmd, m.Keys.Reveal},
		{m.Keys.Quit, m.Keys.Help},
	}
}
