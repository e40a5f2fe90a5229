package tui

import (
	"charm.land/bubbles/v2/help"
	tea "charm.land/bubbletea/v2"
)

// Screen is one step of the walkthrough. Only the root returns a tea.View;
// a screen returns its body as a string, as tall as it needs: the root
// scrolls it.
type Screen interface {
	help.KeyMap
	// Enter is called when the screen becomes the current one.
	Enter() tea.Cmd
	Update(msg tea.Msg) (Screen, tea.Cmd)
	View() string
	// Busy says an action that changes the world is running: the root then
	// keeps back from leaving half-way, and quit waits for it (bounded).
	Busy() bool
}

// arrowUser is a screen that uses ↑/↓ itself (to choose), so they do not
// scroll it.
type arrowUser interface{ usesArrows() bool }
