package tui

import (
	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"

	"rotation-tutor/steps"
)

// cleanupScreen is the clean-up step, plus u to restore the secret during
// its recovery window.
type cleanupScreen struct {
	*stepScreen
	restored string
}

func newCleanupScreen(c *Common) *cleanupScreen {
	st, _ := steps.ByID(steps.CleanUp)
	return &cleanupScreen{stepScreen: newStepScreen(c, st)}
}

func (m *cleanupScreen) Update(msg tea.Msg) (Screen, tea.Cmd) {
	switch msg := msg.(type) {
	case tea.KeyPressMsg:
		if key.Matches(msg, m.Keys.Restore) && m.state == stateDone {
			return m, restoreCmd(m.Ctx, m.Session)
		}
		if key.Matches(msg, m.Keys.Enter) && m.state == stateDone {
			return m, flashCmd("that was the last step: q quits and stops the sandbox")
		}
	case restoredMsg:
		if msg.err != nil {
			m.state, m.problem = stateFailed, steps.Explain(msg.err)
			return m, nil
		}
		m.restored = msg.result.Summary
		return m, flashCmd(msg.result.Summary)
	}
	_, cmd := m.stepScreen.Update(msg)
	return m, cmd
}

func (m *cleanupScreen) View() string {
	v := m.stepScreen.View()
	if m.restored != "" {
		v = m.Styles.OK.Render(markOK) + " " + m.restored + "\n" + v
	}
	return clip(v, m.bodyHeight())
}

func (m *cleanupScreen) ShortHelp() []key.Binding {
	b := m.stepScreen.ShortHelp()
	if m.state == stateDone {
		b = append([]key.Binding{m.Keys.Restore}, b...)
	}
	return b
}
