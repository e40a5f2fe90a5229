package tui

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"rotation-tutor/rotation"
	"rotation-tutor/rotation/probe"
	"rotation-tutor/steps"
)

// clockLayout is how the live screen writes the world's time.
const clockLayout = "01-02 15:04:05 UTC"

// failNoteFor is how long the explanation of a burst of failed logins stays
// after the last new failure: long enough to read.
const failNoteFor = 15 * time.Second

// slowMotions are the paces m goes through; the first is off.
var slowMotions = []rotation.PaceMode{{}, {Hold: 2 * time.Second}, {Hold: 5 * time.Second}, {ByKey: true}}

func nextSlowMotion(now rotation.PaceMode) rotation.PaceMode {
	i := slices.Index(slowMotions, now)
	return slowMotions[(i+1)%len(slowMotions)]
}

// describePace says how fast rotations go.
func describePace(p rotation.PaceMode) string {
	switch {
	case p.ByKey:
		return "step by step: space runs each step"
	case p.Hold > 0:
		return "a step every " + humanDur(p.Hold) + " (real time)"
	}
	return "off"
}

func nextPolicy(now probe.Policy) probe.Policy {
	i := slices.Index(probe.Policies, now)
	return probe.Policies[(i+1)%len(probe.Policies)]
}

// describePolicy says when a client reads the secret again.
func describePolicy(p probe.Policy) string {
	switch {
	case p.EveryLogin:
		return "before every login"
	case p.TTL == probe.AgentTTL.TTL:
		return "when their copy is 300 s old, the Secrets Manager Agent's default TTL"
	case p.TTL == probe.LibraryTTL.TTL:
		return "when their copy is an hour old, the AWS caching libraries' default TTL"
	case p.TTL > 0:
		return "when their copy is " + humanDur(p.TTL) + " old"
	}
	return "only after a login with their copy fails, as JDBC wrappers do"
}

// humanDur writes a span of the world's time: 2d3h, 4h12m, 5m, 7m05s, 0.4s.
func humanDur(d time.Duration) string {
	two := func(big, small int64, bu, su string) string {
		if small == 0 {
			return fmt.Sprintf("%d%s", big, bu)
		}
		return fmt.Sprintf("%d%s%d%s", big, bu, small, su)
	}
	switch {
	case d >= 24*time.Hour:
		return two(int64(d/(24*time.Hour)), int64(d%(24*time.Hour)/time.Hour), "d", "h")
	case d >= time.Hour:
		return two(int64(d/time.Hour), int64(d%time.Hour/time.Minute), "h", "m")
	case d >= time.Minute:
		return two(int64(d/time.Minute), int64(d%time.Minute/time.Second), "m", "s")
	case d >= time.Second:
		return strconv.FormatFloat(d.Round(100*time.Millisecond).Seconds(), 'f', -1, 64) + "s"
	}
	return roundDur(d)
}

// renderClock is the world's time: the clock (and how fast it runs, when it
// is the sandbox's), and when the schedule rotates next.
func renderClock(st *Styles, l steps.Live, width int) string {
	line := st.Label.Render("clock ") + l.At.UTC().Format(clockLayout)
	if l.TimeScale > 1 {
		line += st.Warn.Render(" ×" + strconv.FormatFloat(l.TimeScale, 'f', -1, 64))
	}
	if !l.Next.IsZero() && l.Enabled {
		in := l.Next.Sub(l.At)
		when := "due now"
		if in > 0 {
			when = "in " + humanDur(in)
			if l.TimeScale > 1 {
				when += ", " + humanDur(time.Duration(float64(in)/l.TimeScale)) + " real"
			}
		}
		line += st.Label.Render("  next ") + l.Next.UTC().Format("01-02 15:04") + st.Subtle.Render(" ("+when+")")
	}
	return truncate(line, width)
}

