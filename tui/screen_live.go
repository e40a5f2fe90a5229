package tui

import (
	"fmt"
	"strings"
	"time"

	"charm.land/bubbles/v2/key"
	"charm.land/bubbles/v2/spinner"
	tea "charm.land/bubbletea/v2"
	"charm.land/lipgloss/v2"

	"rotation-tutor/steps"
)

// liveEvery is how often the live screen looks again: fast enough to see
// labels move, slow enough to leave the CPU to the demo.
const liveEvery = 250 * time.Millisecond

// sparkLen is how many looks the sparklines remember.
const sparkLen = 120

// liveScreen is the signature view: the secret's versions and labels, both
// users, the simulated clients, the last rotation's four steps, and the
// username alternating. r rotates; s switches strategy and rotates.
type liveScreen struct {
	*Common
	step     steps.Step
	active   bool
	gen      int // tells the current tick loop from an old one
	live     steps.Live
	have     bool
	lookErr  error
	probeErr error
	rotating bool
	rotErr   *steps.Problem
	strategy string
	spin     spinner.Model
	logins   []int // logins per look, for the sparkline
	failures []int
	lastL    int
	lastF    int
}

func newLiveScreen(c *Common) *liveScreen {
	st, _ := steps.ByID(steps.Watch)
	return &liveScreen{Common: c, step: st, spin: spinner.New(spinner.WithSpinner(spinner.Dot))}
}

func (m *liveScreen) SetSize(w, h int) {}
func (m *liveScreen) Busy() bool       { return m.rotating }

func (m *liveScreen) Enter() tea.Cmd {
	m.active = true
	m.gen++
	m.strategy = m.Session.Options().Strategy
	m.spin.Style = m.Styles.Spinner
	return tea.Batch(startProbeCmd(m.Ctx, m.Session), observeCmd(m.Ctx, m.Session, m.gen))
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
		switch {
		case key.Matches(msg, m.Keys.Rotate) && !m.rotating:
			return m, m.rotate()
		case key.Matches(msg, m.Keys.Strategy) && !m.rotating:
			m.strategy = other(m.strategy, steps.StrategyAlternating, steps.StrategySingle)
			return m, tea.Batch(m.rotate(), flashCmd("now rotating with the "+strategyWords(m.strategy)+" function"))
		case key.Matches(msg, m.Keys.Enter) && !m.rotating:
			if rs := m.Session.Rotations(); len(rs) > 0 {
				m.Session.MarkDone(steps.Watch, steps.RotationResult(rs[len(rs)-1]))
			}
			return m, nextStepCmd(m.step.ID)
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
		return m, liveTickCmd(m.gen, liveEvery)
	case probeStartedMsg:
		m.probeErr = msg.err
	case rotatedMsg:
		m.rotating = false
		if msg.err != nil {
			p := steps.Explain(msg.err)
			m.rotErr = &p
		}
	case spinner.TickMsg:
		if m.rotating {
			var cmd tea.Cmd
			m.spin, cmd = m.spin.Update(msg)
			return m, cmd
		}
	}
	return m, nil
}

// sample adds the logins and failures since the last look to the
// sparklines.
func (m *liveScreen) sample() {
	p := m.live.Probe
	if p == nil {
		return
	}
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

func strategyWords(s string) string {
	if s == steps.StrategySingle {
		return "single-user"
	}
	return "alternating-users"
}

func (m *liveScreen) View() string {
	return renderLive(m.Styles, liveView{
		live: m.live, have: m.have, strategy: m.strategy, rotating: m.rotating, spinner: m.spin.View(),
		rotErr: m.rotErr, lookErr: m.lookErr, probeErr: m.probeErr, logins: m.logins, failures: m.failures,
		explain: m.step.Explain(m.Session.Options()),
	}, m.contentWidth(), m.bodyHeight())
}

// liveView is everything the live screen draws, so renderLive stays pure.
type liveView struct {
	live             steps.Live
	have             bool
	strategy         string
	rotating         bool
	spinner          string
	rotErr           *steps.Problem
	lookErr          error
	probeErr         error
	logins, failures []int
	explain          string
}

// renderLive lays the live screen out: two columns when wide enough.
func renderLive(st *Styles, v liveView, width, height int) string {
	l := v.live
	status := st.Selected.Render("▶ r") + " rotate now   " + st.Selected.Render("s") + " switch to " +
		strategyWords(other(v.strategy, steps.StrategyAlternating, steps.StrategySingle))
	if v.rotating {
		status = v.spinner + " rotating with the " + strategyWords(v.strategy) + " function…"
	}
	head := fmt.Sprintf("%s  %s  %s", st.Value.Render(l.SecretName), st.Label.Render("strategy"), strategyWords(v.strategy))
	if l.Schedule != "" {
		head += st.Subtle.Render("  schedule " + l.Schedule)
	}
	parts := []string{truncate(head, width), status}
	if v.rotErr != nil {
		parts = append(parts, renderProblem(st, *v.rotErr, width))
	}
	if v.lookErr != nil {
		parts = append(parts, st.Fail.Render(truncate(markFail+" "+steps.Explain(v.lookErr).Why, width)))
	}
	if v.probeErr != nil {
		parts = append(parts, st.Warn.Render(truncate("clients not started: "+steps.Explain(v.probeErr).Why, width)))
	}
	if !v.have {
		parts = append(parts, st.Subtle.Render(markPending+" looking at the secret…"))
		return clip(strings.Join(parts, "\n"), height)
	}
	versions := renderVersions(st, l.Versions, width)
	users := renderUsers(st, l.Users, width)
	if width >= 100 {
		colW := width/2 - 1
		versions = lipgloss.JoinHorizontal(lipgloss.Top, lipgloss.NewStyle().Width(colW).Render(renderVersions(st, l.Versions, colW)), "  ", renderUsers(st, l.Users, colW))
		parts = append(parts, versions)
	} else {
		parts = append(parts, versions, users)
	}
	parts = append(parts,
		renderTimeline(st, l.Timeline, width),
		renderClients(st, l.Probe, v.logins, v.failures, width),
		renderAlternation(st, l.Rotations, width),
	)
	out := strings.Join(parts, "\n")
	if lines := strings.Count(out, "\n") + 1; height-lines >= 4 {
		out += "\n\n" + st.Explain.Render(clip(wrap(v.explain, width), height-lines-1))
	}
	return clip(out, height)
}

func (m *liveScreen) ShortHelp() []key.Binding {
	return []key.Binding{key.NewBinding(key.WithKeys("enter"), key.WithHelp("enter", "next")), m.Keys.Rotate, m.Keys.Strategy, m.Keys.Back, m.Keys.Quit, m.Keys.Help}
}

func (m *liveScreen) FullHelp() [][]key.Binding {
	return [][]key.Binding{
		{m.Keys.Rotate, m.Keys.Strategy},
		{key.NewBinding(key.WithKeys("enter"), key.WithHelp("enter", "next")), m.Keys.Back},
		{m.Keys.Reveal, m.Keys.Quit, m.Keys.Help},
	}
}
