package tui

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"rotation-tutor/internal/testworld"
	"rotation-tutor/rotation"
	"rotation-tutor/rotation/probe"
	"rotation-tutor/sandbox/lambda/lambdatest"
	"rotation-tutor/steps"
)

// startAsync runs cmd's commands away from the test's goroutine (a rotation
// held by slow motion does not return until the test lets it go) and hands
// back their messages when they are done.
func startAsync(cmd tea.Cmd) <-chan []tea.Msg {
	done := make(chan []tea.Msg, 1)
	go func() { done <- runAllNoT([]tea.Cmd{cmd}) }()
	return done
}

// deliver feeds messages that came back from startAsync to the model.
func deliver(t *testing.T, m *model, msgs []tea.Msg) {
	t.Helper()
	for _, msg := range msgs {
		if msg != nil && !isTimer(msg) {
			settle(t, m, m.update(msg))
		}
	}
}

func liveOf(m *model) *liveScreen { return m.screens[steps.Index(steps.Watch)].(*liveScreen) }

// m goes through the slow-motion speeds, showing each; step by step, a
// rotation started with r waits before every step, the screen shows the step
// held and what it will do, each step done with what it did, and the clients
// by the user they log in as; space runs one step at a time.
func TestSlowMotionStepsARotation(t *testing.T) {
	w := testworld.New(t)
	m := newTestModel(t, w, 198, 57)
	toTheLiveScreen(t, m)
	look(t, m)
	for _, want := range []rotation.PaceMode{{Hold: 2 * time.Second}, {Hold: 5 * time.Second}, {ByKey: true}} {
		press(t, m, "m")
		if got := w.Pace.Mode(); got != want {
			t.Fatalf("m set %+v, want %+v", got, want)
		}
	}
	requireContains(t, m, "slow motion: step by step: space runs each step")
	if !slices.ContainsFunc(liveOf(m).ShortHelp(), func(b key.Binding) bool { return b.Help().Key == "space" }) {
		t.Fatal("the help bar does not name space, the step key")
	}

	rotated := startAsync(m.update(tea.KeyPressMsg{Code: 'r', Text: "r"}))
	done := map[string]string{
		rotation.StepCreate: "stored AWSPENDING for user appuser",
		rotation.StepSet:    "set the password of appuser",
		rotation.StepTest:   "appuser (AWSPENDING) logged in and ran SELECT NOW()",
	}
	for i, step := range rotation.Steps {
		lambdatest.WaitHeld(t, w.Pace, step)
		look(t, m)
		requireContains(t, m, markHeld+" "+step, "space runs it", stepWill(step), "CLIENTS 8")
		if i > 0 {
			prev := rotation.Steps[i-1]
			requireContains(t, m, markOK+" "+prev, done[prev])
		}
		// The clients go on meanwhile: each is shown under the user it logs in as.
		if v := view(m); !strings.Contains(v, "appuser_clone "+markFresh) && !strings.Contains(v, "appuser_clone "+markStale) {
			t.Fatalf("the clients are not shown by user:\n%s", v)
		}
		press(t, m, "space")
	}
	deliver(t, m, <-rotated)
	look(t, m)
	requireContains(t, m, markOK+" "+rotation.StepFinish, "moved AWSCURRENT onto this version", "AWSPENDING stays here",
		"USERNAME  appuser → appuser_clone → appuser")

	press(t, m, "m") // off again: the compact timeline comes back
	if !w.Pace.Mode().Off() {
		t.Fatalf("m after step by step: %+v", w.Pace.Mode())
	}
	look(t, m)
	requireContains(t, m, "LAST ROTATION")
}

// Quitting while slow motion holds a rotation between its steps ends slow motion, so the
// rotation finishes at once and nothing is left half done (held step by step, it would
// otherwise wait for a space that never comes, until the grace ran out).
func TestQuitDuringSlowMotionFinishesTheRotation(t *testing.T) {
	w := testworld.New(t)
	m := newTestModel(t, w, 80, 24)
	toTheLiveScreen(t, m)
	look(t, m)
	for range 3 { // step by step
		press(t, m, "m")
	}
	rotated := startAsync(m.update(tea.KeyPressMsg{Code: 'r', Text: "r"}))
	lambdatest.WaitHeld(t, w.Pace, rotation.StepCreate)
	press(t, m, "space")
	lambdatest.WaitHeld(t, w.Pace, rotation.StepSet)
	m.update(tea.KeyPressMsg{Code: 'q', Text: "q"})
	if !m.quitting || !w.Pace.Mode().Off() {
		t.Fatalf("q during a held rotation: quitting %v, slow motion %+v", m.quitting, w.Pace.Mode())
	}
	deliver(t, m, <-rotated)
	if m.busy() {
		t.Fatal("still busy once the rotation ended")
	}
	u, err := rotation.FindUnfinished(context.Background(), m.common.Session.Env().Secrets, m.common.Session.Env().SecretName)
	if err != nil || u != nil {
		t.Fatalf("after quitting, the rotation is left unfinished: %+v %v", u, err)
	}
}

