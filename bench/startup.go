package bench

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"time"

	"github.com/charmbracelet/x/ansi"
	"github.com/creack/pty"

	"rotation-tutor/rotation/probe"
)

// Startup is what a person waits for when starting the program: process start to the first
// frame of the walkthrough in a terminal, and to the end of `--help`. Medians of startupRuns
// runs of the program itself, each walkthrough in a fresh state directory (so its sandbox
// starts from nothing, as a new user's does).
type Startup struct {
	FirstScreenMS float64 `json:"first_screen_ms"`
	HelpMS        float64 `json:"help_ms"`
}

const (
	startupRuns = 7
	// screenWait bounds one run: the first frame, then the orderly exit after SIGTERM.
	screenWait = 15 * time.Second
)

// MeasureStartup runs the rotation-tutor binary at exe: the walkthrough in a pseudo-terminal
// of 80×24, timed from just before the process starts to the first bytes of the frame
// arriving on the terminal (what the person sees; the terminal queries Bubble Tea sends
// before it do not count), then `--help` to its exit.
func MeasureStartup(ctx context.Context, exe string) (Startup, error) {
	var screens, helps []time.Duration
	for range startupRuns {
		d, err := timeFirstScreen(ctx, exe)
		if err != nil {
			return Startup{}, err
		}
		screens = append(screens, d)
	}
	for range startupRuns {
		d, err := timeHelp(ctx, exe)
		if err != nil {
			return Startup{}, err
		}
		helps = append(helps, d)
	}
	return Startup{FirstScreenMS: probe.PercentilesOf(screens).P50, HelpMS: probe.PercentilesOf(helps).P50}, nil
}

func timeHelp(ctx context.Context, exe string) (time.Duration, error) {
	cmd := exec.CommandContext(ctx, exe, "--help")
	t0 := time.Now()
	if err := cmd.Run(); err != nil {
		return 0, fmt.Errorf("%s --help: %w", exe, err)
	}
	return time.Since(t0), nil
}

// timeFirstScreen runs the walkthrough once in a pseudo-terminal and times its first frame,
// then asks it to stop (SIGTERM, which it handles like ctrl+c). A run that fails to draw, or
// that ends other than by that request, is an error carrying what the terminal showed: an
// error message on the terminal is text too, and must not pass for a screen.
func timeFirstScreen(ctx context.Context, exe string) (time.Duration, error) {
	state, err := os.MkdirTemp("", "rotation-tutor-bench-")
	if err != nil {
		return 0, fmt.Errorf("first screen: %w", err)
	}
	defer os.RemoveAll(state)

	cmd := exec.Command(exe, "--state", state)
	t0 := time.Now()
	terminal, err := pty.StartWithSize(cmd, &pty.Winsize{Cols: 80, Rows: 24})
	if err != nil {
		return 0, fmt.Errorf("first screen: start %s in a terminal: %w", exe, err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	framed := make(chan time.Duration, 1)
	readDone := make(chan string, 1)
	go func() { readDone <- readUntilFrame(terminal, t0, framed) }()

	var elapsed time.Duration
	var failure, exitErr error
	select {
	case elapsed = <-framed:
		exitErr = stop(cmd, exited)
	case exitErr = <-exited:
		failure = errors.New("exited before drawing")
	case <-time.After(screenWait):
		failure = fmt.Errorf("drew nothing within %s", screenWait)
		stop(cmd, exited)
	case <-ctx.Done():
		failure = ctx.Err()
		stop(cmd, exited)
	}
	output := drain(terminal, readDone)
	if failure == nil && exitErr != nil {
		failure = errors.New("did not end cleanly when asked to stop")
	}
	if failure != nil && exitErr != nil {
		failure = fmt.Errorf("%w (%v)", failure, exitErr)
	}
	if failure != nil {
		return 0, fmt.Errorf("first screen: %s %w; the terminal showed: %q", exe, failure, lastBytes(output, 300))
	}
	return elapsed, nil
}

// stop asks the program to end as ctrl+c would, so that it closes its sandbox, kills it if it
// has not ended in time, and returns how it ended.
func stop(cmd *exec.Cmd, exited <-chan error) error {
	_ = cmd.Process.Signal(syscall.SIGTERM) // fails only if it has already ended
	select {
	case err := <-exited:
		return err
	case <-time.After(screenWait):
		_ = cmd.Process.Kill()
		return <-exited
	}
}

// drain lets the reader take what the ended program left on the terminal (a pseudo-terminal
// keeps it until read), then closes the terminal. The bound is for a child of the program
// that keeps the terminal open after the program itself has gone.
func drain(terminal *os.File, readDone <-chan string) string {
	defer terminal.Close()
	select {
	case output := <-readDone:
		return output
	case <-time.After(2 * time.Second):
		terminal.Close()
		return <-readDone
	}
}

// readUntilFrame reads the terminal until it closes, and sends on framed how long after t0
// the first text of a frame arrived. It returns what it read, as text without escape
// sequences, for an error message.
func readUntilFrame(terminal *os.File, t0 time.Time, framed chan<- time.Duration) string {
	var seen []byte
	buf := make([]byte, 32<<10)
	sent := false
	for {
		n, err := terminal.Read(buf)
		if n > 0 && !sent {
			at := time.Since(t0)
			seen = append(seen, buf[:n]...)
			if frameStarted(seen) {
				framed <- at
				sent = true
			}
		}
		if err != nil { // EIO once the program has exited, or closed by the caller
			return ansi.Strip(string(seen))
		}
	}
}

// frameStarted reports whether the terminal output so far holds text a person would see,
// beyond the escape sequences (modes, terminal queries, the window title) written before it.
func frameStarted(output []byte) bool {
	return strings.TrimSpace(ansi.Strip(string(output))) != ""
}

func lastBytes(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[len(s)-n:]
}
