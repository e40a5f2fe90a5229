package tui

import (
	tea "charm.land/bubbletea/v2"

	"rotation-tutor/steps"
)

// noteProblem tells the session about a problem the learner now sees, for
// whoever watches the room (steps.Status).
func noteProblem(s *steps.Session, msg tea.Msg) {
	var err error
	switch msg := msg.(type) {
	case stepFailedMsg:
		err = msg.err
	case rotatedMsg:
		err = msg.err
	case recoveredMsg:
		err = msg.err
	case reconnectedMsg:
		err = msg.err
	case worldStartedMsg:
		err = msg.err
	case probeStartedMsg:
		err = msg.err
	}
	s.NoteProblem(err)
}
