package tui

import (
	"fmt"
	"strings"
	"time"

	"charm.land/lipgloss/v2"
	"github.com/charmbracelet/x/ansi"

	"rotation-tutor/steps"
)

// Pure renderers: a value in, a string out. The screens compose them and the
// golden tests pin them.

const (
	markOK      = "✓"
	markFail    = "✗"
	markSkip    = "–"
	markPending = "…"
)

// wrap word-wraps s to width, breaking words longer than a line.
func wrap(s string, width int) string { return ansi.Wrap(s, max(width, 10), "") }

// clip keeps the first n lines of s.
func clip(s string, n int) string {
	if n <= 0 {
		return ""
	}
	lines := strings.Split(s, "\n")
	if len(lines) <= n {
		return s
	}
	return strings.Join(lines[:n], "\n")
}

// truncate cuts each line of s to width cells.
func truncate(s string, width int) string {
	lines := strings.Split(s, "\n")
	for i, l := range lines {
		lines[i] = ansi.Truncate(l, width, "…")
	}
	return strings.Join(lines, "\n")
}

func renderHeader(st *Styles, idx, total int, title, badge string, width int) string {
	left := st.Header.Title.Render("rotation-tutor") + " " + st.Header.Step.Render(fmt.Sprintf("%d/%d %s", idx+1, total, title))
	right := st.Header.Badge.Render(badge)
	gap := width - lipgloss.Width(left) - lipgloss.Width(right)
	if gap < 1 {
		return truncate(left, width)
	}
	return left + strings.Repeat(" ", gap) + right
}

// renderFacts aligns labelled values; long values wrap under themselves.
func renderFacts(st *Styles, facts []steps.Fact, width int) string {
	lw := 0
	for _, f := range facts {
		lw = max(lw, lipgloss.Width(f.Label))
	}
	lw = min(lw, 18)
	var b strings.Builder
	for i, f := range facts {
		if i > 0 {
			b.WriteByte('\n')
		}
		label := f.Label
		if lipgloss.Width(label) > lw {
			label = ansi.Truncate(label, lw, "…")
		}
		val := wrap(f.Value, width-lw-3)
		val = strings.ReplaceAll(val, "\n", "\n"+strings.Repeat(" ", lw+3))
		b.WriteString("  " + st.Label.Render(fmt.Sprintf("%-*s", lw, label)) + " " + st.Value.Render(val))
	}
	return b.String()
}

// renderResult is a finished step: its summary, facts and the SQL it sent.
func renderResult(st *Styles, r steps.Result, recorded bool, width int) string {
	head := st.OK.Render(markOK) + " " + wrap(r.Summary, width-2)
	if recorded {
		head += st.Subtle.Render("  (done " + r.At.Local().Format("Jan 2 15:04") + "; r runs it again)")
	} else if r.Took > 0 {
		head += st.Subtle.Render("  " + roundDur(r.Took))
	}
	parts := []string{head}
	if len(r.Facts) > 0 {
		parts = append(parts, renderFacts(st, r.Facts, width))
	}
	if len(r.SQL) > 0 {
		parts = append(parts, st.Code.Render(truncate(strings.Join(r.SQL, "\n"), width)))
	}
	return strings.Join(parts, "\n")
}

// renderProblem is an error as a person reads it.
func renderProblem(st *Styles, p steps.Problem, width int) string {
	inner := width - 4
	body := st.Problem.What.Render(markFail+" "+wrap(p.What, inner-2)) + "\n" +
		st.Label.Render("why ") + st.Problem.Why.Render(wrap(p.Why, inner-4)) + "\n" +
		st.Label.Render("fix ") + st.Problem.Fix.Render(wrap(p.Fix, inner-4)) + "\n" +
		st.Subtle.Render("enter tries again")
	return st.Problem.Box.Width(width).Render(body)
}

// renderCommand shows one of the step's equivalent commands.
func renderCommand(st *Styles, cmds []steps.Command, sel, width int) string {
	if len(cmds) == 0 {
		return ""
	}
	sel = ((sel % len(cmds)) + len(cmds)) % len(cmds)
	c := cmds[sel]
	head := st.Section.Render("By hand") + st.Subtle.Render(fmt.Sprintf(" %d/%d · %s", sel+1, len(cmds), c.Tool))
	if c.Note != "" {
		head += st.CodeNote.Render(" — " + c.Note)
	}
	return truncate(head, width) + "\n" + st.Code.Render(wrapCommand(c.Text, width-2))
}

// wrapCommand breaks a command at spaces only, so that a flag such as --endpoint-url or a
// name with hyphens is never split across lines (ansi.Wrap breaks at every hyphen), and
// indents the lines that continue one. A token wider than a line is cut as a last resort.
// The text stays readable, not pasteable as wrapped: c copies the command on one line.
func wrapCommand(s string, width int) string {
	const indent = "  "
	width = max(width, 20)
	var out []string
	for _, src := range strings.Split(s, "\n") {
		line, lead := "", ""
		flush := func() {
			out = append(out, line)
			line, lead = "", indent
		}
		for _, tok := range strings.Split(src, " ") {
			switch {
			case line == "":
				line = lead + tok
			case ansi.StringWidth(line)+1+ansi.StringWidth(tok) <= width:
				line += " " + tok
			default:
				flush()
				line = lead + tok
			}
			for ansi.StringWidth(line) > width { // one token wider than a line
				head, rest := cutToken(line, width, len(lead))
				line = head
				flush()
				line = lead + rest
			}
		}
		out = append(out, line)
	}
	return strings.Join(out, "\n")
}

