package tui

import (
	"context"
	"regexp"
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"

	"rotation-tutor/doctor"
	"rotation-tutor/internal/testworld"
	"rotation-tutor/rotation"
	"rotation-tutor/steps"
)

// round is one start of the walkthrough on a state that persists between rounds.
func round(t *testing.T, w *testworld.World, state string) (*model, *steps.Session, context.CancelFunc) {
	t.Helper()
	s, err := steps.NewSession(w, steps.Options{StateDir: state}, false)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	c := &Common{Ctx: ctx, Styles: NewStyles(true), Keys: DefaultKeyMap(), Session: s, FlashFor: time.Millisecond}
	m := newModel(c, false, "sandbox")
	m.update(tea.WindowSizeMsg{Width: 80, Height: 24})
	settle(t, m, m.Init())
	return m, s, cancel
}

// Twenty times: r, then q at once while the rotation is held at its last call (finishSecret
// moving AWSCURRENT), then start again. Quit waits for the rotation and says so; in odd
// rounds a second q leaves at once and the rotation is left unfinished, as a process that
// ends would leave it. Each start finds what the last one left: an unfinished rotation is
// shown with both ways out, and finished (or cancelled) with f (or x). At the end r works
// and the doctor passes. Nothing here waits on time: the hold decides where the rotation is.
func TestQuitMidRotationTwentyTimes(t *testing.T) {
	w := testworld.New(t)
	w.UseLocalRotator()
	state := t.TempDir()

	m, s, cancel := round(t, w, state)
	for _, step := range walkToTheLiveScreen {
		if step.result != "" {
			if !step.shown {
				press(t, m, "enter")
			}
			requireContains(t, m, step.result)
		}
		press(t, m, "enter")
		requireContains(t, m, step.next)
	}
	for i := range 20 {
		look(t, m)
		if v := view(m); strings.Contains(v, "left unfinished") {
			if i%4 == 1 {
				press(t, m, "x")
			} else {
				press(t, m, "f")
			}
			look(t, m)
			if v := view(m); strings.Contains(v, "left unfinished") || rotationFailed(v) {
				t.Fatalf("round %d: the unfinished rotation is still there:\n%s", i, v)
			}
		} else if i > 0 && i%2 == 0 {
			t.Fatalf("round %d: the rotation left unfinished by the last round is not shown:\n%s", i, v)
		}

		reached, release := w.HoldCall("UpdateSecretVersionStage")
		rotating := make(chan []tea.Msg, 1)
		cmd := m.update(keyPress("r"))
		go func() { rotating <- runAllNoT([]tea.Cmd{cmd}) }()
		<-reached
		m.update(keyPress("q"))
		if !m.quitting || !strings.Contains(view(m), "finishing the rotation before quitting") {
			t.Fatalf("round %d: q during a rotation did not wait for it:\n%s", i, view(m))
		}
		if i%2 == 0 {
			release()
			for _, msg := range <-rotating {
				m.Update(msg)
			}
			if m.busy() {
				t.Fatalf("round %d: still busy after the rotation ended", i)
			}
		} else {
			if cmd := m.update(keyPress("q")); cmd == nil {
				t.Fatalf("round %d: a second q did not quit", i)
			}
			cancel() // what Run does when the program ends: calls in flight fail
			<-rotating
			release()
		}
		cancel()
		if err := s.Close(); err != nil {
			t.Fatalf("round %d: close: %v", i, err)
		}
		m, s, cancel = round(t, w, state)
		if p := s.Progress(); p.Current != steps.Watch {
			t.Fatalf("round %d: resumed at %s", i, p.Current)
		}
		settle(t, m, m.go_(steps.Index(steps.Watch)))
	}
	look(t, m)
	if strings.Contains(view(m), "left unfinished") {
		press(t, m, "f")
	}
	press(t, m, "r")
	look(t, m)
	requireContains(t, m, "USERNAME", "✓ finishSecret")
	if v := view(m); rotationFailed(v) {
		t.Fatalf("the last rotation failed:\n%s", v)
	}
	env := s.Env()
	rep := doctor.Run(context.Background(), steps.DoctorTarget(env, rotation.AlternatingUsers), nil)
	if !rep.OK {
		t.Fatalf("the doctor failed after 20 rounds: %+v", rep.Failed())
	}
	cancel()
	s.Close()
}

// failedMark is ✗ before words: a rotation step that failed ("✗ finishSecret") or a problem
// box. A simulated client that is down is a ✗ among the clients' marks, followed by another
// mark or by spaces: with rotations cut short twenty times, clients holding the previous
// version may be down for a moment, which is what alternating users does and no failure here;
// so is the clients' rule failing ("rule ✗ cache …") when rotations come faster than they refresh.
var failedMark = regexp.MustCompile(`✗ \pL`)

func rotationFailed(view string) bool {
	return failedMark.MatchString(strings.ReplaceAll(view, "rule "+markFail, ""))
}