// renderSlowTimeline is the rotation step by step, each step with what it
// did, the one held and what it will do: slow motion's view.
func renderSlowTimeline(st *Styles, marks []steps.StepMark, held *rotation.Held, pace rotation.PaceMode, width int) string {
	token := ""
	if len(marks) > 0 {
		token = marks[0].Token
	}
	if held != nil && held.Token != token {
		token, marks = held.Token, nil // a new rotation is starting: its steps are still to come
	}
	head := st.Section.Render("ROTATION")
	if token != "" {
		head += st.Subtle.Render(" version " + shortID(token))
	}
	head += st.Warn.Render("  slow motion: " + describePace(pace))
	lines := []string{truncate(head, width)}
	for _, name := range rotation.Steps {
		i := slices.IndexFunc(marks, func(m steps.StepMark) bool { return m.Step == name })
		var row string
		switch {
		case held != nil && held.Step == name:
			wait := "space runs it"
			if !held.Until.IsZero() {
				wait = "runs in " + roundDur(time.Until(held.Until).Round(100*time.Millisecond))
			}
			row = st.Warn.Render(markHeld+" "+fmt.Sprintf("%-14s", name)) + stepWill(name) + st.Subtle.Render("  ("+wait+")")
		case i < 0:
			row = st.Subtle.Render(markTodo + " " + fmt.Sprintf("%-14s", name) + stepWill(name))
		case !marks[i].Done:
			row = st.Stage.Pending.Render(markPending+" "+fmt.Sprintf("%-14s", name)) + "running: " + stepWill(name)
		case marks[i].Err != "":
			row = st.Fail.Render(markFail+" "+fmt.Sprintf("%-14s", name)) + st.Fail.Render(marks[i].Err)
		default:
			did := marks[i].Summary
			if did == "" {
				did = marks[i].Detail
			}
			row = st.OK.Render(markOK) + " " + fmt.Sprintf("%-14s", name) + did + st.Subtle.Render(" "+roundDur(marks[i].Took))
		}
		lines = append(lines, "  "+hang(row, width-2, 17))
	}
	return strings.Join(lines, "\n")
}

// stepWill says what a step is about to do.
func stepWill(step string) string {
	switch step {
	case rotation.StepCreate:
		return "store a new version, AWSPENDING: the other user, a new password"
	case rotation.StepSet:
		return "give that user the new password in the database"
	case rotation.StepTest:
		return "log in with the AWSPENDING version"
	case rotation.StepFinish:
		return "move AWSCURRENT onto it, AWSPREVIOUS onto the old one"
	}
	return ""
}

// clientMarks draws the clients grouped by the user their cached secret
// names, the current user first: who logs in as whom, now.
func clientMarks(st *Styles, snap *probe.Snapshot, current string) string {
	var users []string
	for _, c := range snap.Clients {
		if c.User != "" && !slices.Contains(users, c.User) {
			users = append(users, c.User)
		}
	}
	slices.SortStableFunc(users, func(a, b string) int {
		switch {
		case a == current:
			return -1
		case b == current:
			return 1
		}
		return strings.Compare(a, b)
	})
	var parts []string
	for _, u := range users {
		var b strings.Builder
		for _, c := range snap.Clients {
			if c.User == u {
				b.WriteString(clientMark(st, c))
			}
		}
		parts = append(parts, st.Subtle.Render(u)+" "+b.String())
	}
	if len(parts) == 0 {
		var b strings.Builder
		for _, c := range snap.Clients {
			b.WriteString(clientMark(st, c))
		}
		return b.String()
	}
	return strings.Join(parts, "  ")
}

func clientMark(st *Styles, c probe.ClientStats) string {
	switch {
	case c.Down:
		return st.Fail.Render(markFail)
	case c.Stale():
		return st.Warn.Render(markStale)
	}
	return st.OK.Render(markFresh)
}

// currentUser is the user of the AWSCURRENT version.
func currentUser(l steps.Live) string {
	for _, v := range l.Versions {
		if slices.Contains(v.Stages, rotation.StageCurrent) {
			return v.Username
		}
	}
	return ""
}

