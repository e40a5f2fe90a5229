package tui

import (
	"fmt"
	"strings"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
)

// Presenter mode is the walkthrough on a projector: every step opens on a
// title card (a pause point: the presenter talks, then enter shows the step),
// the commands by hand are left out so what matters is large enough to read
// at the back of the room, and no secret is ever revealed.

// cardWidth keeps the card's lines short enough to read from afar.
const cardWidth = 64

// renderTitleCard is a step's pause point: its number n of total, title and why.
func renderTitleCard(st *Styles, n, total int, title, explain string, width int) string {
	w := min(width, cardWidth)
	return strings.Join([]string{
		"",
		st.Subtle.Render(fmt.Sprintf("STEP %d OF %d", n, total)),
		"",
		st.Header.Title.Render(truncate(title, w)),
		st.Subtle.Render(strings.Repeat("─", min(w, max(len(title), 12)))),
		"",
		st.Explain.Render(wrap(explain, w)),
		"",
		st.Selected.Render("▶ enter") + " show the step",
	}, "\n")
}

// pausedKey answers a key on a title card: enter shows the step, b goes
// back a step; the rest waits.
func (m *model) pausedKey(msg tea.KeyPressMsg) tea.Cmd {
	c := m.common
	switch {
	case key.Matches(msg, c.Keys.Enter), msg.String() == "space":
		m.paused = false
	case key.Matches(msg, c.Keys.Back) && m.cur > 0:
		return m.go_(m.cur - 1)
	}
	return nil
}

// pausedKeys are the keys of a title card.
type pausedKeys struct{ k KeyMap }

func (p pausedKeys) ShortHelp() []key.Binding {
	return []key.Binding{with(p.k.Enter, "enter", "show the step"), p.k.Back, p.k.Quit}
}

func (p pausedKeys) FullHelp() [][]key.Binding { return [][]key.Binding{p.ShortHelp()} }
