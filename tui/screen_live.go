package tui

import (
	"fmt"
	"strings"
	"time"

	"charm.land/bubbles/v2/key"
	"charm.land/bubbles/v2/spinner"
	tea "charm.land/bubbletea/v2"
	"charm.land/lipgloss/v2"

	"rotation-tutor/rotation"
	"rotation-tutor/steps"
)

// liveEvery is how often the live screen looks again unless told otherwise
// (Common.LookEvery): fast enough to see labels move, slow enough to leave
// the CPU to the demo. A step held by slow motion is looked at at once.
const liveEvery = 250 * time.Millisecond

// sparkLen is how many looks the sparklines remember.
const sparkLen = 120

// liveScreen is the signature view: the secret's versions and labels, both
// users, the simulated clients, the last rotation's four steps, and the
// username alternating. r rotates; s switches strategy and rotates; a
// rotation left unfinished is shown with f to finish and x to cancel it.
// Time is a control too: m slows rotations down (space steps them one step
// at a time), > jumps the sandbox's clock to the next scheduled rotation, p
// changes how the clients cache the secret, and l shows what every mark
// means.
type liveScreen struct {
	*Common
	step       steps.Step
	active     bool
	gen        int // tells the current tick loop from an old one
	live       steps.Live
	have       bool
	lookErr    error
	probeErr   error
	rotating   bool
	recovering bool
	rotErr     *steps.Problem
	strategy   rotation.Strategy
	spin       spinner.Model
	cmdSel     int
	logins     []int // logins per look, for the sparkline
	failures   []int
	lastL      int
	lastF      int
	legend     bool // the legend replaces the lower sections
	// failNote explains the last burst of failed logins, for a while after.
	failNote      *failureNote
	failNoteUntil time.Time
	// failNoteAfter is the last rotation's version when the note was read.
	failNoteAfter string
	slowApplied   bool // the presenter's slow motion was set on first entry
	cmdBlock      commandBlock
}

func newLiveScreen(c *Common) *liveScreen {
	st, _ := steps.ByID(steps.Watch)
	return &liveScreen{Common: c, step: st, spin: spinner.New(spinner.WithSpinner(spinner.Dot))}
}

func (m *liveScreen) Busy() bool { return m.rotating || m.recovering }

func (m *liveScreen) Enter() tea.Cmd {
	m.active = true
	m.gen++
	m.strategy = m.Session.Choices().Strategy
	m.spin.Style = m.Styles.Spinner
	m.presenterSlowMotion()
	return tea.Batch(startProbeCmd(m.Ctx, m.Session), observeCmd(m.Ctx, m.Session, m.gen))
}

// presenterSlowMotion turns slow motion on the first time it can, when the
// presenter asked for it: rotations can be held once the world has started.
func (m *liveScreen) presenterSlowMotion() {
	if pace := m.Session.Pace(); m.SlowMotion && !m.slowApplied && pace != nil {
		pace.SetMode(slowMotions[1])
		m.slowApplied = true
	}
}

// Leave stops the tick loop: the next tick finds the screen inactive.
func (m *liveScreen) Leave() { m.active = false }

func (m *liveScreen) rotate() tea.Cmd {
	m.rotating, m.rotErr = true, nil
	return tea.Batch(rotateCmd(m.Ctx, m.Session, m.strategy), m.spin.Tick)
}

