package tui

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"charm.land/lipgloss/v2"
	"github.com/charmbracelet/x/ansi"

	"rotation-tutor/doctor"
	"rotation-tutor/internal/shell"
	"rotation-tutor/internal/textwrap"
	"rotation-tutor/rotation"
	"rotation-tutor/steps"
)

// Pure renderers: a value in, a string out. The screens compose them and the
// golden tests pin them.

const (
	markOK      = "✓"
	markFail    = "✗"
	markSkip    = "–"
	markPending = "…"
	markTodo    = "○" // not done yet
	markChanged = "!" // done before, no longer holds
	markHeld    = "‖" // a rotation step held by slow motion
	markFresh   = "●" // a client holding the current secret
	markStale   = "◐" // a client holding the secret from before the last rotation
)

// wrap lays s out in lines of width, breaking only between words (never at a hyphen:
// us-east-1, rds!db-… and host names stay whole) and cutting a word wider than a line
// after a ':', '/' or ','.
func wrap(s string, width int) string { return textwrap.Words(s, width) }

// truncate cuts each line of s to width cells.
func truncate(s string, width int) string {
	lines := strings.Split(s, "\n")
	for i, l := range lines {
		lines[i] = ansi.Truncate(l, width, "…")
	}
	return strings.Join(lines, "\n")
}

// renderHeader is the title line: the step's place in its tutorial (from 1), its title, and
// the badge.
func renderHeader(st *Styles, n, total int, title, badge string, width int) string {
	step := st.Header.Step.Render(fmt.Sprintf("%d/%d %s", n, total, title))
	right := st.Header.Badge.Render(badge)
	for _, left := range []string{st.Header.Title.Render("rotation-tutor") + " " + step, step} {
		if gap := width - lipgloss.Width(left) - lipgloss.Width(right); gap >= 1 {
			return left + strings.Repeat(" ", gap) + right
		}
	}
	return truncate(step, width) + "\n" + truncate(right, width)
}

// renderFacts aligns labelled values; long values wrap under themselves.
// Secret values are masked unless reveal.
func renderFacts(st *Styles, facts []steps.Fact, reveal bool, width int) string {
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
		v := f.Value
		if f.Secret && !reveal {
			v = masked + st.Subtle.Render("  (v reveals)")
		}
		// Values are ARNs, JSON and sentences: break at spaces, then after ':', '/' or ','
		// (never inside "us-east-1"), and align the lines under the first.
		val := textwrap.Words(v, width-lw-3)
		val = strings.ReplaceAll(val, "\n", "\n"+strings.Repeat(" ", lw+3))
		b.WriteString("  " + st.Label.Render(fmt.Sprintf("%-*s", lw, label)) + " " + st.Value.Render(val))
	}
	return b.String()
}

const masked = "••••••••"

// renderResult is a step's result: its summary, facts and the SQL it sent.
// A result that does not hold says so with its own mark: not done yet, or,
// for a step run before, changed since.
func renderResult(st *Styles, r steps.Result, ranBefore, reveal bool, width int) string {
	mark := st.OK.Render(markOK)
	switch {
	case !r.Holds && ranBefore:
		mark = st.Fail.Render(markChanged)
	case !r.Holds:
		mark = st.Subtle.Render(markTodo)
	}
	head := mark + " " + wrap(r.Summary, width-2)
	switch {
	case r.Looked && r.Holds:
		head += st.Subtle.Render("  (as the world shows it now)")
	case r.Looked && ranBefore:
		head = mark + " " + wrap("changed since it ran: "+r.Summary, width-2)
	case !r.Looked && r.Took > 0:
		head += st.Subtle.Render("  " + roundDur(r.Took))
	}
	parts := []string{head}
	if len(r.Facts) > 0 {
		parts = append(parts, renderFacts(st, r.Facts, reveal, width))
	}
	if len(r.SQL) > 0 {
		parts = append(parts, st.Code.Render(textwrap.Spaces(strings.Join(r.SQL, "\n"), width-2)))
	}
	return strings.Join(parts, "\n")
}

