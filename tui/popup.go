package tui

import (
	"charm.land/bubbles/v2/help"
	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
)

// popup is a question that takes the screen's place until answered: an
// unknown bastion, a setting the world needs, a confirmation. It has keys of
// its own, which the help bar shows while it is open; every other key waits.
type popup interface {
	help.KeyMap
	// key handles a key press; done closes the pop-up.
	key(msg tea.KeyPressMsg) (done bool, cmd tea.Cmd)
	view(st *Styles, width int) string
}

// openPopupMsg asks the root to show p (a screen cannot draw over the
// others itself).
type openPopupMsg struct{ p popup }

func openPopupCmd(p popup) tea.Cmd { return func() tea.Msg { return openPopupMsg{p: p} } }

// confirmPopup asks yes or no before something that cannot be taken back.
type confirmPopup struct {
	keys        KeyMap
	title, body string
	yes         tea.Cmd // what y does
	noNote      string  // what any other answer says
}

func (p *confirmPopup) key(msg tea.KeyPressMsg) (bool, tea.Cmd) {
	switch {
	case key.Matches(msg, p.keys.Yes):
		return true, p.yes
	case msg.String() == "ctrl+c":
		return true, tea.Quit
	}
	return true, flashCmd(p.noNote)
}

func (p *confirmPopup) view(st *Styles, width int) string {
	return st.Warn.Render(p.title) + "\n\n" + wrap(p.body, width)
}

func (p *confirmPopup) ShortHelp() []key.Binding {
	return []key.Binding{with(p.keys.Yes, "y", "yes"), key.NewBinding(key.WithKeys("n"), key.WithHelp("any other key", "no"))}
}

func (p *confirmPopup) FullHelp() [][]key.Binding { return [][]key.Binding{p.ShortHelp()} }