func (m *liveScreen) Update(msg tea.Msg) (Screen, tea.Cmd) {
	switch msg := msg.(type) {
	case tea.KeyPressMsg:
		// Time keys work while a rotation runs: that is when they matter.
		if cmd, ok := m.timeKey(msg); ok {
			return m, cmd
		}
		if m.Busy() {
			return m, nil
		}
		u := m.live.Unfinished
		rotationKey := key.Matches(msg, m.Keys.Finish) || key.Matches(msg, m.Keys.Cancel) ||
			key.Matches(msg, m.Keys.Rotate) || key.Matches(msg, m.Keys.Strategy)
		switch {
		case heldHere(m.live) && rotationKey:
			return m, flashCmd("a rotation is under way in slow motion: space runs its next step, m changes the pace")
		case u != nil && key.Matches(msg, m.Keys.Finish) && !u.Stale:
			m.recovering, m.rotErr = true, nil
			return m, tea.Batch(finishCmd(m.Ctx, m.Session, m.step.ID), m.spin.Tick)
		case u != nil && key.Matches(msg, m.Keys.Cancel):
			m.recovering, m.rotErr = true, nil
			return m, tea.Batch(cancelCmd(m.Ctx, m.Session, m.step.ID), m.spin.Tick)
		case (key.Matches(msg, m.Keys.Rotate) || key.Matches(msg, m.Keys.Strategy)) && u != nil:
			return m, flashCmd("a rotation is unfinished: f finishes it, x cancels it")
		case key.Matches(msg, m.Keys.Rotate):
			return m, m.rotate()
		case key.Matches(msg, m.Keys.Strategy):
			m.strategy = m.strategy.Other()
			return m, tea.Batch(m.rotate(), flashCmd("now rotating with the "+string(m.strategy)+" function"))
		case key.Matches(msg, m.Keys.Enter):
			if len(m.live.Rotations) > 0 || m.live.Unfinished == nil && len(m.live.Versions) > 1 {
				m.Session.MarkDone(m.step.ID)
			}
			return m, nextStepCmd(m.step.ID)
		case key.Matches(msg, m.Keys.NextCmd):
			m.cmdSel++
		case key.Matches(msg, m.Keys.Copy):
			return m, copyCmd(m.commands(), m.cmdSel)
		}
	case liveTickMsg:
		if msg.gen == m.gen && m.active {
			return m, observeCmd(m.Ctx, m.Session, m.gen)
		}
	case liveMsg:
		if msg.gen != m.gen || !m.active {
			return m, nil
		}
		m.lookErr = msg.err
		if msg.err == nil {
			m.live, m.have = msg.live, true
			m.sample()
		}
		m.presenterSlowMotion()
		every := m.LookEvery
		if every <= 0 {
			every = liveEvery
		}
		return m, liveTickCmd(m.Ctx, m.gen, every, msg.changes)
	case probeStartedMsg:
		m.probeErr = msg.err
	case jumpedMsg:
		if msg.err != nil {
			return m, flashCmd(steps.Explain(msg.err).Why)
		}
		return m, tea.Batch(flashCmd("the clock jumped to "+msg.at.UTC().Format(clockLayout)+": Secrets Manager starts the rotation by itself"), m.lookNow())
	case rotatedMsg:
		m.rotating = false
		if msg.err != nil {
			p := steps.Explain(msg.err)
			m.rotErr = &p
		}
		return m, m.lookNow()
	case recoveredMsg:
		m.recovering = false
		if msg.err != nil {
			p := steps.Explain(msg.err)
			m.rotErr = &p
			return m, m.lookNow()
		}
		return m, tea.Batch(flashCmd(msg.summary), m.lookNow())
	case spinner.TickMsg:
		if m.Busy() {
			var cmd tea.Cmd
			m.spin, cmd = m.spin.Update(msg)
			return m, cmd
		}
	}
	return m, nil
}

// lookNow looks again at once after a change, without waiting for the tick.
func (m *liveScreen) lookNow() tea.Cmd {
	if !m.active {
		return nil
	}
	m.gen++ // the running tick loop ends; this look starts a new one
	return observeCmd(m.Ctx, m.Session, m.gen)
}

// timeKey handles the keys of slow motion, the clock, the clients' cache
// and the legend.
func (m *liveScreen) timeKey(msg tea.KeyPressMsg) (tea.Cmd, bool) {
	pace := m.Session.Pace()
	switch {
	case key.Matches(msg, m.Keys.SlowMotion):
		if pace == nil {
			return flashCmd("slow motion needs rotations this program runs: the sandbox, or the local rotator"), true
		}
		next := nextSlowMotion(pace.Mode())
		pace.SetMode(next)
		return tea.Batch(flashCmd("slow motion: "+describePace(next)), m.lookNow()), true
	case key.Matches(msg, m.Keys.StepOnce):
		if pace == nil {
			return nil, true
		}
		if !pace.Mode().ByKey {
			pace.SetMode(rotation.PaceMode{ByKey: true})
			return tea.Batch(flashCmd("step by step: each step of a rotation waits for space"), m.lookNow()), true
		}
		pace.Next()
		return m.lookNow(), true
	case key.Matches(msg, m.Keys.Jump):
		return jumpCmd(m.Ctx, m.Session), true
	case key.Matches(msg, m.Keys.Policy):
		next := nextPolicy(m.live.Policy)
		m.Session.SetClientPolicy(next)
		return tea.Batch(flashCmd("cache "+next.Name+": the clients read the secret "+describePolicy(next)), m.lookNow()), true
	case key.Matches(msg, m.Keys.Legend):
		m.legend = !m.legend
		return nil, true
	}
	return nil, false
}