// renderProblem is an error as a person reads it: what failed, why (the
// cause first), the fix, and what the screen's keys do about it.
func renderProblem(st *Styles, p steps.Problem, hint string, width int) string {
	inner := width - 4
	body := st.Problem.What.Render(markFail+" "+wrap(p.What, inner-2)) + "\n" +
		st.Label.Render("why ") + st.Problem.Why.Render(indentWrap(p.Why, inner-4, 4)) + "\n" +
		st.Label.Render("fix ") + st.Problem.Fix.Render(indentWrap(p.Fix, inner-4, 4))
	if hint != "" {
		body += "\n" + st.Subtle.Render(hint)
	}
	return st.Problem.Box.Width(width).Render(body)
}

// indentWrap wraps s to width and indents the lines after the first by n.
func indentWrap(s string, width, n int) string {
	return strings.ReplaceAll(wrap(s, width), "\n", "\n"+strings.Repeat(" ", n))
}

// hang wraps s to width with the lines after the first indented by n, every
// line within width.
func hang(s string, width, n int) string {
	head, rest, ok := strings.Cut(wrap(s, width), "\n")
	if !ok {
		return head
	}
	pad := strings.Repeat(" ", n)
	return head + "\n" + pad + strings.ReplaceAll(wrap(strings.ReplaceAll(rest, "\n", " "), width-n), "\n", "\n"+pad)
}

// renderCommands shows every equivalent command, whole: the selected one
// (which c copies) marked. served says the walkthrough is a workshop's, over
// SSH: the commands name the server's files and loopback ports, so they run
// there and not on the attendee's machine, and a line says so.
func renderCommands(st *Styles, cmds []steps.Command, sel, width int, served bool) string {
	if len(cmds) == 0 {
		return ""
	}
	sel = ((sel % len(cmds)) + len(cmds)) % len(cmds)
	lines := []string{st.Section.Render("By hand") + st.Subtle.Render(" — each runs in a new shell; tab chooses, c copies")}
	if served {
		lines = append(lines, st.Warn.Render(indentWrap(servedCommands, width, 2)))
	}
	for i, c := range cmds {
		mark := "  "
		if i == sel {
			mark = st.Selected.Render("▶ ")
		}
		text, pasteable := commandText(c, width-4)
		head := st.Subtle.Render(fmt.Sprintf("%d/%d %s", i+1, len(cmds), c.Tool))
		if c.Note != "" {
			head += st.CodeNote.Render(" — " + c.Note)
		}
		if !pasteable {
			head += st.Subtle.Render(" (too wide to paste as shown: c copies it whole)")
		}
		if c.Reference != "" {
			head += st.Warn.Render(" (" + c.Reference + ")")
		}
		lines = append(lines, mark+indentWrap(head, width-2, 2))
		lines = append(lines, "  "+st.Code.Render(strings.ReplaceAll(text, "\n", "\n  ")))
	}
	return strings.Join(lines, "\n")
}

// servedCommands is the line under "By hand" on a workshop's screens.
const servedCommands = "These run on the workshop's server (its files and ports), not on your machine."

// commandBlock is renderCommands kept while what it shows stays the same:
// laying commands out (quoted, wrapped to paste as shown, styled) is the
// costliest part of a frame, and the live screen draws several a second.
type commandBlock struct {
	st         *Styles
	cmds       []steps.Command
	sel, width int
	served     bool
	out        string
	laid       bool
}

func (b *commandBlock) render(st *Styles, cmds []steps.Command, sel, width int, served bool) string {
	if !b.laid || b.st != st || b.sel != sel || b.width != width || b.served != served || !slices.Equal(b.cmds, cmds) {
		b.st, b.cmds, b.sel, b.width, b.served = st, cmds, sel, width, served
		b.out, b.laid = renderCommands(st, cmds, sel, width, served), true
	}
	return b.out
}

