package steps

import (
	"sync"
	"time"
)

// Status is what someone watching a room of learners needs from one session
// (the workshop's dashboard): the step on screen and since when, the last
// problem the learner hit, and the live screen's counters. It is a copy.
type Status struct {
	Step      ID
	Flavour   string    // the tutorial followed, which numbers its steps
	Since     time.Time // when the learner came to Step
	Problem   string    // the last problem, in one line; "" when none
	ProblemAt time.Time
	// The live screen's simulated clients, while they run: their logins and
	// failed logins (alternating users keeps failures at zero).
	Logins, FailedLogins int
	Rotations            int // rotations made in this session
}

// statusNotes is the part of Status the bookmark does not hold.
type statusNotes struct {
	mu        sync.Mutex
	step      ID
	since     time.Time
	problem   string
	problemAt time.Time
}

func (n *statusNotes) entered(id ID) {
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.step != id {
		n.step, n.since = id, time.Now()
	}
}

// NoteProblem records the problem a learner just saw (a step, a rotation or
// a look that failed), for Status.
func (s *Session) NoteProblem(err error) {
	if err == nil {
		return
	}
	p := Explain(err)
	line := p.What
	if p.Why != "" {
		line += ": " + p.Why
	}
	s.notes.mu.Lock()
	s.notes.problem, s.notes.problemAt = line, time.Now()
	s.notes.mu.Unlock()
}

// Status returns where the learner is now.
func (s *Session) Status() Status {
	s.notes.mu.Lock()
	st := Status{Step: s.notes.step, Flavour: s.Choices().Flavour, Since: s.notes.since, Problem: s.notes.problem, ProblemAt: s.notes.problemAt}
	s.notes.mu.Unlock()
	s.live.mu.Lock()
	p := s.live.probe
	st.Rotations = len(s.live.rotations)
	s.live.mu.Unlock()
	if p != nil {
		snap := p.Snapshot()
		st.Logins, st.FailedLogins = snap.Logins, snap.Failed
	}
	return st
}