// sample adds the logins and failures since the last look to the
// sparklines, and notes why clients failed when new failures show up.
func (m *liveScreen) sample() {
	p := m.live.Probe
	if p == nil {
		return
	}
	if p.Failed > m.lastF && (m.lastL > 0 || m.lastF > 0 || len(m.logins) > 0) {
		m.failNote = explainFailures(m.live, m.strategy)
		m.failNoteUntil = time.Now().Add(failNoteFor)
	}
	if m.failNote != nil && time.Now().After(m.failNoteUntil) {
		m.failNote = nil
	}
	last := ""
	if n := len(m.live.Rotations); n > 0 {
		last = m.live.Rotations[n-1].Version
	}
	if m.failNote != nil && last != m.failNoteAfter {
		// The rotation that failed the clients has finished since: say it
		// with the count of rotations it makes.
		if n := explainFailures(m.live, m.strategy); n != nil {
			m.failNote = n
		}
	}
	m.failNoteAfter = last
	if m.lastL > 0 || m.lastF > 0 || len(m.logins) > 0 {
		m.logins = appendBounded(m.logins, p.Logins-m.lastL)
		m.failures = appendBounded(m.failures, p.Failed-m.lastF)
	}
	m.lastL, m.lastF = p.Logins, p.Failed
}

func appendBounded(xs []int, v int) []int {
	xs = append(xs, max(v, 0))
	if len(xs) > sparkLen {
		xs = xs[len(xs)-sparkLen:]
	}
	return xs
}

func (m *liveScreen) commands() []steps.Command { return m.step.Commands(m.Session, m.live.Unfinished) }

func (m *liveScreen) View() string {
	out := renderLive(m.Styles, liveView{
		live: m.live, have: m.have, strategy: m.strategy, rotating: m.rotating, recovering: m.recovering, spinner: m.spin.View(),
		rotErr: m.rotErr, lookErr: m.lookErr, probeErr: m.probeErr, logins: m.logins, failures: m.failures,
		explain: m.step.Explain(m.Session.Choices()), legend: m.legend, failNote: m.failNote,
	}, m.contentWidth(), m.BodyHeight)
	if c := m.cmdBlock.render(m.Styles, m.commands(), m.cmdSel, m.contentWidth(), m.Served); c != "" && !m.Present {
		out += "\n\n" + c
	}
	return out
}

// liveView is everything the live screen draws, so renderLive stays pure.
type liveView struct {
	live                 steps.Live
	have                 bool
	strategy             rotation.Strategy
	rotating, recovering bool
	spinner              string
	rotErr               *steps.Problem
	lookErr              error
	probeErr             error
	logins, failures     []int
	explain              string
	legend               bool
	failNote             *failureNote
}

