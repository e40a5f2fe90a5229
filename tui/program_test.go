package tui

import (
	"bytes"
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/colorprofile"
	"github.com/charmbracelet/x/ansi"
	"github.com/charmbracelet/x/exp/teatest/v2"

	"rotation-tutor/internal/testworld"
	"rotation-tutor/rotation"
	"rotation-tutor/steps"
)

// latest keeps the last value another goroutine set, with when it was set,
// and wakes whoever waits for a new one: the last frame a running program
// drew (reading the model itself would race with the program's goroutine),
// or the last time it wrote to its terminal.
type latest[T any] struct {
	mu      sync.Mutex
	v       T
	at      time.Time
	changed chan struct{} // closed and replaced on every set
}

func newLatest[T any]() *latest[T] { return &latest[T]{changed: make(chan struct{})} }

func (l *latest[T]) set(v T) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.v, l.at = v, time.Now()
	close(l.changed)
	l.changed = make(chan struct{})
}

// waitForFunc blocks until the value and its time satisfy ok, and returns
// them; after 20 s it fails the test, naming what it waited for.
func (l *latest[T]) waitForFunc(tb testing.TB, ok func(T, time.Time) bool, what any) (T, time.Time) {
	tb.Helper()
	timeout := time.NewTimer(20 * time.Second)
	defer timeout.Stop()
	for {
		l.mu.Lock()
		v, at, changed := l.v, l.at, l.changed
		l.mu.Unlock()
		if ok(v, at) {
			return v, at
		}
		select {
		case <-changed:
		case <-timeout.C:
			tb.Fatalf("never saw %v; the last value:\n%v", what, v)
		}
	}
}

// frames is the last frame drawn, as plain text.
type frames struct{ *latest[string] }

// waitFor blocks until a frame contains every string in want, and returns it.
func (f frames) waitFor(tb testing.TB, want ...string) string {
	tb.Helper()
	frame, _ := f.waitForFunc(tb, func(s string, _ time.Time) bool { return containsAll(s, want) }, want)
	return frame
}

func containsAll(s string, want []string) bool {
	for _, w := range want {
		if !strings.Contains(s, w) {
			return false
		}
	}
	return true
}

// observed is the root model with every frame it renders recorded.
type observed struct {
	*model
	frames frames
}

func (o observed) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	_, cmd := o.model.Update(msg)
	return o, cmd
}

func (o observed) View() tea.View {
	v := o.model.View()
	o.frames.set(ansi.Strip(v.Content))
	return v
}

