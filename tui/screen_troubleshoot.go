package tui

import (
	"strings"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"

	"rotation-tutor/doctor"
	"rotation-tutor/steps"
)

// troubleshootScreen is the doctor's step, and in the sandbox the lab: "break something"
// breaks the world one way at random without saying which; the learner finds it with the
// doctor, fixes it (the fix's commands, or a key), and the screen confirms by rotating and
// logging in again.
type troubleshootScreen struct {
	*stepScreen
	broken  *steps.LabScenario // what the lab broke, named only once found
	found   bool
	busy    bool
	note    string // where the learner is in the exercise
	labKeys struct{ brk, fix, confirm key.Binding }
}

func newTroubleshootScreen(c *Common, st steps.Step) *troubleshootScreen {
	m := &troubleshootScreen{stepScreen: newStepScreen(c, st)}
	m.labKeys.brk = key.NewBinding(key.WithKeys("B"), key.WithHelp("B", "break something"))
	m.labKeys.fix = key.NewBinding(key.WithKeys("F"), key.WithHelp("F", "let the lab fix it"))
	m.labKeys.confirm = key.NewBinding(key.WithKeys("C"), key.WithHelp("C", "confirm: rotate and log in"))
	return m
}

// lab is the world's lab, nil on a real account.
func (m *troubleshootScreen) lab() steps.Lab {
	if env := m.Session.Env(); env != nil {
		return env.Lab
	}
	return nil
}

func (m *troubleshootScreen) Busy() bool { return m.busy || m.stepScreen.Busy() }

type labBrokenMsg struct {
	s   steps.LabScenario
	err error
}

type labDoneMsg struct {
	what string
	err  error
}

func (m *troubleshootScreen) Update(msg tea.Msg) (Screen, tea.Cmd) {
	switch msg := msg.(type) {
	case tea.KeyPressMsg:
		if l := m.lab(); l != nil && !m.Busy() {
			switch {
			case key.Matches(msg, m.labKeys.brk) && m.broken == nil:
				m.busy, m.note = true, "breaking something…"
				ctx := m.Ctx
				secret := m.Session.Env().SecretName
				return m, safe(func() tea.Msg { s, err := l.BreakRandom(ctx, secret); return labBrokenMsg{s, err} })
			case key.Matches(msg, m.labKeys.fix) && m.broken != nil:
				m.busy, m.note = true, "the lab is fixing it…"
				ctx, name, secret := m.Ctx, m.broken.Name, m.Session.Env().SecretName
				return m, safe(func() tea.Msg { return labDoneMsg{"fixed", l.Fix(ctx, name, secret)} })
			case key.Matches(msg, m.labKeys.confirm) && m.broken != nil:
				m.busy, m.note = true, "rotating and logging in again…"
				ctx, s := m.Ctx, m.Session
				return m, safe(func() tea.Msg {
					r, err := s.ConfirmFixed(ctx)
					return labDoneMsg{"confirmed: " + r.Summary, err}
				})
			}
		}
	case labBrokenMsg:
		m.busy = false
		if msg.err != nil {
			m.note = "could not break anything: " + steps.Explain(msg.err).Why
			return m, nil
		}
		m.broken, m.found = &msg.s, false
		m.note = "Something in the sandbox is broken now. Find it: run the doctor (enter)."
		m.state, m.result = stateIdle, steps.Result{} // what was shown no longer holds
		return m, nil
	case labDoneMsg:
		m.busy = false
		switch {
		case msg.err != nil:
			m.note = "not yet: " + steps.Explain(msg.err).Why
		case strings.HasPrefix(msg.what, "confirmed"):
			m.note, m.broken = msg.what+". Well done: the sandbox works again.", nil
		default:
			m.note = "The lab fixed it. Run the doctor again (enter), then C to confirm."
		}
		return m, nil
	case stepDoneMsg, stepFailedMsg:
		s, cmd := m.stepScreen.Update(msg)
		m.stepScreen = s.(*stepScreen)
		m.judge()
		return m, cmd
	}
	s, cmd := m.stepScreen.Update(msg)
	m.stepScreen = s.(*stepScreen)
	return m, cmd
}

// judge says whether the doctor's latest run found what the lab broke.
func (m *troubleshootScreen) judge() {
	if m.broken == nil {
		return
	}
	checks := m.result.Checks
	var first *struct{ hop, name string }
	for _, c := range checks {
		if !c.OK && !c.Skipped {
			first = &struct{ hop, name string }{c.Hop, c.Name}
			break
		}
	}
	switch {
	case first == nil && m.found:
		m.note = "The doctor passes now. Press C to confirm: rotate and log in again."
	case first == nil:
		m.note = "The doctor finds nothing wrong yet: look again (r), or try a rotation on the live screen."
	case first.hop == m.broken.Hop && first.name == m.broken.Check:
		m.found = true
		m.note = "Found it: " + m.broken.Name + " (" + m.broken.What + ")."
		if m.broken.Heading != "" {
			m.note += " AWS's troubleshooting page: \"" + m.broken.Heading + "\"."
		}
		m.note += " Fix it with the fix shown (copy its command), or press F; then C to confirm."
	default:
		m.note = "The doctor's first failure is at " + first.hop + " (" + first.name + "): follow its fix and run it again."
	}
}

func (m *troubleshootScreen) View() string {
	v := m.stepScreen.View()
	if m.lab() == nil {
		return v
	}
	line := m.note
	if line == "" {
		line = "Sandbox lab: B breaks something the way real set-ups break; find it with the doctor."
	}
	out := m.Styles.Warn.Render(wrap(line, m.contentWidth()))
	if m.broken != nil && m.found {
		// The finding itself, at the top: what the doctor saw and the fix to follow.
		if failed := (doctor.Report{Checks: m.result.Checks}).Failed(); len(failed) > 0 {
			out += "\n" + renderChecks(m.Styles, failed[:1], m.contentWidth())
		}
	}
	return out + "\n\n" + v
}

func (m *troubleshootScreen) ShortHelp() []key.Binding {
	b := m.stepScreen.ShortHelp()
	if m.lab() == nil {
		return b
	}
	if m.broken == nil {
		return append([]key.Binding{m.labKeys.brk}, b...)
	}
	return append([]key.Binding{m.labKeys.fix, m.labKeys.confirm}, b...)
}

func (m *troubleshootScreen) FullHelp() [][]key.Binding {
	return append([][]key.Binding{{m.labKeys.brk, m.labKeys.fix, m.labKeys.confirm}}, m.stepScreen.FullHelp()...)
}
