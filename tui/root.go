package tui

import (
	"fmt"
	"strings"
	"time"

	"charm.land/bubbles/v2/help"
	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"

	"rotation-tutor/steps"
)

// model is the root: it owns Common, routes messages to the current screen,
// draws the header and the help bar, and is the only one returning a
// tea.View.
type model struct {
	common    *Common
	steps     []steps.Step
	screens   []Screen
	cur       int
	help      help.Model
	stages    chan string
	flash     string
	flashGen  int
	altScreen bool
	kind      string // what the header says the world is
	crash     *panicMsg
	resumed   bool                // reconnect once the world is up, for a learner resuming past the connect step
	question  *hostKeyQuestionMsg // an unknown bastion waiting for the learner's answer
	setting   *settingForm        // a setting the world asks for, being typed
}

func newModel(c *Common, altScreen bool, kind string) *model {
	m := &model{common: c, steps: steps.All(), help: help.New(), stages: make(chan string, 32), altScreen: altScreen, kind: kind}
	for _, st := range m.steps {
		var s Screen
		switch st.ID {
		case steps.Welcome:
			s = newWelcomeScreen(c, kind)
		case steps.Environment:
			s = newEnvironmentScreen(c)
		case steps.Watch:
			s = newLiveScreen(c)
		case steps.CleanUp:
			s = newCleanupScreen(c)
		default:
			s = newStepScreen(c, st)
		}
		m.screens = append(m.screens, s)
	}
	return m
}

// Init draws the first frame at once and starts the world behind it.
func (m *model) Init() tea.Cmd {
	return tea.Batch(tea.RequestBackgroundColor, startWorldCmd(m.common.Ctx, m.common.Session, m.stages),
		waitStageCmd(m.stages), m.screens[m.cur].Enter())
}

func (m *model) Update(msg tea.Msg) (_ tea.Model, cmd tea.Cmd) {
	defer func() {
		if r := recover(); r != nil {
			m.crash = &panicMsg{report: fmt.Sprint(r), stack: stack()}
			cmd = tea.Quit
		}
	}()
	if m.crash != nil { // View panicked: leave with the report
		return m, tea.Quit
	}
	return m, m.update(msg)
}

func (m *model) update(msg tea.Msg) tea.Cmd {
	c := m.common
	switch msg := msg.(type) {
	case tea.WindowSizeMsg:
		c.Width, c.Height = msg.Width, msg.Height
		m.help.SetWidth(c.contentWidth())
		for _, s := range m.screens {
			s.SetSize(c.contentWidth(), c.bodyHeight())
		}
		return nil
	case tea.BackgroundColorMsg:
		c.Styles = NewStyles(msg.IsDark())
		m.help.Styles = help.DefaultStyles(msg.IsDark())
		return nil
	case panicMsg:
		m.crash = &msg
		return tea.Quit
	case hostKeyQuestionMsg:
		if m.question != nil { // one handshake at a time; refuse a second rather than lose it
			msg.reply <- false
			return nil
		}
		m.question = &msg
		return nil
	case settingQuestionMsg:
		return m.openSettingForm(msg)
	case tea.KeyPressMsg:
		if m.setting != nil {
			return m.settingKey(msg)
		}
		if m.question != nil {
			switch msg.String() {
			case "y", "Y":
				return m.answerHostKey(true)
			case "n", "N", "esc":
				return m.answerHostKey(false)
			case "ctrl+c":
				return tea.Sequence(m.answerHostKey(false), tea.Quit)
			}
			return nil
		}
		return m.key(msg)
	case worldStageMsg:
		c.Stages = append(c.Stages, msg.stage)
		return waitStageCmd(m.stages)
	case worldStartedMsg:
		c.Started, c.StartErr = msg.err == nil, msg.err
		if msg.err == nil && m.resumed {
			m.resumed = false
			return tea.Batch(reconnectCmd(c.Ctx, c.Session), flashCmd("reconnecting through the bastion…"))
		}
		return nil
	case reconnectedMsg:
		if msg.err != nil {
			return flashCmd("could not reconnect: " + steps.Explain(msg.err).Why + " (go back to the connect step)")
		}
		return flashCmd("reconnected through the bastion")
	case nextStepMsg:
		if steps.Index(msg.from) != m.cur {
			return nil
		}
		return m.go_(m.cur + 1)
	case gotoStepMsg:
		if steps.Index(msg.from) != m.cur {
			return nil
		}
		if i := steps.Index(msg.id); i >= 0 {
			if i > steps.Index(steps.Connect) {
				// Resuming past the connect step: the tunnel and the admin
				// session of the earlier run are gone; open them again.
				if c.Started {
					return tea.Batch(m.go_(i), reconnectCmd(c.Ctx, c.Session))
				}
				m.resumed = true
			}
			return m.go_(i)
		}
		return nil
	case flashMsg:
		m.flash = msg.text
		m.flashGen++
		gen := m.flashGen
		return tea.Tick(m.common.FlashFor, func(time.Time) tea.Msg { return flashDoneMsg{gen: gen} })
	case flashDoneMsg:
		if msg.gen == m.flashGen {
			m.flash = ""
		}
		return nil
	case stepDoneMsg:
		return m.toStep(msg.id, msg)
	case stepFailedMsg:
		return m.toStep(msg.id, msg)
	case liveTickMsg, liveMsg, rotatedMsg, probeStartedMsg:
		return m.toStep(steps.Watch, msg)
	case restoredMsg:
		return m.toStep(steps.CleanUp, msg)
	}
	var cmd tea.Cmd
	m.screens[m.cur], cmd = m.screens[m.cur].Update(msg)
	return cmd
}

