package tui

import "charm.land/bubbles/v2/key"

// KeyMap is every key the walkthrough answers to. Screens and pop-ups pick
// the ones they use for their help, so the help bar names only keys that are
// bound where it shows.
type KeyMap struct {
	Enter, Back, Rotate, Strategy, Reveal, Copy, NextCmd, Help, Quit key.Binding
	Up, Down, Toggle, Rerun, Restore, Finish, Cancel                 key.Binding
	Scroll, PageUp, PageDown                                         key.Binding
	Yes, No                                                          key.Binding
	// The live screen's time controls.
	SlowMotion, StepOnce, Jump, Policy, Legend key.Binding
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
		Finish:   key.NewBinding(key.WithKeys("f"), key.WithHelp("f", "finish rotation")),
		Cancel:   key.NewBinding(key.WithKeys("x"), key.WithHelp("x", "cancel rotation")),
		Scroll:   key.NewBinding(key.WithKeys("up", "down"), key.WithHelp("↑/↓", "scroll")),
		PageUp:   key.NewBinding(key.WithKeys("pgup"), key.WithHelp("pgup/pgdn", "page")),
		PageDown: key.NewBinding(key.WithKeys("pgdown")),
		Yes:      key.NewBinding(key.WithKeys("y", "Y"), key.WithHelp("y", "yes")),
		No:       key.NewBinding(key.WithKeys("n", "N", "esc"), key.WithHelp("n", "no")),

		SlowMotion: key.NewBinding(key.WithKeys("m"), key.WithHelp("m", "slow motion")),
		StepOnce:   key.NewBinding(key.WithKeys("space"), key.WithHelp("space", "next step")),
		Jump:       key.NewBinding(key.WithKeys(">"), key.WithHelp(">", "jump to next rotation")),
		Policy:     key.NewBinding(key.WithKeys("p"), key.WithHelp("p", "client cache")),
		Legend:     key.NewBinding(key.WithKeys("l"), key.WithHelp("l", "legend")),
	}
}

// with returns b with other help words: the same keys, named for what they
// do where they show.
func with(b key.Binding, keys, desc string) key.Binding {
	return key.NewBinding(key.WithKeys(b.Keys()...), key.WithHelp(keys, desc))
}