// commandText is a command laid out to be read whole and, for a shell, to paste as shown
// (pasteable says whether it still does). Workbench fields are not a shell command.
func commandText(c steps.Command, width int) (text string, pasteable bool) {
	if c.Tool == "workbench" {
		return textwrap.Spaces(c.Text, width), true
	}
	return shell.Wrap(c.Text, width)
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
		if strings.HasPrefix(admin, "rds!") {
			admin += " (RDS rotates it)"
		} else if admin != "" {
			admin += " (yours; not rotated)"
		}
		fn = "local rotator (this app, through the tunnel)"
		if env.RotationLambdaARN != "" {
			fn = lastPart(env.RotationLambdaARN, ":") + " (inside the network)"
		}
	}
	if width >= 110 {
		boxW := (width - 16) / 3
		box := func(title, detail string) string {
			return st.Diagram.Box.Width(boxW).Render(st.Section.Render(title) + "\n" + textwrap.Words(detail, boxW-4))
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
	return wrapLines(lines, width)
}

// renderPrerequisites lists what the tutorial stands on: each piece, why rotation needs it,
// and what stands in for it here; a secret of the learner's (the older tutorial's master
// password) masked until revealed.
func renderPrerequisites(st *Styles, flavour string, ps []steps.Prerequisite, reveal bool, width int) string {
	if len(ps) == 0 {
		return ""
	}
	title := "Before step 1, the tutorial builds"
	if flavour == steps.FlavourClassic {
		title = "The older tutorial starts from"
	}
	lines := []string{st.Section.Render(title) + st.Subtle.Render(" — and what stands in for each here")}
	label := func(s string) string { return st.Label.Render(fmt.Sprintf("%-5s", s)) }
	for i, p := range ps {
		lines = append(lines, st.Value.Render(indentWrap(fmt.Sprintf("%d %s", i+1, p.Name), width, 2)),
			"  "+label("why")+" "+st.Value.Render(indentWrap(p.Why, width-8, 8)))
		if p.StandIn != "" {
			here := p.StandIn
			switch {
			case p.Secret != "" && reveal:
				here += " " + p.Secret
			case p.Secret != "":
				here += " " + masked + "  (v reveals)"
			}
			lines = append(lines, "  "+label("here")+" "+st.Subtle.Render(indentWrap(here, width-8, 8)))
		}
	}
	return strings.Join(lines, "\n")
}

// wrapLines wraps each line to width, continuation lines indented.
func wrapLines(lines []string, width int) string {
	for i, l := range lines {
		var words []textwrap.Word
		for _, t := range strings.Split(l, " ") {
			words = append(words, textwrap.Word{Text: t, Start: "    "})
		}
		lines[i], _ = textwrap.Lay(words, width)
	}
	return strings.Join(lines, "\n")
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

// renderChecks is the troubleshooting list: every detail and fix whole,
// wrapped under the check's name.
func renderChecks(st *Styles, checks []doctor.Check, width int) string {
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
		took := roundDur(c.Took)
		if c.Skipped {
			took = ""
		}
		b.WriteString(mark + " " + style.Render(fmt.Sprintf("%-9s %-24s %7s", c.Hop, c.Name, took)))
		b.WriteString("\n    " + style.Render(indentWrap(c.Detail, width-4, 4)))
		if !c.OK && !c.Skipped && c.Fix != "" {
			b.WriteString("\n    " + st.Problem.Fix.Render(indentWrap("fix: "+c.Fix, width-4, 4)))
		}
	}
	return b.String()
}

// renderUnfinished says that a rotation was left unfinished, and the two
// ways out of it.
func renderUnfinished(st *Styles, u *rotation.Unfinished, busy bool, spin string, width int) string {
	var title, text string
	if u.Stale {
		title = "AWSPENDING was left behind"
		text = fmt.Sprintf("AWSPENDING is on version %s, which is older than AWSCURRENT (%s): a new value was stored after "+
			"a rotation, and the label stayed behind. Nothing failed, but Secrets Manager refuses a new rotation until "+
			"the label is off. x takes it off (finishing would bring the older value back).", shortID(u.Pending), shortID(u.Current))
	} else {
		title = "A rotation is under way, or was left unfinished"
		state := "createSecret has not stored its value yet"
		if u.HasValue {
			state = "createSecret stored its value; a later step did not finish"
		}
		text = fmt.Sprintf("AWSPENDING is on version %s, AWSCURRENT on %s: %s. Secrets Manager refuses a new rotation "+
			"until this one ends. f finishes it (its remaining steps, with the same token; each skips what is done); "+
			"x cancels it (takes AWSPENDING off). The commands below do the same by hand.", shortID(u.Pending), shortID(u.Current), state)
	}
	out := st.Warn.Render(markChanged+" "+title) + "\n" + indentWrap(text, width-2, 2)
	if busy {
		out += "\n" + spin + " working on it…"
	}
	return out
}