// cutToken splits a line that is too wide, after the last ':' or '/' that fits (where an
// ARN or a URL breaks naturally), or at the width when there is none past the indent.
func cutToken(line string, width, indent int) (head, rest string) {
	cut, w := -1, 0
	for i, r := range line {
		w += ansi.StringWidth(string(r))
		if w > width {
			break
		}
		if (r == ':' || r == '/') && i >= indent {
			cut = i + len(string(r))
		}
	}
	if cut < 0 {
		return ansi.Truncate(line, width, ""), ansi.Cut(line, width, ansi.StringWidth(line))
	}
	return line[:cut], line[cut:]
}

// renderDiagram draws the path a connection takes, you → bastion →
// database, and beside it Secrets Manager with the admin secret and the
// rotation function. Wide terminals get boxes; narrow ones a tree.
func renderDiagram(st *Styles, env *steps.Env, width int) string {
	bastion, db, endpoint, admin, fn := "starting…", "starting…", "starting…", "starting…", "starting…"
	if env != nil {
		bastion = env.SSH.User + "@" + env.SSH.Addr
		db = fmt.Sprintf("%s:%d", env.DBHost, env.DBPort)
		endpoint = env.SecretsEndpoint
		if endpoint == "" {
			endpoint = "secretsmanager." + env.Region + ".amazonaws.com"
		}
		admin = lastPart(env.AdminSecretARN, ":")
		fn = "local rotator (this app, through the tunnel)"
		if env.RotationLambdaARN != "" {
			fn = lastPart(env.RotationLambdaARN, ":") + " (inside the network)"
		}
	}
	if width >= 110 {
		boxW := (width - 16) / 3
		box := func(title, detail string) string {
			return st.Diagram.Box.Width(boxW).Render(st.Section.Render(title) + "\n" + truncate(detail, boxW-4))
		}
		link := func(s string) string { return st.Diagram.Link.Render("\n " + s + " \n") }
		row1 := lipgloss.JoinHorizontal(lipgloss.Top, box("you", "this terminal"), link("─ssh─▶"), box("bastion", bastion), link("─tcp─▶"), box("database", db))
		row2 := lipgloss.JoinHorizontal(lipgloss.Top, box("Secrets Manager", endpoint+"\nadmin secret "+admin), link("◀─────"), box("rotation function", fn))
		return row1 + "\n" + row2
	}
	l := st.Diagram.Link.Render
	name := func(s string, w int) string { return st.Section.Render(fmt.Sprintf("%-*s", w, s)) }
	lines := []string{
		st.Section.Render("you") + st.Subtle.Render(" (this terminal)"),
		l(" └─ssh─▶ ") + name("bastion", 10) + bastion,
		l("          └─tcp─▶ ") + name("database", 10) + db,
		st.Section.Render("Secrets Manager ") + endpoint,
		l(" ├ ") + name("admin secret", 18) + admin,
		l(" └ ") + name("rotation function", 18) + fn,
	}
	return truncate(strings.Join(lines, "\n"), width)
}

func lastPart(s, sep string) string {
	if i := strings.LastIndex(s, sep); i >= 0 {
		return s[i+len(sep):]
	}
	return s
}

func roundDur(d time.Duration) string {
	switch {
	case d >= time.Second:
		return d.Round(10 * time.Millisecond).String()
	case d >= time.Millisecond:
		return d.Round(100 * time.Microsecond).String()
	}
	return d.Round(time.Microsecond).String()
}

// renderChecks is the troubleshooting list.
func renderChecks(st *Styles, checks []steps.Check, width int) string {
	var b strings.Builder
	for i, c := range checks {
		if i > 0 {
			b.WriteByte('\n')
		}
		mark, style := st.OK.Render(markOK), st.Value
		switch {
		case c.Skipped:
			mark, style = st.Subtle.Render(markSkip), st.Subtle
		case !c.OK:
			mark, style = st.Fail.Render(markFail), st.Fail
		}
		line := fmt.Sprintf("%-9s %-26s %7s  %s", c.Hop, c.Name, roundDur(c.Took), c.Detail)
		if c.Skipped {
			line = fmt.Sprintf("%-9s %-26s %7s  %s", c.Hop, c.Name, "", c.Detail)
		}
		b.WriteString(mark + " " + style.Render(truncate(line, width-2)))
		if !c.OK && !c.Skipped && c.Fix != "" {
			b.WriteString("\n  " + st.Problem.Fix.Render(truncate("fix: "+c.Fix, width-2)))
		}
	}
	return b.String()
}
