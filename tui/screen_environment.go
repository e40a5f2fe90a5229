package tui

import (
	"strings"

	"rotation-tutor/steps"
)

// newEnvironmentScreen is the environment step: the diagram of laptop →
// bastion → database beside Secrets Manager and the rotation function, what
// the tutorial stands on (each piece, why, and its stand-in here), and the
// world's start-up stages as they arrive.
func newEnvironmentScreen(c *Common) *stepScreen {
	st, _ := steps.ByID(steps.Environment)
	m := newStepScreen(c, st)
	m.summaryOnly = true // the diagram shows the facts
	m.extra = func() string {
		w := c.contentWidth()
		out := renderDiagram(c.Styles, c.Session.Env(), w)
		if env := c.Session.Env(); env != nil && len(env.Remembered) > 0 {
			out += "\n" + c.Styles.Subtle.Render(indentWrap("remembered from an earlier run in this environment: "+
				strings.Join(env.Remembered, "; "), w, 2))
		}
		if stages := renderStages(c.Styles, c.Stages, c.Started, c.StartErr, w); stages != "" {
			out += "\n" + stages
		}
		return out
	}
	m.after = func() string {
		return renderPrerequisites(c.Styles, c.Session.Choices().Flavour, steps.Prerequisites(c.Session), c.Reveal, c.contentWidth())
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
		lines = append(lines, st.Subtle.Render(indentWrap("  · "+s, width, 4)))
	}
	switch {
	case err != nil:
		lines = append(lines, st.Fail.Render(indentWrap("  "+markFail+" did not start: "+steps.Explain(err).Why, width, 4)))
	case !started:
		lines = append(lines, st.Subtle.Render("  "+markPending+" starting…"))
	}
	return strings.Join(lines, "\n")
}
