package bench

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// What Bubble Tea writes before its first frame (this program's own bytes, from a pseudo-
// terminal) is not a frame; the first text of the screen is.
func TestFrameStartedIgnoresTheSequencesBeforeTheFrame(t *testing.T) {
	before := "\x1b[?2026$p\x1b[?2027$p\x1b]11;?\x07\x1b[>4m\x1b[?1049h\x1b[?25l\x1b[?5W\x1b[?2004h" +
		"\x1b]2;rotation-tutor \xe2\x80\x94 Welcome\x07\x1b[>4;2m\x1b[>1u\x1b[?u\x1b[H\x1b[2J "
	if frameStarted([]byte(before)) {
		t.Errorf("frameStarted(%q) = true before any text", before)
	}
	frame := before + "\x1b[94;1mrotation-tutor\x1b[m"
	if !frameStarted([]byte(frame)) {
		t.Errorf("frameStarted(%q) = false", frame)
	}
}

// script writes an executable shell script standing for the program.
func script(t *testing.T, body string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "program")
	if err := os.WriteFile(path, []byte("#!/bin/sh\n"+body), 0o700); err != nil {
		t.Fatal(err)
	}
	return path
}

// The walkthrough runs in a terminal of 80×24 with a fresh --state directory, and stays until
// told to stop; --help runs to its end. A stand-in checks all of that, then draws.
func TestMeasureStartupRunsTheProgramInATerminal(t *testing.T) {
	exe := script(t, `
if [ "$1" = --help ]; then exit 0; fi
[ -t 0 ] && [ -t 1 ] || { echo "no terminal"; exit 3; }
[ "$(stty size)" = "24 80" ] || { echo "size $(stty size)"; exit 3; }
[ "$1" = --state ] && [ -d "$2" ] && [ -z "$(ls -A "$2")" ] || { echo "no fresh state dir: $*"; exit 3; }
trap 'kill $!; exit 0' TERM  # ends cleanly when asked, as the program does
sleep 60 &
printf '\033[?1049h\033]11;?\007'
echo "1/11 Welcome"
wait
`)
	st, err := MeasureStartup(context.Background(), exe)
	if err != nil {
		t.Fatal(err)
	}
	if st.FirstScreenMS <= 0 || st.HelpMS <= 0 {
		t.Errorf("figures missing: %+v", st)
	}
}

// A program that ends on its own, having drawn a screen or only an error, is reported with
// how it ended and what it wrote, not timed.
func TestMeasureStartupReportsAProgramThatEndsByItself(t *testing.T) {
	exe := script(t, "printf '\\033[?1049h'; echo 'cannot open the state directory' >&2; exit 1\n")
	_, err := MeasureStartup(context.Background(), exe)
	if err == nil || !strings.Contains(err.Error(), "exit status 1") || !strings.Contains(err.Error(), "cannot open the state directory") {
		t.Errorf("error = %v; want one with its exit status and its message", err)
	}
}