// renderLive lays the live screen out: two columns when wide enough, and
// the clients one per row and the rotations' history when tall enough.
func renderLive(st *Styles, v liveView, width, height int) string {
	l := v.live
	status := st.Selected.Render("▶ r") + " rotate now   " + st.Selected.Render("s") + " switch to " + string(v.strategy.Other())
	switch {
	case v.rotating:
		status = v.spinner + " rotating with the " + string(v.strategy) + " function…"
	case v.recovering:
		status = v.spinner + " resolving the unfinished rotation…"
	case heldHere(l):
		status = st.Warn.Render(markHeld + " a rotation is under way in slow motion")
	case l.Unfinished != nil:
		status = st.Warn.Render("r waits: a rotation is unfinished (f finishes it, x cancels it)")
	}
	head := fmt.Sprintf("%s  %s  %s", st.Value.Render(l.SecretName), st.Label.Render("strategy"), v.strategy)
	if l.Schedule != "" {
		head += st.Subtle.Render("  schedule " + l.Schedule)
	}
	parts := []string{indentWrap(head, width, 2)}
	if v.have {
		// The clock and what r does share a line when there is room.
		clock := renderClock(st, l, width)
		if lipgloss.Width(status)+3+lipgloss.Width(clock) <= width {
			parts = append(parts, status+"   "+clock)
		} else {
			parts = append(parts, status, clock)
		}
	} else {
		parts = append(parts, status)
	}
	if v.rotErr != nil {
		parts = append(parts, renderProblem(st, *v.rotErr, "r: try again · enter: next step", width))
	}
	if l.Unfinished != nil && !heldHere(l) {
		parts = append(parts, renderUnfinished(st, l.Unfinished, v.recovering, v.spinner, width))
	}
	if v.lookErr != nil {
		parts = append(parts, st.Fail.Render(indentWrap(markFail+" "+steps.Explain(v.lookErr).Why, width, 2)))
	}
	if v.probeErr != nil {
		parts = append(parts, st.Warn.Render(indentWrap("clients not started: "+steps.Explain(v.probeErr).Why, width, 2)))
	}
	if !v.have {
		return strings.Join(append(parts, st.Subtle.Render(markPending+" looking at the secret…")), "\n")
	}
	if !l.Exists || l.Deleted {
		what := "the secret is not stored: the store-secret step makes it"
		if l.Deleted {
			what = "the secret is scheduled for deletion: the clean-up step's u restores it"
		}
		parts = append(parts, st.Warn.Render(indentWrap(what, width, 2)))
	}
	if width >= 100 {
		colW := width/2 - 1
		parts = append(parts, lipgloss.JoinHorizontal(lipgloss.Top,
			lipgloss.NewStyle().Width(colW).Render(renderVersions(st, l.Versions, colW)), "  ", renderUsers(st, l.Users, colW)))
	} else {
		parts = append(parts, renderVersions(st, l.Versions, width), renderUsers(st, l.Users, width))
	}
	// The user alternating comes first: it is what rotation does.
	parts = append(parts, renderAlternation(st, l.Rotations, width))
	if l.CanPace && (!l.Pace.Off() || l.Held != nil) {
		parts = append(parts, renderSlowTimeline(st, l.Timeline, l.Held, l.Pace, width))
	} else {
		parts = append(parts, renderTimeline(st, l.Timeline, width))
	}
	parts = append(parts, renderClients(st, l, v.logins, v.failures, width))
	if l.Probe != nil {
		parts = append(parts, renderRule(st, l, v.strategy, width))
	}
	if v.failNote != nil {
		parts = append(parts, renderFailNote(st, v.failNote, width))
	}
	out := strings.Join(parts, "\n")
	if v.legend {
		return out + "\n\n" + renderLegend(st, width)
	}
	// Room to spare: every client on its own row, and the rotations so far.
	if lines := lipHeight(out); height-lines >= 8+len(clientsOf(l.Probe))+len(l.Rotations) {
		out += "\n" + renderClientTable(st, l.Probe, width) + "\n" + renderHistory(st, l.Rotations, width)
	}
	return out + "\n\n" + st.Explain.Render(wrap(v.explain, width))
}

// heldHere says the rotation AWSPENDING stands for is under way, held by
// slow motion: not left unfinished, only slowed down.
func heldHere(l steps.Live) bool {
	return l.Held != nil && l.Unfinished != nil && l.Held.Token == l.Unfinished.Pending
}

func (m *liveScreen) ShortHelp() []key.Binding {
	b := []key.Binding{with(m.Keys.Enter, "enter", "next"), with(m.Keys.Rotate, "r", "rotate")}
	if u := m.live.Unfinished; u != nil && !heldHere(m.live) {
		if !u.Stale {
			b = append(b, m.Keys.Finish)
		}
		b = append(b, m.Keys.Cancel)
	}
	if m.live.CanPace {
		b = append(b, with(m.Keys.SlowMotion, "m", "slow"))
		if m.live.Pace.ByKey {
			b = append(b, with(m.Keys.StepOnce, "space", "step"))
		}
	}
	if m.live.TimeScale > 0 {
		b = append(b, with(m.Keys.Jump, ">", "jump"))
	}
	return append(b, with(m.Keys.Policy, "p", "cache"), m.Keys.Legend, m.Keys.Help, m.Keys.Quit)
}

func (m *liveScreen) FullHelp() [][]key.Binding {
	return [][]key.Binding{
		{m.Keys.Rotate, m.Keys.Strategy, m.Keys.Finish, m.Keys.Cancel, with(m.Keys.Enter, "enter", "next"), m.Keys.Back},
		{m.Keys.SlowMotion, m.Keys.StepOnce, with(m.Keys.Jump, ">", "jump ahead"), with(m.Keys.Policy, "p", "cache"), m.Keys.Legend,
			with(m.Keys.Copy, "c", "copy cmd")},
		{with(m.Keys.NextCmd, "tab", "next cmd"), m.Keys.Reveal, m.Keys.Scroll, m.Keys.Quit, m.Keys.Help},
	}
}
