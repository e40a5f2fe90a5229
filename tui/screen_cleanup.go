package tui

import (
	"charm.land/bubbles/v2/key"
	"charm.land/bubbles/v2/spinner"
	tea "charm.land/bubbletea/v2"

	"rotation-tutor/steps"
)

// cleanupScreen is the clean-up step, plus u to restore the secret during
// its recovery window. In a real account it asks before deleting anything.
type cleanupScreen struct {
	*stepScreen
	restoring bool
}

// confirmedCleanupMsg is the learner's yes to deleting in a real account.
type confirmedCleanupMsg struct{}

func newCleanupScreen(c *Common) *cleanupScreen {
	st, _ := steps.ByID(steps.CleanUp)
	return &cleanupScreen{stepScreen: newStepScreen(c, st)}
}

func (m *cleanupScreen) Busy() bool { return m.stepScreen.Busy() || m.restoring }

func (m *cleanupScreen) Update(msg tea.Msg) (Screen, tea.Cmd) {
	switch msg := msg.(type) {
	case tea.KeyPressMsg:
		if m.Busy() {
			return m, nil
		}
		wantsRun := (key.Matches(msg, m.Keys.Enter) && !(m.state == stateShown && m.result.Holds)) ||
			(key.Matches(msg, m.Keys.Rerun) && m.state == stateShown && m.result.Holds)
		switch {
		case wantsRun && m.realAccount():
			// Deleting in someone's account deserves a second look.
			return m, openPopupCmd(&confirmPopup{keys: m.Keys, title: "Delete in your AWS account?", noNote: "nothing deleted",
				yes: func() tea.Msg { return confirmedCleanupMsg{} }, body: steps.CleanUpWarning(m.Session)})
		case key.Matches(msg, m.Keys.Restore) && m.state == stateShown:
			m.restoring = true
			return m, tea.Batch(restoreCmd(m.Ctx, m.Session), m.spin.Tick)
		case key.Matches(msg, m.Keys.Enter) && m.state == stateShown && m.result.Holds:
			return m, flashCmd("that was the last step: q quits and stops the sandbox")
		}
	case confirmedCleanupMsg:
		return m, m.run()
	case spinner.TickMsg:
		if m.restoring {
			var cmd tea.Cmd
			m.spin, cmd = m.spin.Update(msg)
			return m, cmd
		}
	case restoredMsg:
		m.restoring = false
		if msg.err != nil {
			m.state, m.problem = stateFailed, steps.Explain(msg.err)
			return m, nil
		}
		return m, tea.Batch(flashCmd(msg.result.Summary), m.look())
	}
	_, cmd := m.stepScreen.Update(msg)
	return m, cmd
}

func (m *cleanupScreen) realAccount() bool {
	env := m.Session.Env()
	return env != nil && env.Kind == steps.KindAWS
}

func (m *cleanupScreen) View() string {
	v := m.stepScreen.View()
	if m.restoring {
		v = m.spin.View() + " restoring the secret and its users…\n" + v
	}
	return v
}

func (m *cleanupScreen) ShortHelp() []key.Binding {
	b := m.stepScreen.ShortHelp()
	if m.state == stateShown {
		b = append([]key.Binding{m.Keys.Restore}, b...)
	}
	return b
}
