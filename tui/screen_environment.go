package tui

import (
	"strings"

	"rotation-tutor/steps"
)

// newEnvironmentScreen is the environment step: the diagram of laptop →
// bastion → database beside Secrets Manager and the rotation function, and
// the world's start-up stages as they arrive.
func newEnvironmentScreen(c *Common) *stepScreen {
	st, _ := steps.ByID(steps.Environment)
	m := newStepScreen(c, st)
	m.summaryOnly = true // the diagram shows the facts
	m.extra = func() string {
		w := c.contentWidth()
		out := renderDiagram(c.Styles, c.Session.Env(), w)
		if stages := renderStages(c.Styles, c.Stages, c.Started, c.StartErr, w); stages != "" {
			out += "\n" + stages
		}
		return out
	}
	return m
}

// renderStages lists the last few start-up stages.
func renderStages(st *Styles, stages []string, started bool, err error, width int) string {
	if started && err == nil {
		return ""
	}
	if len(stages) > 3 {
		stages = stages[len(stages)-3:]
	}
	var lines []string
	for _, s := range stages {
		lines = append(lines, st.Subtle.Render(truncate("  · "+s, width)))
	}
	switch {
	case err != nil:
		lines = append(lines, st.Fail.Render(truncate("  "+markFail+" did not start: "+err.Error(), width)))
	case !started:
		lines = append(lines, st.Subtle.Render("  "+markPending+" starting…"))
	}
	return strings.Join(lines, "\n")
}
