package tui

import (
	"fmt"
	"slices"
	"strings"

	"charm.land/lipgloss/v2"

	"rotation-tutor/rotation"
	"rotation-tutor/rotation/probe"
	"rotation-tutor/steps"
)

// stageStyle colours a staging label.
func stageStyle(st *Styles, stage string) string {
	switch stage {
	case rotation.StageCurrent:
		return st.Stage.Current.Render(stage)
	case rotation.StagePending:
		return st.Stage.Pending.Render(stage)
	case rotation.StagePrevious:
		return st.Stage.Previous.Render(stage)
	}
	return st.Subtle.Render(stage)
}

func shortID(id string) string {
	if len(id) > 8 {
		return id[:8]
	}
	return id
}

// renderVersions lists the secret's labelled versions: id, user, stages.
func renderVersions(st *Styles, vs []steps.VersionView, width int) string {
	lines := []string{st.Section.Render("VERSIONS")}
	if len(vs) == 0 {
		lines = append(lines, st.Subtle.Render("  none yet"))
	}
	for _, v := range vs {
		user := v.Username
		if user == "" {
			user = "(no value yet)"
		}
		var stages []string
		for _, s := range v.Stages {
			stages = append(stages, stageStyle(st, s))
		}
		lines = append(lines, truncate(fmt.Sprintf("  %s  %-14s %s", shortID(v.ID), user, strings.Join(stages, " ")), width))
	}
	return strings.Join(lines, "\n")
}

// renderUsers shows both database users and which one is current.
func renderUsers(st *Styles, us []steps.UserView, width int) string {
	lines := []string{st.Section.Render("DATABASE USERS")}
	for _, u := range us {
		exists := st.Subtle.Render("not created")
		if u.Exists {
			exists = "exists"
		}
		mark := "  "
		stage := ""
		if u.Stage != "" {
			stage = stageStyle(st, u.Stage)
		}
		if u.Stage == rotation.StageCurrent {
			mark = st.Stage.Current.Render("▶ ")
		}
		lines = append(lines, truncate(fmt.Sprintf("%s%-14s %-11s %s", mark, u.Name, exists, stage), width))
	}
	return strings.Join(lines, "\n")
}

// renderTimeline shows the last rotation's four steps and their durations.
func renderTimeline(st *Styles, marks []steps.StepMark, width int) string {
	head := st.Section.Render("LAST ROTATION")
	if len(marks) > 0 {
		head += st.Subtle.Render(" version " + shortID(marks[0].Token))
		if marks[0].Inferred {
			head += st.Subtle.Render(" (inferred from DescribeSecret)")
		}
	}
	var cells []string
	for _, name := range rotation.Steps {
		i := slices.IndexFunc(marks, func(m steps.StepMark) bool { return m.Step == name })
		switch {
		case i < 0:
			cells = append(cells, st.Subtle.Render(markTodo+" "+name))
		case !marks[i].Done:
			cells = append(cells, st.Stage.Pending.Render(markPending+" "+name))
		case marks[i].Err != "":
			cells = append(cells, st.Fail.Render(markFail+" "+name))
		default:
			cells = append(cells, st.OK.Render(markOK)+" "+name+" "+st.Subtle.Render(roundDur(marks[i].Took)))
		}
	}
	sep := st.Subtle.Render(" → ")
	line := "  " + strings.Join(cells, sep)
	if lipgloss.Width(line) > width {
		// Two steps a line when the four do not fit on one.
		line = "  " + strings.Join(cells[:2], sep) + sep + "\n  " + strings.Join(cells[2:], sep)
	}
	out := head + "\n" + line
	for _, m := range marks {
		if m.Err != "" {
			out += "\n  " + st.Fail.Render(indentWrap(m.Step+": "+m.Err, width-2, 4))
		}
	}
	return out
}

// sparkline draws values as bars, the newest on the right, in width cells.
func sparkline(values []int, width int) string {
	bars := []rune("▁▂▃▄▅▆▇█")
	if width <= 0 {
		return ""
	}
	if len(values) > width {
		values = values[len(values)-width:]
	}
	top := 0
	for _, v := range values {
		top = max(top, v)
	}
	var b strings.Builder
	for _, v := range values {
		if top == 0 || v <= 0 {
			b.WriteRune(' ')
			continue
		}
		i := v * (len(bars) - 1) / top
		b.WriteRune(bars[i])
	}
	return b.String()
}