// Presenter mode asks for slow motion, which the live screen applies on entry
// (TestSlowMotionOption).
func TestPresenterModeAsksForSlowMotion(t *testing.T) {
	s, err := steps.NewSession(testworld.New(t), steps.Options{StateDir: t.TempDir()}, false)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	for _, present := range []bool{false, true} {
		wt := NewWalkthrough(t.Context(), s, Options{Present: present})
		if wt.m.common.SlowMotion != present {
			t.Errorf("present %v: slow motion %v", present, wt.m.common.SlowMotion)
		}
	}
}

// The presenter's option starts the live screen in slow motion.
func TestSlowMotionOption(t *testing.T) {
	w := testworld.New(t)
	m := newTestModel(t, w, 80, 24)
	m.common.SlowMotion = true
	toTheLiveScreen(t, m)
	if got := w.Pace.Mode(); got != slowMotions[1] {
		t.Fatalf("slow motion %+v on entry, want %+v", got, slowMotions[1])
	}
}

// l shows what every mark and counter means, and why AWSPENDING may stay on
// the current version; p goes through the clients' caching policies.
func TestLegendAndPolicyKeys(t *testing.T) {
	m := newTestModel(t, testworld.New(t), 80, 24)
	toTheLiveScreen(t, m)
	look(t, m)
	press(t, m, "l")
	for _, want := range []string{"LEGEND", markFresh + "  a client holding the current secret", markStale + "  stale"} {
		requireContains(t, m, want)
	}
	body := ansiStripLines(liveOf(m).View())
	for _, want := range []string{"AWSPENDING on AWSCURRENT allowed", "RotateSecret's documentation says so", "rule alternating users fails no login"} {
		if !strings.Contains(body, want) {
			t.Fatalf("the legend lacks %q:\n%s", want, body)
		}
	}
	press(t, m, "l")
	if strings.Contains(view(m), "LEGEND") {
		t.Fatal("l did not close the legend")
	}

	// The clients start with the Secrets Manager Agent's cache, which a
	// 2-day schedule keeps under the rule; p goes through the others.
	requireContains(t, m, "cache "+steps.LivePolicy.Name, "rule "+markOK+" cache 5m < 1d")
	start := slices.Index(probe.Policies, steps.LivePolicy)
	for i := 1; i <= len(probe.Policies); i++ {
		want := probe.Policies[(start+i)%len(probe.Policies)]
		press(t, m, "p")
		look(t, m)
		requireContains(t, m, "cache "+want.Name)
	}
}

// ansiStripLines is a screen's body as plain text, its lines joined into one
// so that a phrase wrapped across lines still reads whole.
func ansiStripLines(s string) string {
	return strings.Join(strings.Fields(strings.ReplaceAll(ansi.Strip(s), "\n", " ")), " ")
}

// > moves the sandbox's clock to the secret's next scheduled rotation, and
// Secrets Manager starts it by itself: no RotateSecret from the screen. The
// screen records it as one it did not start, and the clock shows the new time.
func TestJumpLetsTheScheduleRotate(t *testing.T) {
	w := testworld.New(t)
	m := newTestModel(t, w, 198, 57)
	toTheLiveScreen(t, m)
	look(t, m)
	next := liveOf(m).live.Next
	if next.IsZero() {
		t.Fatal("no NextRotationDate after the configure step")
	}
	// Hold the rotation the schedule starts, to see it is under way.
	w.Pace.SetMode(rotation.PaceMode{ByKey: true})
	press(t, m, ">")
	requireContains(t, m, "the clock jumped to "+next.UTC().Format(clockLayout))
	lambdatest.WaitHeld(t, w.Pace, rotation.StepCreate)
	w.Pace.SetMode(rotation.PaceMode{})
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if err := w.LW.Service.WaitRotations(ctx); err != nil {
		t.Fatal(err)
	}
	look(t, m)
	rs := m.common.Session.Rotations()
	if last := rs[len(rs)-1]; !last.Elsewhere || last.From != "appuser_clone" || last.To != "appuser" || last.At.Before(next) {
		t.Fatalf("the scheduled rotation was recorded as %+v (jumped to %v)", last, next)
	}
	requireContains(t, m, "USERNAME  appuser → appuser_clone → appuser", "the schedule, or a RotateSecret not from here",
		"clock "+next.UTC().Format("01-02"))
}