// newProgramModel is the root on a fresh session over the real sandbox,
// ready to hand to a tea.Program. The session closes when the test ends.
func newProgramModel(tb testing.TB, w *testworld.World) (observed, *steps.Session, context.CancelFunc) {
	tb.Helper()
	s, err := steps.NewSession(w, steps.Options{StateDir: tb.TempDir()}, false)
	if err != nil {
		tb.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	tb.Cleanup(func() {
		cancel()
		if err := s.Close(); err != nil {
			tb.Errorf("closing the session: %v", err)
		}
	})
	c := &Common{Ctx: ctx, Styles: NewStyles(true), Keys: DefaultKeyMap(), Session: s, FlashFor: time.Second}
	return observed{model: newModel(c, false, "sandbox"), frames: frames{newLatest[string]()}}, s, cancel
}

func keyPress(k string) tea.KeyPressMsg {
	if k == "enter" {
		return tea.KeyPressMsg{Code: tea.KeyEnter}
	}
	return tea.KeyPressMsg{Code: rune(k[0]), Text: k}
}

// walkToLive presses enter through the tutorial, waiting for each step's
// result before the next key, until the live screen shows a rotation.
func walkToLive(tb testing.TB, send func(tea.Msg), f frames) {
	tb.Helper()
	f.waitFor(tb, "1/11")
	for _, w := range walkToTheLiveScreen {
		if w.result != "" {
			if !w.shown {
				send(keyPress("enter"))
			}
			f.waitFor(tb, w.result)
		}
		send(keyPress("enter"))
		f.waitFor(tb, w.next)
	}
	f.waitFor(tb, "appuser → appuser_clone")
}

// The walkthrough as a real tea.Program: keys go in through the program's
// input loop, commands run on its goroutines, frames reach its output.
func TestProgramWalksToTheLiveScreenAndQuits(t *testing.T) {
	w := testworld.New(t)
	m, s, _ := newProgramModel(t, w)
	tm := teatest.NewTestModel(t, m, teatest.WithInitialTermSize(80, 24),
		teatest.WithProgramOptions(tea.WithColorProfile(colorprofile.Ascii)))
	teatest.WaitFor(t, tm.Output(), func(b []byte) bool { return bytes.Contains(b, []byte("rotation-tutor")) },
		teatest.WithDuration(20*time.Second))

	walkToLive(t, tm.Send, m.frames)

	// Keys are answered while a rotation is held half-way: the help opens
	// with the rotation still running, and the rotation ends once let go.
	release := w.Hold("setSecret")
	tm.Send(keyPress("r"))
	m.frames.waitFor(t, "rotating with the alternating-users function")
	tm.Send(keyPress("?"))
	m.frames.waitFor(t, "reveal/mask", "rotating with the alternating-users function")
	release()
	frame := m.frames.waitFor(t, "appuser → appuser_clone → appuser", "failed 0")
	if strings.Contains(frame, "goroutine") {
		t.Fatalf("a stack reached the screen:\n%s", frame)
	}

	// q while a rotation runs waits for it to finish, then quits.
	release = w.Hold("finishSecret")
	tm.Send(keyPress("r"))
	m.frames.waitFor(t, "rotating with the alternating-users function")
	tm.Send(keyPress("q"))
	m.frames.waitFor(t, "finishing the rotation before quitting")
	release()
	final := tm.FinalModel(t, teatest.WithFinalTimeout(20*time.Second)).(observed)
	if got := final.steps[final.cur].ID; got != steps.Watch {
		t.Errorf("quit on %s, want the live screen", got)
	}
	if n := len(s.Rotations()); n < 3 {
		t.Errorf("%d rotations recorded, want the step's and two r's (the last one finished before the quit)", n)
	}
	if p := s.Progress(); p.Current != steps.Watch {
		t.Errorf("progress says %s, want %s to resume at", p.Current, steps.Watch)
	}
}

// ctrl+c while a rotation is held half-way waits for it, saying so; a second
// ctrl+c ends the program at once: the rotation's command is cancelled with
// the context, and closing the session does not wait for the rotation.
func TestProgramQuitsDuringARotation(t *testing.T) {
	w := testworld.New(t)
	m, s, cancel := newProgramModel(t, w)
	tm := teatest.NewTestModel(t, m, teatest.WithInitialTermSize(80, 24),
		teatest.WithProgramOptions(tea.WithColorProfile(colorprofile.Ascii)))
	walkToLive(t, tm.Send, m.frames)
	w.Hold("testSecret")
	tm.Send(keyPress("r"))
	m.frames.waitFor(t, "rotating with the")
	tm.Send(tea.KeyPressMsg{Code: 'c', Mod: tea.ModCtrl})
	m.frames.waitFor(t, "finishing the rotation before quitting")
	tm.Send(tea.KeyPressMsg{Code: 'c', Mod: tea.ModCtrl})
	tm.WaitFinished(t, teatest.WithFinalTimeout(20*time.Second))
	cancel()
	if err := s.Close(); err != nil {
		t.Fatalf("closing after ctrl+c: %v", err)
	}
	if p := s.Progress(); p.Current != steps.Watch {
		t.Errorf("progress says %s, want %s to resume at", p.Current, steps.Watch)
	}
}

// However seldom the live screen looks on its own (a workshop's screens look
// once a second; here, once an hour), a step held by slow motion is drawn as
// soon as it is held: the screen looks again when the pace changes.
func TestProgramDrawsAHeldStepAtOnce(t *testing.T) {
	w := testworld.New(t)
	m, _, _ := newProgramModel(t, w)
	m.common.LookEvery = time.Hour
	tm := teatest.NewTestModel(t, m, teatest.WithInitialTermSize(120, 50),
		teatest.WithProgramOptions(tea.WithColorProfile(colorprofile.Ascii)))
	walkToLive(t, tm.Send, m.frames)
	for range 3 { // 2 s, 5 s, then step by step
		tm.Send(keyPress("m"))
	}
	m.frames.waitFor(t, "slow motion: step by step")
	tm.Send(keyPress("r"))
	m.frames.waitFor(t, markHeld+" "+rotation.StepCreate, "space runs it")
	tm.Send(keyPress(" "))
	m.frames.waitFor(t, markHeld+" "+rotation.StepSet, markOK+" "+rotation.StepCreate)
	w.Pace.SetMode(rotation.PaceMode{}) // let the rest run
	m.frames.waitFor(t, "appuser → appuser_clone → appuser")
}