// renderClients shows the probe: counters and the clients' cache policy, a
// sparkline of logins (and one of failures when there are any), and one mark
// per client, grouped by the user it logs in as: ● fresh, ◐ stale (amber: it
// holds a secret older than the last rotation), ✗ down.
func renderClients(st *Styles, l steps.Live, logins, failures []int, width int) string {
	head := st.Section.Render("CLIENTS")
	snap := l.Probe
	if snap == nil {
		return head + "\n" + st.Subtle.Render("  starting the simulated clients…")
	}
	failed := fmt.Sprintf("failed %d", snap.Failed)
	if snap.Failed > 0 {
		failed = st.Fail.Render(failed)
	} else {
		failed = st.OK.Render(failed)
	}
	stale := fmt.Sprintf("stale %d", snap.Stale)
	if snap.Stale > 0 {
		stale = st.Warn.Render(stale)
	}
	head += fmt.Sprintf(" %d  logins %d  ", len(snap.Clients), snap.Logins) + failed + "  " + stale +
		fmt.Sprintf("  unavailable %s", roundDur(snap.Unavailable)) + st.Label.Render("  cache ") + l.Policy.Name
	marks := clientMarks(st, snap, currentUser(l))
	sw := max(width-lipgloss.Width(marks)-14, 8)
	line := "  " + marks + "  logins " + st.Stage.Current.Render(sparkline(logins, sw))
	out := truncate(head, width) + "\n" + truncate(line, width)
	if snap.Failed > 0 {
		out += "\n" + truncate("  "+strings.Repeat(" ", lipgloss.Width(marks))+"  failed "+st.Fail.Render(sparkline(failures, sw)), width)
	}
	return out
}

// renderAlternation shows the usernames the rotations went through.
func renderAlternation(st *Styles, rs []steps.Rotation, width int) string {
	head := st.Section.Render("USERNAME")
	if len(rs) == 0 {
		return head + st.Subtle.Render("  no rotation yet: press r")
	}
	names := []string{rs[0].From}
	for _, r := range rs {
		names = append(names, r.To)
	}
	// Keep the newest that fit.
	for len(names) > 2 && len("  "+strings.Join(names, " → "))+10 > width {
		names = names[1:]
	}
	styled := make([]string, len(names))
	for i, n := range names {
		styled[i] = n
		if i == len(names)-1 {
			styled[i] = st.Stage.Current.Render(n)
		}
	}
	return truncate(head+"  "+strings.Join(styled, " → "), width)
}

func clientsOf(p *probe.Snapshot) []probe.ClientStats {
	if p == nil {
		return nil
	}
	return p.Clients
}

// renderClientTable is one row per simulated client: the user and version
// its cached secret holds, its counters, how many rotations it is behind,
// and what its last failure held.
func renderClientTable(st *Styles, snap *probe.Snapshot, width int) string {
	lines := []string{st.Section.Render("EACH CLIENT") + st.Subtle.Render("  user and version it holds · logins · failed · rotations behind")}
	for _, c := range clientsOf(snap) {
		row := fmt.Sprintf("  %s %2d  %-14s %-8s %6d %6d %3d", clientMark(st, c), c.ID, c.User, shortID(c.Version), c.Logins, c.Failed, c.Behind)
		if c.Failed > 0 && c.FailedWith != "" {
			row += st.Subtle.Render(fmt.Sprintf("  last failed holding %s, %d behind", shortID(c.FailedWith), c.FailedBehind))
		}
		if c.Down && c.LastErr != "" {
			row += "  " + st.Fail.Render(c.LastErr)
		}
		lines = append(lines, truncate(row, width))
	}
	return strings.Join(lines, "\n")
}

// renderHistory lists this run's rotations, newest last: when (on the
// world's clock), the users, and who started it.
func renderHistory(st *Styles, rs []steps.Rotation, width int) string {
	lines := []string{st.Section.Render("ROTATIONS THIS RUN")}
	if len(rs) == 0 {
		lines = append(lines, st.Subtle.Render("  none yet"))
	}
	for _, r := range rs {
		by := string(r.Strategy)
		if r.Elsewhere {
			by = "the schedule, or a RotateSecret not from here"
		}
		at := ""
		if !r.At.IsZero() {
			at = r.At.UTC().Format("01-02 15:04:05")
		}
		lines = append(lines, truncate(fmt.Sprintf("  %s  %-14s  %-14s → %-14s %8s  %s", shortID(r.Version), at, r.From, r.To, roundDur(r.Took), by), width))
	}
	return strings.Join(lines, "\n")
}