// rotationGap is the time between the last two rotations, as seen here, or
// else the schedule's, from the last rotation to the next.
func rotationGap(l steps.Live) (time.Duration, bool) {
	if n := len(l.Rotations); n >= 2 && !l.Rotations[n-1].At.IsZero() && !l.Rotations[n-2].At.IsZero() {
		return l.Rotations[n-1].At.Sub(l.Rotations[n-2].At), true
	}
	if l.Enabled && !l.Next.IsZero() && !l.LastRotated.IsZero() {
		return l.Next.Sub(l.LastRotated), true
	}
	return 0, false
}

// renderRule is the one condition under which alternating users fails no
// login, held against the clients' cache and the rotations' pace.
func renderRule(st *Styles, l steps.Live, strategy rotation.Strategy, width int) string {
	pol := l.Policy
	life := "no cache"
	switch lt := pol.Lifetime(); {
	case lt < 0:
		life = "cache kept until a login fails"
	case lt > 0:
		life = "cache " + humanDur(lt)
	}
	if strategy == rotation.SingleUser {
		return truncate(st.Label.Render("rule ")+st.Warn.Render("single user: ")+
			"a client still holding the old password fails until it reads again ("+life+")", width)
	}
	if pol.EveryLogin {
		return truncate(st.Label.Render("rule ")+st.OK.Render(markOK+" ")+"every login reads the secret: no client can miss a rotation", width)
	}
	gap, ok := rotationGap(l)
	if !ok {
		return truncate(st.Label.Render("rule ")+"refresh at least once between two rotations ("+life+")", width)
	}
	if pol.Outlives(gap) {
		return truncate(st.Label.Render("rule ")+st.Fail.Render(markFail+" ")+life+" > "+humanDur(gap)+
			" between rotations: a client can miss one and fail", width)
	}
	return truncate(st.Label.Render("rule ")+st.OK.Render(markOK+" ")+life+" < "+humanDur(gap)+
		" between rotations: all refresh in between", width)
}

// failureNote is why a burst of logins failed, as seen when it happened.
type failureNote struct {
	failed  int
	groups  []failGroup // the failed clients, by the version they held
	others  int         // clients that did not fail
	single  bool
	gap     time.Duration
	gapOK   bool
	policy  probe.Policy
	lastErr string
}

type failGroup struct {
	version, user string
	behind        int
	clients       []int
}

// explainFailures reads the clients that failed since the rotation before
// last: which version each held, and how far behind it was.
func explainFailures(l steps.Live, strategy rotation.Strategy) *failureNote {
	if l.Probe == nil {
		return nil
	}
	var since time.Time
	if n := len(l.Rotations); n >= 2 {
		since = l.Rotations[n-2].At
	}
	note := &failureNote{single: strategy == rotation.SingleUser, policy: l.Policy}
	note.gap, note.gapOK = rotationGap(l)
	for _, c := range l.Probe.Clients {
		if c.Failed == 0 || c.FailedAt.Before(since) {
			note.others++
			continue
		}
		note.failed++
		if c.LastErr != "" {
			note.lastErr = c.LastErr
		}
		i := slices.IndexFunc(note.groups, func(g failGroup) bool { return g.version == c.FailedWith })
		if i < 0 {
			behind := max(c.FailedBehind, rotationsAfter(l.Rotations, c.FailedWith))
			note.groups = append(note.groups, failGroup{version: c.FailedWith, user: c.FailedUser, behind: behind})
			i = len(note.groups) - 1
		}
		note.groups[i].clients = append(note.groups[i].clients, c.ID)
	}
	if note.failed == 0 {
		return nil
	}
	return note
}

