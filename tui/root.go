package tui

import (
	"fmt"
	"strings"
	"time"

	"charm.land/bubbles/v2/help"
	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"

	"rotation-tutor/rotation"
	"rotation-tutor/steps"
)

// quitGrace bounds how long quit waits for a rotation in flight to finish,
// so that quitting does not leave it half done.
const quitGrace = 20 * time.Second

// model is the root: it owns Common, routes messages to the current screen,
// draws the header, the scrolling body and the help bar, shows pop-ups, and
// is the only one returning a tea.View.
type model struct {
	common    *Common
	steps     []steps.Step
	screens   []Screen
	cur       int
	help      help.Model
	body      scroller
	stages    chan string
	flash     string
	flashGen  int
	altScreen bool
	kind      string // what the header says the world is
	crash     *panicMsg
	resumed   bool  // reconnect once the world is up, for a learner resuming past the connect step
	popup     popup // a question that waits for the learner's answer
	quitting  bool  // quit was asked while a rotation ran: waiting for it to end
	paused    bool  // presenter mode: the step's title card shows until enter
	// frame is the last view drawn, kept while only unseen messages came.
	frame    tea.View
	unseen   bool
	hasDrawn bool
}

func newModel(c *Common, altScreen bool, kind string) *model {
	// A presenter wants rotations in slow motion; the live screen applies it
	// when first entered (the world's rotations can be held only once it has started).
	c.SlowMotion = c.SlowMotion || c.Present
	m := &model{common: c, steps: steps.All(), help: help.New(), body: newScroller(c.Keys), stages: make(chan string, 32), altScreen: altScreen, kind: kind}
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
		case steps.Troubleshoot:
			s = newTroubleshootScreen(c, st)
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
	_, m.unseen = msg.(unseenMsg)
	cmd = m.update(msg)
	if m.quitting && !m.busy() {
		return m, tea.Batch(cmd, tea.Quit)
	}
	return m, cmd
}

// busy says a screen is running something that changes the world.
func (m *model) busy() bool {
	for _, s := range m.screens {
		if s.Busy() {
			return true
		}
	}
	return false
}