// Failed logins under alternating users are explained as they show up: the
// version the failed clients held, how far behind, the pace of rotations
// against the clients' cache, and the rule.
func TestFailuresAreExplainedWhereTheyHappen(t *testing.T) {
	live, l, deliverLive := liveFixture(t)
	t0 := l.At
	deliverLive(l) // before: nothing failed
	if live.failNote != nil {
		t.Fatal("a note with nothing failed")
	}

	l.Rotations = append(l.Rotations, steps.Rotation{From: "appuser", To: "appuser_clone", At: t0.Add(-400 * time.Millisecond)},
		steps.Rotation{From: "appuser_clone", To: "appuser", At: t0})
	l.Probe = cloneSnapshot(l.Probe)
	for _, i := range []int{1, 4} {
		c := &l.Probe.Clients[i]
		c.Failed, c.FailedWith, c.FailedUser, c.FailedBehind, c.FailedAt, c.Down = 1, "b0ba0000aaaabbbb", "appuser_clone", 2, t0, true
	}
	l.Probe.Failed = 2
	deliverLive(l)
	body := ansiStripLines(live.View())
	for _, want := range []string{
		"2 clients failed: they still held a password two rotations old",
		"Rotations came 400ms apart, faster than these clients refresh",
		"300 s old, the Secrets Manager Agent's default TTL",
		"Rule: every client reads the secret at least once between two rotations",
		"clients 1 4 held b0ba0000 (appuser_clone, 2 behind)", "the other 6 held a newer version",
		"rule " + markFail + " cache 5m > 400ms between rotations",
	} {
		if !strings.Contains(body, want) {
			t.Fatalf("the screen lacks %q:\n%s", want, body)
		}
	}
}

// liveFixture is the live screen at 80×40 with the fixture's look (on a real-time
// clock), and a way to deliver the next look to it.
func liveFixture(t *testing.T) (*liveScreen, steps.Live, func(steps.Live)) {
	m := newTestModel(t, failingWorld(), 80, 40)
	m.go_(steps.Index(steps.Watch))
	live := liveOf(m)
	l := fixtureLive()
	l.TimeScale, l.Next = 1, time.Time{}
	return live, l, func(l steps.Live) {
		t.Helper()
		settle(t, m, m.update(liveMsg{gen: live.gen, live: l}))
	}
}

func cloneSnapshot(s *probe.Snapshot) *probe.Snapshot {
	c := *s
	c.Clients = append([]probe.ClientStats(nil), s.Clients...)
	return &c
}

// A client fails the moment setSecret changes its user's password, before
// that rotation finishes: at first it is one rotation behind; once the
// rotation is seen to finish, the note counts it, two behind.
func TestFailureNoteCountsTheRotationThatFailedThem(t *testing.T) {
	live, l, deliverLive := liveFixture(t)
	t0 := l.At
	deliverLive(l)

	held := "c1c10000aaaabbbb" // made current by the first rotation here
	l.Rotations = []steps.Rotation{
		{From: "appuser", To: "appuser_clone", Version: held, At: t0.Add(-time.Second)},
		{From: "appuser_clone", To: "appuser", Version: "c2c20000aaaabbbb", At: t0.Add(-500 * time.Millisecond)},
	}
	l.Probe = cloneSnapshot(l.Probe)
	for _, i := range []int{2, 3} {
		c := &l.Probe.Clients[i]
		c.Failed, c.FailedWith, c.FailedUser, c.FailedBehind, c.FailedAt, c.Down = 1, held, "appuser_clone", 1, t0, true
	}
	l.Probe.Failed = 2
	deliverLive(l) // the third rotation is still running
	if body := ansiStripLines(live.View()); !strings.Contains(body, "clients 2 3 held c1c10000 (appuser_clone, 1 behind)") {
		t.Fatalf("while the rotation runs, the note should count one rotation:\n%s", body)
	}

	l.Rotations = append(slices.Clone(l.Rotations), steps.Rotation{From: "appuser", To: "appuser_clone", Version: "c3c30000aaaabbbb", At: t0.Add(10 * time.Millisecond)})
	deliverLive(l)
	body := ansiStripLines(live.View())
	for _, want := range []string{"2 clients failed: they still held a password two rotations old", "clients 2 3 held c1c10000 (appuser_clone, 2 behind)"} {
		if !strings.Contains(body, want) {
			t.Fatalf("the screen lacks %q:\n%s", want, body)
		}
	}
}
