package tui

import (
	"fmt"
	"strings"
	"testing"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"
)

// The body scrolls by a line, a page or three lines a wheel notch, never past
// either end; a frame is exactly the body's height, no line wider than the width.
func TestScroller(t *testing.T) {
	s := newScroller(DefaultKeyMap())
	var lines []string
	for i := range 10 {
		lines = append(lines, fmt.Sprintf("line %d", i))
	}
	lines[5] = "\x1b[1m" + strings.Repeat("wide ", 10) + "\x1b[0m"
	s.SetContent(strings.Join(lines, "\n"), 12, 4)
	first := func() string { return strings.SplitN(s.View(), "\n", 2)[0] }
	for _, step := range []struct {
		msg  tea.Msg
		want string
	}{
		{tea.KeyPressMsg{Code: tea.KeyUp}, "line 0"},
		{tea.KeyPressMsg{Code: tea.KeyDown}, "line 1"},
		{tea.KeyPressMsg{Code: tea.KeyPgDown}, "wide wide wi"}, // line 5, cut to the width
		{tea.KeyPressMsg{Code: tea.KeyPgDown}, "line 6"},
		{tea.MouseWheelMsg{Button: tea.MouseWheelUp}, "line 3"},
		{tea.KeyPressMsg{Code: tea.KeyPgUp}, "line 0"},
		{tea.MouseWheelMsg{Button: tea.MouseWheelDown}, "line 3"},
	} {
		s.Update(step.msg)
		if got := ansi.Strip(first()); got != step.want {
			t.Fatalf("after %v the first line is %q, want %q", step.msg, got, step.want)
		}
	}
	s.SetYOffset(9)
	if got := strings.Split(s.View(), "\n"); len(got) != 4 || ansi.Strip(got[3]) != "line 9" {
		t.Fatalf("scrolled to the end: %q", got)
	}
	s.SetContent("short", 12, 4)
	if got := strings.Split(s.View(), "\n"); len(got) != 4 || got[0] != "short" || s.YOffset() != 0 {
		t.Fatalf("a body shorter than the screen: %q at offset %d", got, s.YOffset())
	}
}
