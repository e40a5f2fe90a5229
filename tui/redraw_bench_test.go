package tui

import (
	"bytes"
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/colorprofile"

	"rotation-tutor/internal/testworld"
	"rotation-tutor/rotation"
)

// writeClock is a terminal that only remembers when it was last written to.
type writeClock struct{ *latest[struct{}] }

func (w writeClock) Write(p []byte) (int, error) {
	w.set(struct{}{})
	return len(p), nil
}

// BenchmarkKeypressToRedraw measures, on the live screen while rotations
// run back to back and the probe's clients log in, how long a key press
// takes to change the frame (Update and View) and to reach the terminal
// (the renderer's next flush). Each op toggles the full help.
func BenchmarkKeypressToRedraw(b *testing.B) {
	w := testworld.New(b)
	m, s, cancel := newProgramModel(b, w)
	out := writeClock{newLatest[struct{}]()}
	p := tea.NewProgram(m, tea.WithInput(&bytes.Buffer{}), tea.WithOutput(out), tea.WithoutSignals(),
		tea.WithWindowSize(80, 24), tea.WithColorProfile(colorprofile.Ascii))
	done := make(chan struct{})
	go func() {
		defer close(done)
		_, _ = p.Run()
	}()
	defer func() { p.Quit(); <-done }()
	walkToLive(b, p.Send, m.frames)

	ctx, stop := context.WithCancel(context.Background())
	rotating := make(chan struct{})
	go func() {
		defer close(rotating)
		for ctx.Err() == nil {
			_, _ = s.Rotate(ctx, rotation.AlternatingUsers, nil)
		}
	}()
	defer func() { stop(); <-rotating; cancel() }()

	var toFrame, toTerminal []time.Duration
	open := false
	b.ResetTimer()
	for range b.N {
		start := time.Now()
		p.Send(keyPress("?"))
		open = !open
		_, framed := m.frames.waitForFunc(b, func(f string, _ time.Time) bool { return strings.Contains(f, "reveal/mask") == open }, "the help toggled")
		toFrame = append(toFrame, framed.Sub(start))
		_, written := out.waitForFunc(b, func(_ struct{}, at time.Time) bool { return !at.Before(framed) }, "a write after the frame")
		toTerminal = append(toTerminal, written.Sub(start))
	}
	b.StopTimer()
	b.ReportMetric(ms(percentile(toFrame, 50)), "frame-p50-ms")
	b.ReportMetric(ms(percentile(toFrame, 99)), "frame-p99-ms")
	b.ReportMetric(ms(percentile(toTerminal, 50)), "terminal-p50-ms")
	b.ReportMetric(ms(percentile(toTerminal, 99)), "terminal-p99-ms")
	b.ReportMetric(float64(len(s.Rotations())), "rotations")
}

func percentile(d []time.Duration, p int) time.Duration {
	s := slices.Clone(d)
	slices.Sort(s)
	return s[(len(s)-1)*p/100]
}

func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }
