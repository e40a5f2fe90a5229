package tui

import (
	"context"
	"time"

	"rotation-tutor/steps"
)

// Common is what every screen shares: the size, styles, keys, and the
// session. The root owns it; screens embed a pointer, so a resize or a theme
// change reaches all of them at once. There are no globals: two programs in
// one process (workshop mode) each have their own.
type Common struct {
	Ctx     context.Context // cancelled when the program ends: every Cmd's calls use it
	Width   int
	Height  int
	Styles  *Styles
	Keys    KeyMap
	Session *steps.Session
	Reveal  bool // show secret values instead of masking them
	// Present is presenter mode: a title card before each step, no commands
	// by hand, and no secret ever revealed.
	Present bool
	// Room is what a workshop's instructor tells everyone (RoomMsg).
	Room Room
	// Served says the walkthrough is a workshop's, over SSH: what it shows
	// to run by hand runs on the server, not on the attendee's machine.
	Served bool
	// LookEvery is how often the live screen looks at the world when
	// nothing it did changed it (0: four times a second).
	LookEvery time.Duration
	// FlashFor is how long a note stays in the help bar; tests shorten it.
	FlashFor time.Duration
	// SlowMotion starts the live screen in slow motion (a presenter's
	// choice); m still changes it.
	SlowMotion bool
	// BodyHeight is the rows the current screen's body has, between the
	// header and the help bar; the body scrolls when it needs more.
	BodyHeight int

	// The world's start, which runs from the first frame on.
	Stages   []string // what the world reported while starting
	Started  bool
	StartErr error
}

// contentWidth is the width inside the app's padding.
func (c *Common) contentWidth() int { return max(c.Width-2, 20) }