// rotationsAfter counts the rotations seen to finish after the one that made
// version, 0 when none here made it. A client fails the moment setSecret
// changes its user's password, before that rotation finishes: the count it
// recorded then leaves out the rotation that failed it.
func rotationsAfter(rs []steps.Rotation, version string) int {
	i := slices.IndexFunc(rs, func(r steps.Rotation) bool { return r.Version == version })
	if version == "" || i < 0 {
		return 0
	}
	return len(rs) - 1 - i
}

// renderFailNote says, where it happens, why clients failed and what rule
// would have kept them up.
func renderFailNote(st *Styles, n *failureNote, width int) string {
	behind := 0
	for _, g := range n.groups {
		behind = max(behind, g.behind)
	}
	var why string
	switch {
	case n.single:
		why = fmt.Sprintf("%d clients failed: a single-user rotation changed their user's own password, and they still held the old one. "+
			"Each reads the secret again after a failure. Alternating users avoids this.", n.failed)
	case behind >= 2:
		why = fmt.Sprintf("%d clients failed: they still held a password two rotations old, which the last rotation changed. ", n.failed)
		if n.gapOK {
			why += "Rotations came " + humanDur(n.gap) + " apart, "
		} else {
			why += "Rotations came "
		}
		why += "faster than these clients refresh: they read the secret " + describePolicy(n.policy) + ". " +
			"Rule: every client reads the secret at least once between two rotations."
	default:
		why = fmt.Sprintf("%d clients failed: %s", n.failed, n.lastErr)
	}
	lines := []string{st.Fail.Render(hang(markFail+" "+why, width, 2))}
	var held []string
	for _, g := range n.groups {
		ids := make([]string, len(g.clients))
		for i, id := range g.clients {
			ids[i] = strconv.Itoa(id)
		}
		who := g.user
		if g.behind > 0 {
			who += fmt.Sprintf(", %d behind", g.behind)
		}
		held = append(held, fmt.Sprintf("clients %s held %s (%s)", strings.Join(ids, " "), shortID(g.version), who))
	}
	if n.others > 0 {
		held = append(held, fmt.Sprintf("the other %d held a newer version", n.others))
	}
	lines = append(lines, st.Subtle.Render(hang("  "+strings.Join(held, "; "), width, 4)))
	return strings.Join(lines, "\n")
}

// renderLegend says what every mark and counter of the live screen means.
func renderLegend(st *Styles, width int) string {
	item := func(mark, text string) string { return hang("  "+mark+"  "+text, width, 6) }
	return strings.Join([]string{
		st.Section.Render("LEGEND") + st.Subtle.Render("  (l closes)"),
		item(st.OK.Render(markFresh), "a client holding the current secret: it logs in as the AWSCURRENT user"),
		item(st.Warn.Render(markStale), "stale: it holds the secret from before the last rotation. Its user is AWSPREVIOUS now, "+
			"whose password still works with alternating users, so it still logs in"),
		item(st.Fail.Render(markFail), "down: its last login failed; it reads the secret again before the next"),
		item(st.OK.Render(markOK)+" "+st.Stage.Pending.Render(markPending)+" "+st.Warn.Render(markHeld)+" "+markTodo,
			"a rotation step done, running, held by slow motion, not run yet"),
		item("logins · failed", "logins by all clients so far, and how many the database refused"),
		item("stale", "clients holding an older version than AWSCURRENT"),
		item("unavailable", "time clients spent unable to log in, on the clock shown"),
		item("clock", "the sandbox's time: dates, schedules and cache lifetimes run on it; ×N says how fast. "+
			"Logins are paced and steps take real time"),
		item(st.Stage.Pending.Render("AWSPENDING")+" on AWSCURRENT", "allowed: a rotation may end with AWSPENDING taken off or left on "+
			"the new current version (RotateSecret's documentation says so), and AWS's MySQL template leaves it. "+
			"Only AWSPENDING on another version means a rotation is unfinished"),
		item("rule", "alternating users fails no login while every client reads the secret at least once between two "+
			"rotations; a cache that outlives two rotations still holds the password the second one changed"),
	}, "\n")
}
