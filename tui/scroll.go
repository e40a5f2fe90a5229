package tui

import (
	"strings"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"
)

// scroller shows the part of a screen's body that fits, scrolled with the
// arrows, the page keys and the wheel. The screens lay their lines out to
// the width already, so a frame measures only the lines it shows, and only
// to cut one that overruns; bubbles' viewport measured and padded every line
// of the body each frame, the costliest part of drawing on a workshop server
// that draws fifty screens several times a second.
type scroller struct {
	lines            []string
	offset           int
	width, height    int
	up, down         key.Binding
	pageUp, pageDown key.Binding
}

// wheelLines is how far one notch of the mouse wheel scrolls.
const wheelLines = 3

func newScroller(k KeyMap) scroller {
	return scroller{up: key.NewBinding(key.WithKeys("up")), down: key.NewBinding(key.WithKeys("down")),
		pageUp: k.PageUp, pageDown: k.PageDown}
}

// SetContent replaces the body, keeping the scroll where it was when it still fits.
func (s *scroller) SetContent(body string, width, height int) {
	s.lines = strings.Split(body, "\n")
	s.width, s.height = width, max(height, 1)
	s.scroll(0)
}

func (s *scroller) TotalLineCount() int { return len(s.lines) }
func (s *scroller) YOffset() int        { return s.offset }

// SetYOffset scrolls to line n (0 is the top).
func (s *scroller) SetYOffset(n int) {
	s.offset = n
	s.scroll(0)
}

func (s *scroller) scroll(by int) {
	s.offset = max(0, min(s.offset+by, len(s.lines)-s.height))
}

// Update scrolls for a key or the wheel; other messages are not its own.
func (s *scroller) Update(msg tea.Msg) {
	switch msg := msg.(type) {
	case tea.KeyPressMsg:
		switch {
		case key.Matches(msg, s.up):
			s.scroll(-1)
		case key.Matches(msg, s.down):
			s.scroll(1)
		case key.Matches(msg, s.pageUp):
			s.scroll(-s.height)
		case key.Matches(msg, s.pageDown):
			s.scroll(s.height)
		}
	case tea.MouseWheelMsg:
		switch msg.Button {
		case tea.MouseWheelUp:
			s.scroll(-wheelLines)
		case tea.MouseWheelDown:
			s.scroll(wheelLines)
		}
	}
}

// View is exactly height lines, none wider than width.
func (s *scroller) View() string {
	out := make([]string, 0, s.height)
	for _, l := range s.lines[s.offset:min(s.offset+s.height, len(s.lines))] {
		if ansi.StringWidth(l) > s.width {
			l = ansi.Truncate(l, s.width, "")
		}
		out = append(out, l)
	}
	for len(out) < s.height {
		out = append(out, "")
	}
	return strings.Join(out, "\n")
}
