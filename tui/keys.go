package tui

import "charm.land/bubbles/v2/key"

// KeyMap is every key the walkthrough answers to. Screens pick the ones
// they use for their help.
type KeyMap struct {
	Enter, Back, Rotate, Strategy, Reveal, Copy, NextCmd, Help, Quit key.Binding
	Up, Down, Toggle, Rerun, Restore                                 key.Binding
}

// DefaultKeyMap is the walkthrough's keys.
func DefaultKeyMap() KeyMap {
	return KeyMap{
		Enter: key.NewBinding(key.WithKeys("enter"), key.WithHelp("enter", "run / next")),
		// Not esc: a terminal's late answer to a startup query can arrive split, and its lone
		// ESC would read as a key press that moves the learner back a screen.
		Back:     key.NewBinding(key.WithKeys("b"), key.WithHelp("b", "back")),
		Rotate:   key.NewBinding(key.WithKeys("r"), key.WithHelp("r", "rotate now")),
		Rerun:    key.NewBinding(key.WithKeys("r"), key.WithHelp("r", "run again")),
		Strategy: key.NewBinding(key.WithKeys("s"), key.WithHelp("s", "switch strategy")),
		Reveal:   key.NewBinding(key.WithKeys("v"), key.WithHelp("v", "reveal/mask")),
		Copy:     key.NewBinding(key.WithKeys("c"), key.WithHelp("c", "copy command")),
		NextCmd:  key.NewBinding(key.WithKeys("tab"), key.WithHelp("tab", "next command")),
		Help:     key.NewBinding(key.WithKeys("?"), key.WithHelp("?", "more keys")),
		Quit:     key.NewBinding(key.WithKeys("q", "ctrl+c"), key.WithHelp("q", "quit")),
		Up:       key.NewBinding(key.WithKeys("up", "k"), key.WithHelp("↑/↓", "choose")),
		Down:     key.NewBinding(key.WithKeys("down", "j")),
		Toggle:   key.NewBinding(key.WithKeys("left", "right", "h", "l", "space"), key.WithHelp("←/→", "change")),
		Restore:  key.NewBinding(key.WithKeys("u"), key.WithHelp("u", "restore secret")),
	}
}
