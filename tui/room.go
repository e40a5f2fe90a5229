package tui

import (
	"fmt"

	"charm.land/bubbles/v2/help"
	"charm.land/bubbles/v2/key"

	"rotation-tutor/steps"
)

// Room is what an instructor tells every learner of a workshop at once: a
// one-line message, and a step the room waits at.
type Room struct {
	Message string
	// HoldAt is a step's number as the screens show it (1 for the first,
	// counted within the learner's tutorial): nobody moves past it until the
	// instructor lets go. 0 holds nothing.
	HoldAt int
}

// RoomMsg brings the room's new state to a walkthrough (the workshop sends
// it to every program when the instructor changes it).
type RoomMsg struct{ Room Room }

// holdNote says why the learner cannot move on, in the instructor's words
// when there are some.
func (r Room) holdNote() string {
	note := fmt.Sprintf("held at step %d by the instructor", r.HoldAt)
	if r.Message != "" {
		note += ": " + r.Message
	}
	return note
}

// heldKeys is a screen's keys while the room is held at it: enter, where it
// would move on, says it waits instead.
type heldKeys struct {
	help.KeyMap
	at int
}

func (k heldKeys) ShortHelp() []key.Binding { return k.held(k.KeyMap.ShortHelp()) }

func (k heldKeys) FullHelp() [][]key.Binding {
	var out [][]key.Binding
	for _, col := range k.KeyMap.FullHelp() {
		out = append(out, k.held(col))
	}
	return out
}

func (k heldKeys) held(bs []key.Binding) []key.Binding {
	out := make([]key.Binding, len(bs))
	for i, b := range bs {
		if h := b.Help(); h.Key == "enter" && (h.Desc == "next" || h.Desc == "start") {
			b = key.NewBinding(key.WithKeys("enter"), key.WithHelp("enter", fmt.Sprintf("held at %d", k.at)))
		}
		out[i] = b
	}
	return out
}

// roomBanner is the instructor's message above the screen, or "".
func roomBanner(st *Styles, r Room, width int) string {
	if r.Message == "" {
		return ""
	}
	return st.Warn.Render(truncate("instructor: "+r.Message, width))
}

// number is screen i's step number in the learner's tutorial.
func (m *model) number(i int) int {
	n, _ := steps.Position(m.steps[i].ID, m.common.Session.Choices().Flavour)
	return n
}

// heldAt says whether moving on to screen next is held: it lies past the
// step the room is held at.
func (m *model) heldAt(next int) bool {
	r := m.common.Room
	return r.HoldAt > 0 && next > m.cur && m.number(next) > r.HoldAt
}

// holdLimit is the last screen of the learner's tutorial the room may reach.
func (m *model) holdLimit() int {
	last := 0
	for i := range m.steps {
		if m.visible(i) && m.number(i) <= m.common.Room.HoldAt {
			last = i
		}
	}
	return last
}