func (m *model) update(msg tea.Msg) tea.Cmd {
	c := m.common
	noteProblem(c.Session, msg)
	switch msg := msg.(type) {
	case RoomMsg:
		c.Room = msg.Room
		return nil
	case tea.WindowSizeMsg:
		c.Width, c.Height = msg.Width, msg.Height
		m.help.SetWidth(c.contentWidth())
		return nil
	case tea.BackgroundColorMsg:
		c.Styles = NewStyles(msg.IsDark())
		m.help.Styles = help.DefaultStyles(msg.IsDark())
		return nil
	case panicMsg:
		m.crash = &msg
		return tea.Quit
	case hostKeyQuestionMsg:
		if m.popup != nil { // one question at a time; refuse a second rather than lose it
			msg.reply <- false
			return nil
		}
		m.popup = &hostKeyPopup{keys: c.Keys, q: msg}
		return nil
	case settingQuestionMsg:
		if m.popup != nil { // one at a time; the world asks in sequence
			msg.reply <- settingReply{declined: true}
			return nil
		}
		p, cmd := newSettingPopup(c.Keys, msg, c.contentWidth())
		m.popup = p
		return cmd
	case openPopupMsg:
		if m.popup == nil {
			m.popup = msg.p
		}
		return nil
	case tea.KeyPressMsg:
		if m.popup != nil {
			done, cmd := m.popup.key(msg)
			if done {
				m.popup = nil
			}
			return cmd
		}
		return m.key(msg)
	case tea.MouseWheelMsg:
		m.body.Update(msg)
		return nil
	case quitNowMsg:
		return tea.Quit
	case worldStageMsg:
		c.Stages = append(c.Stages, msg.stage)
		return waitStageCmd(m.stages)
	case worldStartedMsg:
		c.Started, c.StartErr = msg.err == nil, msg.err
		if msg.err != nil {
			return nil
		}
		cmd := m.screens[m.cur].Enter() // its look can read the world now
		if m.resumed {
			m.resumed = false
			return tea.Batch(cmd, reconnectCmd(c.Ctx, c.Session), flashCmd("reconnecting through the bastion…"))
		}
		return cmd
	case reconnectedMsg:
		if msg.err != nil {
			return flashCmd("could not reconnect: " + steps.Explain(msg.err).Why + " (the connect step tries again)")
		}
		return tea.Batch(flashCmd("reconnected through the bastion"), m.screens[m.cur].Enter())
	case nextStepMsg:
		if steps.Index(msg.from) != m.cur {
			return nil
		}
		next := m.step(m.cur, 1)
		if m.heldAt(next) {
			return flashCmd(c.Room.holdNote())
		}
		return m.go_(next)
	case gotoStepMsg:
		if steps.Index(msg.from) != m.cur {
			return nil
		}
		if i := steps.Index(msg.id); i >= 0 {
			if !m.visible(i) { // a step of the other tutorial: the next one of this
				i = m.step(i, 1)
			}
			if m.heldAt(i) { // resume no further than the room is held
				i = max(m.holdLimit(), m.cur)
			}
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
	case lookedMsg:
		return m.toStep(msg.id, msg)
	case recoveredMsg:
		return m.toStep(msg.from, msg)
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
		return m.quit()
	case key.Matches(msg, c.Keys.Help):
		m.help.ShowAll = !m.help.ShowAll
		return nil
	case m.paused:
		return m.pausedKey(msg)
	case key.Matches(msg, c.Keys.Reveal) && c.Present:
		return flashCmd("presenter mode never reveals a secret")
	case key.Matches(msg, c.Keys.Reveal):
		c.Reveal = !c.Reveal
		if c.Reveal {
			return flashCmd("secrets shown: v masks them again")
		}
		return flashCmd("secrets masked")
	case key.Matches(msg, c.Keys.Back) && m.cur > 0 && !m.screens[m.cur].Busy():
		return m.go_(m.step(m.cur, -1))
	case key.Matches(msg, c.Keys.PageUp), key.Matches(msg, c.Keys.PageDown),
		key.Matches(msg, c.Keys.Scroll) && !m.usesArrows():
		m.body.Update(msg)
		return nil
	}
	var cmd tea.Cmd
	m.screens[m.cur], cmd = m.screens[m.cur].Update(msg)
	return cmd
}

// quit leaves at once, unless a rotation (or another change to the world)
// is under way: then it waits for it to end, at most quitGrace, so that
// nothing is left half done. Slow motion ends first, so a rotation held
// between its steps goes on at full speed instead of running out the grace
// (a step waiting for space would never end). A second quit leaves at once.
func (m *model) quit() tea.Cmd {
	if m.quitting || !m.busy() {
		return tea.Quit
	}
	m.quitting = true
	if p := m.common.Session.Pace(); p != nil {
		p.SetMode(rotation.PaceMode{})
	}
	return tea.Tick(quitGrace, func(time.Time) tea.Msg { return quitNowMsg{} })
}

// visible says whether screen i is a step of the chosen tutorial.
func (m *model) visible(i int) bool { return m.steps[i].In(m.common.Session.Choices().Flavour) }

// step is the screen of the chosen tutorial next to i, after it (dir 1) or before it
// (dir -1); i itself when there is none.
func (m *model) step(i, dir int) int {
	for j := i + dir; j >= 0 && j < len(m.steps); j += dir {
		if m.visible(j) {
			return j
		}
	}
	return i
}

func (m *model) usesArrows() bool {
	a, ok := m.screens[m.cur].(arrowUser)
	return ok && a.usesArrows()
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
	m.paused = m.common.Present
	m.body.SetYOffset(0)
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
	if m.unseen && m.hasDrawn {
		return m.frame
	}
	defer func() { m.frame, m.hasDrawn = v, true }()
	v = tea.NewView(m.render())
	v.AltScreen = m.altScreen
	v.MouseMode = tea.MouseModeCellMotion // the wheel scrolls; shift+drag still selects in most terminals
	v.WindowTitle = "rotation-tutor — " + m.steps[m.cur].Title
	return v
}

// keysShown is the key map the help bar shows: the pop-up's while one is
// open, else the screen's, with scrolling when the body does not fit.
type keysShown struct {
	help.KeyMap
	scroll []key.Binding
}

func (k keysShown) ShortHelp() []key.Binding { return append(k.KeyMap.ShortHelp(), k.scroll...) }

// render is the whole frame as a string.
func (m *model) render() string {
	c := m.common
	if c.Width == 0 {
		c.Width, c.Height = 80, 24 // before the first WindowSizeMsg
	}
	w := c.contentWidth()
	st := c.Styles
	n, total := steps.Position(m.steps[m.cur].ID, c.Session.Choices().Flavour)
	header := renderHeader(st, n, total, m.steps[m.cur].Title, m.badge(), w)

	var keys help.KeyMap = m.screens[m.cur]
	held := c.Room.HoldAt > 0 && n >= c.Room.HoldAt
	switch {
	case m.popup != nil:
		keys = m.popup
	case m.paused:
		keys = pausedKeys{c.Keys}
	case held:
		keys = heldKeys{KeyMap: keys, at: c.Room.HoldAt}
	}
	// The room's word: the hold (grey, over the keys), or else the message.
	footer := ""
	if held {
		footer = st.Subtle.Render(truncate("⏸ "+c.Room.holdNote(), w)) + "\n"
	} else if banner := roomBanner(st, c.Room, w); banner != "" {
		header += "\n" + banner
	}
	keysLine := m.help.View(keys)
	bodyH := max(c.Height-1-lipHeight(header)-lipHeight(footer+keysLine), 3)
	c.BodyHeight = bodyH
	var body string
	switch {
	case m.popup != nil:
		body = m.popup.view(st, w)
	case m.paused:
		body = renderTitleCard(st, n, total, m.steps[m.cur].Title, m.steps[m.cur].Explain(c.Session.Choices()), w)
	default:
		body = m.screens[m.cur].View()
	}
	m.body.SetContent(body, w, bodyH)
	if m.popup == nil && m.body.TotalLineCount() > bodyH {
		keysLine = m.help.View(keysShown{KeyMap: keys, scroll: []key.Binding{with(c.Keys.PageDown, "↑↓/pgup/pgdn", "scroll")}})
		if more := m.body.TotalLineCount() - m.body.YOffset() - bodyH; more > 0 {
			keysLine = st.Subtle.Render(fmt.Sprintf("↓ %d more lines", more)) + "  " + keysLine
		}
	}
	switch {
	case m.quitting:
		keysLine = st.Warn.Render(truncate("finishing the rotation before quitting… (q again quits now and leaves it unfinished)", w))
	case m.flash != "":
		keysLine = st.Warn.Render(truncate(m.flash, w))
	}
	footer += truncate(keysLine, w)
	return frame(header + "\n" + m.body.View() + "\n" + footer)
}

// frame sets every line of the screen one column in from the left edge, line by line
// (a lipgloss padding would measure and pad every line again).
func frame(s string) string {
	return " " + strings.ReplaceAll(s, "\n", "\n ")
}

func lipHeight(s string) int { return strings.Count(s, "\n") + 1 }

// badge is the header's right side: mode · strategy · tutorial, always.
func (m *model) badge() string {
	ch := m.common.Session.Choices()
	strategy := "alternating"
	if ch.Strategy == rotation.SingleUser {
		strategy = "single user"
	}
	return m.kind + " · " + strategy + " · " + steps.FlavourShort(ch.Flavour)
}
