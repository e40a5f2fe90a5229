package tui

import (
	"charm.land/bubbles/v2/help"
	tea "charm.land/bubbletea/v2"
)

// Screen is one step of the walkthrough. Only the root returns a tea.View;
// a screen returns its body as a string.
type Screen interface {
	help.KeyMap
	// Enter is called when the screen becomes the current one.
	Enter() tea.Cmd
	Update(msg tea.Msg) (Screen, tea.Cmd)
	View() string
	SetSize(width, height int)
	// Busy says an action is running: the root then keeps back and quit
	// from leaving half-way (quit still works, it cancels).
	Busy() bool
}
