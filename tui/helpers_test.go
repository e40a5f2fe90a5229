package tui

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"charm.land/bubbles/v2/spinner"
	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"rotation-tutor/steps"
)

// fakeWorld is a world that starts instantly with a canned Env, or fails.
type fakeWorld struct {
	env    *steps.Env
	err    error
	closed bool
}

func (w *fakeWorld) Start(ctx context.Context, progress func(string)) (*steps.Env, error) {
	progress("starting the fake world")
	return w.env, w.err
}

func (w *fakeWorld) Close() error { w.closed = true; return nil }

func failingWorld() *fakeWorld {
	return &fakeWorld{err: errors.New("bastion 127.0.0.1:1 refused the connection")}
}

// newTestModel builds the root on a fresh session in a temp state dir.
func newTestModel(t *testing.T, w steps.World, width, height int) *model {
	t.Helper()
	s, err := steps.NewSession(w, steps.Options{StateDir: t.TempDir()}, false)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	c := &Common{Ctx: ctx, Styles: NewStyles(true), Keys: DefaultKeyMap(), Session: s, FlashFor: time.Millisecond}
	m := newModel(c, false, "sandbox")
	m.update(tea.WindowSizeMsg{Width: width, Height: height})
	return m
}

// press sends a key and runs what it returns.
func press(t *testing.T, m *model, k string) {
	t.Helper()
	var msg tea.KeyPressMsg
	switch k {
	case "enter":
		msg = tea.KeyPressMsg{Code: tea.KeyEnter}
	case "tab":
		msg = tea.KeyPressMsg{Code: tea.KeyTab}
	case "down":
		msg = tea.KeyPressMsg{Code: tea.KeyDown}
	case "right":
		msg = tea.KeyPressMsg{Code: tea.KeyRight}
	default:
		msg = tea.KeyPressMsg{Code: rune(k[0]), Text: k}
	}
	settle(t, m, m.update(msg))
}

// settle runs cmd and every command its messages lead to, until nothing is
// left but timers (ticks, spinners), which it does not wait for.
func settle(t *testing.T, m *model, cmd tea.Cmd) {
	t.Helper()
	pending := []tea.Cmd{cmd}
	deadline := time.Now().Add(10 * time.Second)
	for len(pending) > 0 {
		if time.Now().After(deadline) {
			t.Fatal("commands did not settle")
		}
		msgs := runAll(t, pending)
		pending = nil
		for _, msg := range msgs {
			switch msg.(type) {
			case spinner.TickMsg, liveTickMsg, flashDoneMsg:
				continue // timers: the test does not wait for them
			}
			if next := m.update(msg); next != nil {
				pending = append(pending, next)
			}
		}
	}
}

// runAll runs the commands concurrently (one may wait for another's channel)
// and returns their messages, batches flattened.
func runAll(t *testing.T, cmds []tea.Cmd) []tea.Msg {
	t.Helper()
	done := make(chan []tea.Msg, 1)
	go func() { done <- runAllNoT(cmds) }()
	var all []tea.Msg
	select {
	case all = <-done:
	case <-time.After(10 * time.Second):
		t.Fatal("a command did not return")
	}
	var msgs []tea.Msg
	for _, msg := range all {
		if msg != nil && !isTimer(msg) {
			msgs = append(msgs, msg)
		}
	}
	return msgs
}

func runAllNoT(cmds []tea.Cmd) []tea.Msg {
	out := make(chan []tea.Msg, len(cmds))
	n := 0
	for _, c := range cmds {
		if c == nil {
			continue
		}
		n++
		go func() {
			msg := c()
			if b, ok := msg.(tea.BatchMsg); ok {
				out <- runAllNoT(b)
				return
			}
			out <- []tea.Msg{msg}
		}()
	}
	var msgs []tea.Msg
	for range n {
		msgs = append(msgs, <-out...)
	}
	return msgs
}

func isTimer(msg tea.Msg) bool {
	switch msg.(type) {
	case spinner.TickMsg, liveTickMsg, flashDoneMsg:
		return true
	}
	return false
}

// view is the current frame without escape sequences.
func view(m *model) string { return ansi.Strip(m.render()) }

func requireContains(t *testing.T, m *model, want ...string) {
	t.Helper()
	v := view(m)
	for _, w := range want {
		if !strings.Contains(v, w) {
			t.Fatalf("view lacks %q:\n%s", w, v)
		}
	}
}