// toStep delivers msg to the screen of step id, current or not: a result
// must land where it belongs even if the learner moved on.
func (m *model) toStep(id steps.ID, msg tea.Msg) tea.Cmd {
	i := steps.Index(id)
	if i < 0 {
		return nil
	}
	var cmd tea.Cmd
	m.screens[i], cmd = m.screens[i].Update(msg)
	return cmd
}

func (m *model) key(msg tea.KeyPressMsg) tea.Cmd {
	c := m.common
	switch {
	case key.Matches(msg, c.Keys.Quit):
		return tea.Quit
	case key.Matches(msg, c.Keys.Help):
		m.help.ShowAll = !m.help.ShowAll
		return nil
	case key.Matches(msg, c.Keys.Reveal):
		c.Reveal = !c.Reveal
		if c.Reveal {
			return flashCmd("secrets shown: v masks them again")
		}
		return flashCmd("secrets masked")
	case key.Matches(msg, c.Keys.Back) && m.cur > 0 && !m.screens[m.cur].Busy():
		return m.go_(m.cur - 1)
	}
	var cmd tea.Cmd
	m.screens[m.cur], cmd = m.screens[m.cur].Update(msg)
	return cmd
}

// go_ makes screen i the current one.
func (m *model) go_(i int) tea.Cmd {
	if i < 0 || i >= len(m.screens) || i == m.cur {
		return nil
	}
	if l, ok := m.screens[m.cur].(interface{ Leave() }); ok {
		l.Leave()
	}
	m.cur = i
	m.common.Session.SetCurrent(m.steps[i].ID)
	return m.screens[i].Enter()
}

func (m *model) View() (v tea.View) {
	defer func() {
		if r := recover(); r != nil {
			m.crash = &panicMsg{report: fmt.Sprint(r), stack: stack()}
			v = tea.NewView("")
		}
	}()
	v = tea.NewView(m.render())
	v.AltScreen = m.altScreen
	v.WindowTitle = "rotation-tutor — " + m.steps[m.cur].Title
	return v
}

// render is the whole frame as a string.
func (m *model) render() string {
	c := m.common
	if c.Width == 0 {
		c.Width, c.Height = 80, 24 // before the first WindowSizeMsg
	}
	w := c.contentWidth()
	st := c.Styles
	header := renderHeader(st, m.cur, len(m.steps), m.steps[m.cur].Title, m.badge(), w)
	body := m.screens[m.cur].View()
	footer := m.help.View(m.screens[m.cur])
	if m.question != nil {
		body = renderHostKeyQuestion(st, m.question, w)
		footer = st.Subtle.Render("y trust and record • n refuse • ctrl+c quit")
	}
	if m.setting != nil {
		body = renderSettingForm(st, m.setting, w)
		footer = st.Subtle.Render("enter use this • esc don't answer • ctrl+c quit")
	}
	if m.flash != "" {
		footer = st.Warn.Render(truncate(m.flash, w))
	}
	// Pad the body so the help bar sits on the last line.
	lines := strings.Count(body, "\n") + 1
	pad := max(c.Height-2-lines-strings.Count(footer, "\n")-1, 0)
	return st.App.Render(header + "\n" + body + strings.Repeat("\n", pad+1) + footer)
}

func (m *model) badge() string {
	o := m.common.Session.Options()
	return m.kind + " · " + strategyWords(o.Strategy)
}
