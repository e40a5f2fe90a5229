package e2e

import (
	"context"
	"testing"

	"rotation-tutor/bench"
)

// `bench` times the start-up of this very program in a pseudo-terminal: each run must draw a
// frame of the walkthrough and then end cleanly (exit 0) when sent SIGTERM, as after ctrl+c,
// or the figure would time an error message instead of a screen.
func TestBenchStartupOnTheBuiltProgram(t *testing.T) {
	bin := build(t)
	st, err := bench.MeasureStartup(context.Background(), bin)
	if err != nil {
		t.Fatal(err)
	}
	if st.FirstScreenMS <= 0 || st.HelpMS <= 0 {
		t.Errorf("figures missing: %+v", st)
	}
	t.Logf("first screen %.1f ms, --help %.1f ms (medians; not asserted)", st.FirstScreenMS, st.HelpMS)
}
