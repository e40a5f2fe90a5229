package tui

import (
	"fmt"
	"strings"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"

	"rotation-tutor/rotation"
	"rotation-tutor/steps"
)

// welcomeScreen chooses the strategy and the tutorial, and offers to resume.
type welcomeScreen struct {
	*Common
	step     steps.Step
	mode     string // "sandbox" or "real AWS", for the learner's information
	row      int    // 0 strategy, 1 tutorial
	strategy rotation.Strategy
	flavour  string
}

func newWelcomeScreen(c *Common, mode string) *welcomeScreen {
	st, _ := steps.ByID(steps.Welcome)
	ch := c.Session.Choices()
	return &welcomeScreen{Common: c, step: st, mode: mode, strategy: ch.Strategy, flavour: ch.Flavour}
}

func (m *welcomeScreen) Busy() bool       { return false }
func (m *welcomeScreen) usesArrows() bool { return true }

// Enter shows the choices as the session has them now (a flag, or the live
// screen's s, may have changed them).
func (m *welcomeScreen) Enter() tea.Cmd {
	ch := m.Session.Choices()
	m.strategy, m.flavour = ch.Strategy, ch.Flavour
	return nil
}

// resumeAt is the step the learner stopped at, if past this one.
func (m *welcomeScreen) resumeAt() (steps.Step, bool) {
	p := m.Session.Progress()
	if p.Current == "" || p.Current == steps.Welcome {
		return steps.Step{}, false
	}
	return steps.ByID(p.Current)
}

func (m *welcomeScreen) Update(msg tea.Msg) (Screen, tea.Cmd) {
	km, ok := msg.(tea.KeyPressMsg)
	if !ok {
		return m, nil
	}
	switch {
	case key.Matches(km, m.Keys.Up), key.Matches(km, m.Keys.Down):
		m.row = 1 - m.row
	case key.Matches(km, m.Keys.Toggle):
		if m.row == 0 {
			m.strategy = m.strategy.Other()
		} else {
			m.flavour = other(m.flavour, steps.FlavourCurrent, steps.FlavourClassic)
		}
	case key.Matches(km, m.Keys.Enter):
		m.Session.SetChoices(steps.Choices{Strategy: m.strategy, Flavour: m.flavour})
		// Recording the choices cannot fail; the result is the summary line.
		_, _ = m.step.Run(m.Ctx, m.Session)
		if st, ok := m.resumeAt(); ok {
			return m, gotoStepCmd(steps.Welcome, st.ID)
		}
		return m, nextStepCmd(steps.Welcome)
	}
	return m, nil
}

func other(v, a, b string) string {
	if v == a {
		return b
	}
	return a
}

func (m *welcomeScreen) View() string {
	st, w := m.Styles, m.contentWidth()
	option := func(row int, label string, values [2]string, chosen int) string {
		cursor := "  "
		if m.row == row {
			cursor = st.Selected.Render("▶ ")
		}
		var vs []string
		for i, v := range values {
			if i == chosen {
				vs = append(vs, st.Selected.Render("("+markOK+") "+v))
			} else {
				vs = append(vs, st.Subtle.Render("( ) "+v))
			}
		}
		return cursor + st.Label.Render(fmt.Sprintf("%-10s", label)) + " " + strings.Join(vs, "   ")
	}
	si, fi := 0, 0
	if m.strategy == rotation.SingleUser {
		si = 1
	}
	if m.flavour == steps.FlavourClassic {
		fi = 1
	}
	lines := []string{
		st.Explain.Render(wrap(m.step.Explain(m.Session.Choices()), w)),
		"",
		"  " + st.Label.Render(fmt.Sprintf("%-10s", "Mode")) + " " + m.mode,
		option(0, "Strategy", [2]string{"alternating users", "single user (to compare)"}, si),
		option(1, "Tutorial", [2]string{"current (2 days, 2h window)", "older (30 days)"}, fi),
		"",
	}
	if rs, ok := m.resumeAt(); ok {
		p := m.Session.Progress()
		n, _ := steps.Position(rs.ID, m.flavour)
		where := fmt.Sprintf("step %d, %s", n, rs.Title)
		if n == 0 {
			where = rs.Title + ", a step of the other tutorial (enter goes to the next step of this one)"
		}
		lines = append(lines, st.OK.Render(markOK)+wrap(fmt.Sprintf(" You stopped at %s (%d steps run before). Each screen shows what the world holds now.", where, len(p.Done)), w),
			st.Selected.Render("▶ enter")+" resume there   "+st.Subtle.Render("(--reset starts over)"))
	} else {
		lines = append(lines, st.Selected.Render("▶ enter")+" start")
	}
	return strings.Join(lines, "\n")
}

func (m *welcomeScreen) ShortHelp() []key.Binding {
	return []key.Binding{key.NewBinding(key.WithKeys("enter"), key.WithHelp("enter", "start")), m.Keys.Up, m.Keys.Toggle, m.Keys.Quit, m.Keys.Help}
}

func (m *welcomeScreen) FullHelp() [][]key.Binding {
	return [][]key.Binding{m.ShortHelp(), {m.Keys.Reveal}}
}
