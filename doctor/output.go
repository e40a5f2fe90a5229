package doctor

import (
	"encoding/json"
	"fmt"
	"io"
	"math"
	"strings"
	"time"
	"unicode/utf8"
)

type jsonCheck struct {
	Hop     string  `json:"hop"`
	Name    string  `json:"name"`
	OK      bool    `json:"ok"`
	Skipped bool    `json:"skipped,omitempty"`
	MS      float64 `json:"ms"`
	Detail  string  `json:"detail"`
	Fix     string  `json:"fix"`
	Heading string  `json:"heading,omitempty"`
}

// JSON renders the report as {"ok": bool, "checks": [{"hop", "name", "ok",
// "skipped", "ms", "detail", "fix", "heading"}]}; "skipped" appears only when true, and
// "heading" (the matching section of AWS's troubleshooting page) only for a failed check.
func (r Report) JSON() ([]byte, error) {
	out := struct {
		OK     bool        `json:"ok"`
		Checks []jsonCheck `json:"checks"`
	}{OK: r.OK, Checks: make([]jsonCheck, 0, len(r.Checks))}
	for _, c := range r.Checks {
		out.Checks = append(out.Checks, jsonCheck{
			Hop: c.Hop, Name: c.Name, OK: c.OK, Skipped: c.Skipped,
			MS: millis(c.Took), Detail: c.Detail, Fix: c.Fix, Heading: c.Heading,
		})
	}
	return json.Marshal(out)
}

// millis is a duration in milliseconds to a tenth, enough for sub-ms hops.
func millis(d time.Duration) float64 {
	return math.Round(float64(d)/float64(time.Millisecond)*10) / 10
}

const (
	ansiGreen = "\x1b[32m"
	ansiRed   = "\x1b[31m"
	ansiDim   = "\x1b[2m"
	ansiBold  = "\x1b[1m"
	ansiReset = "\x1b[0m"
)

// Status is the one-character mark for a check: ✓ passed, ✗ failed, – skipped.
func (c Check) Status() string {
	switch {
	case c.Skipped:
		return "–"
	case c.OK:
		return "✓"
	}
	return "✗"
}

// Line renders one check as the text table's row (without the fix line),
// padded to the given column widths; the TUI uses it to draw checks live.
func (c Check) Line(hopWidth, nameWidth int) string {
	ms := ""
	if !c.Skipped {
		ms = fmt.Sprintf("%.0f ms", math.Max(0, millis(c.Took)))
		if c.Took < time.Millisecond {
			ms = "<1 ms"
		}
	}
	return fmt.Sprintf("%s %s  %s  %7s  %s", c.Status(), pad(c.Hop, hopWidth), pad(c.Name, nameWidth), ms, c.Detail)
}

// Text writes the report as an aligned table: status, hop, name, time and
// detail on one line, the fix on the next for checks that failed, then a
// summary. color adds ANSI colours (callers pass false for NO_COLOR or a
// non-terminal).
func (r Report) Text(w io.Writer, color bool) {
	hopW, nameW := 0, 0
	for _, c := range r.Checks {
		hopW = max(hopW, utf8.RuneCountInString(c.Hop))
		nameW = max(nameW, utf8.RuneCountInString(c.Name))
	}
	paint := func(code, s string) string {
		if !color {
			return s
		}
		return code + s + ansiReset
	}
	indent := strings.Repeat(" ", 2+hopW+2+nameW+2+7+2)
	for _, c := range r.Checks {
		line := c.Line(hopW, nameW)
		switch {
		case c.Skipped:
			line = paint(ansiDim, line)
		case c.OK:
			line = paint(ansiGreen, c.Status()) + line[len(c.Status()):]
		default:
			line = paint(ansiRed, c.Status()) + line[len(c.Status()):]
		}
		fmt.Fprintln(w, line)
		if !c.OK && !c.Skipped && c.Fix != "" {
			fmt.Fprintln(w, indent+paint(ansiBold, "fix: ")+c.Fix)
		}
		if !c.OK && !c.Skipped && c.Heading != "" {
			fmt.Fprintln(w, indent+paint(ansiBold, "AWS: ")+c.Heading)
		}
	}
	fmt.Fprintln(w, r.Summary())
}

// Summary is one sentence: how many checks passed, and the first that failed.
func (r Report) Summary() string {
	passed, skipped := 0, 0
	for _, c := range r.Checks {
		switch {
		case c.Skipped:
			skipped++
		case c.OK:
			passed++
		}
	}
	failed := r.Failed()
	s := fmt.Sprintf("%d passed, %d failed, %d skipped", passed, len(failed), skipped)
	if len(failed) > 0 {
		s += fmt.Sprintf(": first failure at %s (%s)", failed[0].Hop, failed[0].Name)
	}
	return s
}

func pad(s string, w int) string {
	if n := utf8.RuneCountInString(s); n < w {
		return s + strings.Repeat(" ", w-n)
	}
	return s
}
