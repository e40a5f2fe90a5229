package tui

import (
	"fmt"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"

	"rotation-tutor/steps"
)

// cleanupScreen is the clean-up step, plus u to restore the secret during
// its recovery window.
type cleanupScreen struct {
	*stepScreen
	restored   string
	confirming bool // in a real account, waiting for y before anything is deleted
}

func newCleanupScreen(c *Common) *cleanupScreen {
	st, _ := steps.ByID(steps.CleanUp)
	return &cleanupScreen{stepScreen: newStepScreen(c, st)}
}

func (m *cleanupScreen) Update(msg tea.Msg) (Screen, tea.Cmd) {
	switch msg := msg.(type) {
	case tea.KeyPressMsg:
		if m.confirming {
			m.confirming = false
			if msg.String() == "y" {
				return m, m.run()
			}
			return m, flashCmd("nothing deleted")
		}
		wantsRun := (key.Matches(msg, m.Keys.Enter) && (m.state == stateIdle || m.state == stateFailed)) ||
			(key.Matches(msg, m.Keys.Rerun) && m.state == stateDone)
		if wantsRun && m.realAccount() {
			m.confirming = true // deleting in someone's account deserves a second look
			return m, nil
		}
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

func (m *cleanupScreen) realAccount() bool {
	env := m.Session.Env()
	return env != nil && env.Kind == steps.KindAWS
}

func (m *cleanupScreen) View() string {
	if m.confirming {
		return m.Styles.Warn.Render("Delete in your AWS account?") + "\n\n" + wrap(fmt.Sprintf(
			"This schedules the secret %s for deletion after a %d-day recovery window, and drops the database users "+
				"appuser and appuser_clone on %s.", m.Session.SecretID(), steps.RecoveryDays, m.Session.Env().DBHost), m.contentWidth()) +
			"\n\n" + m.Styles.Code.Render("y") + " delete   any other key: cancel"
	}
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
