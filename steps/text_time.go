package steps

// Words of the live screen's time controls: the clock, slow motion and the
// clients' caching. Kept apart from text.go's step words, as one set.
const (
	fixNoClock          = "Run the walkthrough on the sandbox (without --aws), whose clock this program keeps; --time-scale makes it run faster."
	fixNothingScheduled = "Turn rotation on with a schedule first (the configure-rotation step)."
)
