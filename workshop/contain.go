package workshop

import (
	"fmt"
	"runtime/debug"

	tea "charm.land/bubbletea/v2"
)

// contained keeps a panic in a model inside its own session: the program
// quits, the server's log gets the stack, the attendee one line, and every
// other session goes on. (The walkthrough's own model recovers its panics
// too; this also covers the dashboard and anything that wraps them.)
type contained struct {
	tea.Model
	report  func(what any, stack []byte)
	crashed bool
}

func (c *contained) Update(msg tea.Msg) (m tea.Model, cmd tea.Cmd) {
	if c.crashed {
		return c, tea.Quit
	}
	defer func() {
		if r := recover(); r != nil {
			c.crash(r)
			m, cmd = c, tea.Quit
		}
	}()
	c.Model, cmd = c.Model.Update(msg)
	return c, cmd
}

func (c *contained) View() (v tea.View) {
	defer func() {
		if r := recover(); r != nil {
			c.crash(r) // the next message quits
			v = tea.NewView("")
		}
	}()
	return c.Model.View()
}

func (c *contained) crash(r any) {
	c.crashed = true
	c.report(r, debug.Stack())
}

// contain wraps m for the session st of the person name.
func (s *Server) contain(m tea.Model, st *served, name string) tea.Model {
	return &contained{Model: m, report: func(what any, stack []byte) {
		s.o.logf("%s: internal error, the session ends: %v\n%s", name, what, stack)
		st.set(func(st *served) {
			st.reason = fmt.Sprintf("this session stopped on an internal error (%v); your progress is kept", what)
		})
	}}
}
