package tui

import (
	"charm.land/lipgloss/v2"
)

// Styles is every style the walkthrough uses, built for a dark or a light
// background. Screens read it from Common; nothing else holds a style.
type Styles struct {
	Header   struct{ Title, Step, Badge lipgloss.Style }
	Explain  lipgloss.Style
	Section  lipgloss.Style // a section's heading: VERSIONS, USERS…
	Label    lipgloss.Style
	Value    lipgloss.Style
	Subtle   lipgloss.Style
	OK       lipgloss.Style
	Fail     lipgloss.Style
	Warn     lipgloss.Style // amber: stale clients, things to look at
	Code     lipgloss.Style // an equivalent command
	CodeNote lipgloss.Style
	Spinner  lipgloss.Style
	Selected lipgloss.Style
	Stage    struct{ Current, Pending, Previous lipgloss.Style }
	Problem  struct{ Box, What, Why, Fix lipgloss.Style }
	Diagram  struct{ Box, Link lipgloss.Style }
}

// NewStyles builds the styles for the terminal's background.
func NewStyles(isDark bool) *Styles {
	ld := lipgloss.LightDark(isDark)
	var (
		accent = ld(lipgloss.Color("#5A56E0"), lipgloss.Color("#8E8BFF"))
		subtle = ld(lipgloss.Color("#8A8A8A"), lipgloss.Color("#7A7A7A"))
		green  = ld(lipgloss.Color("#1E8E3E"), lipgloss.Color("#5FD787"))
		red    = ld(lipgloss.Color("#C5221F"), lipgloss.Color("#FF6B6B"))
		amber  = ld(lipgloss.Color("#B06000"), lipgloss.Color("#FFB454"))
		blue   = ld(lipgloss.Color("#1967D2"), lipgloss.Color("#6CB6FF"))
		text   = ld(lipgloss.Color("#1F1F1F"), lipgloss.Color("#E8E8E8"))
	)
	s := &Styles{}
	s.Header.Title = lipgloss.NewStyle().Bold(true).Foreground(accent)
	s.Header.Step = lipgloss.NewStyle().Bold(true).Foreground(text)
	s.Header.Badge = lipgloss.NewStyle().Foreground(subtle)
	s.Explain = lipgloss.NewStyle().Foreground(text)
	s.Section = lipgloss.NewStyle().Bold(true).Foreground(accent)
	s.Label = lipgloss.NewStyle().Foreground(subtle)
	s.Value = lipgloss.NewStyle().Foreground(text)
	s.Subtle = lipgloss.NewStyle().Foreground(subtle)
	s.OK = lipgloss.NewStyle().Foreground(green).Bold(true)
	s.Fail = lipgloss.NewStyle().Foreground(red).Bold(true)
	s.Warn = lipgloss.NewStyle().Foreground(amber).Bold(true)
	s.Code = lipgloss.NewStyle().Foreground(blue)
	s.CodeNote = lipgloss.NewStyle().Foreground(subtle).Italic(true)
	s.Spinner = lipgloss.NewStyle().Foreground(accent)
	s.Selected = lipgloss.NewStyle().Bold(true).Foreground(accent)
	s.Stage.Current = lipgloss.NewStyle().Bold(true).Foreground(green)
	s.Stage.Pending = lipgloss.NewStyle().Bold(true).Foreground(amber)
	s.Stage.Previous = lipgloss.NewStyle().Foreground(blue)
	s.Problem.Box = lipgloss.NewStyle().Border(lipgloss.RoundedBorder()).BorderForeground(red).Padding(0, 1)
	s.Problem.What = lipgloss.NewStyle().Bold(true).Foreground(red)
	s.Problem.Why = lipgloss.NewStyle().Foreground(text)
	s.Problem.Fix = lipgloss.NewStyle().Foreground(green)
	s.Diagram.Box = lipgloss.NewStyle().Border(lipgloss.RoundedBorder()).BorderForeground(accent).Padding(0, 1)
	s.Diagram.Link = lipgloss.NewStyle().Foreground(subtle)
	return s
}
