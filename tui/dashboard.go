package tui

import (
	"context"
	"errors"
	"fmt"
	"os"
	"slices"
	"strconv"
	"strings"
	"time"

	"charm.land/bubbles/v2/help"
	"charm.land/bubbles/v2/key"
	"charm.land/bubbles/v2/textinput"
	tea "charm.land/bubbletea/v2"
	"charm.land/lipgloss/v2"
	"github.com/charmbracelet/colorprofile"

	"rotation-tutor/steps"
)

// Attendee is one learner of a workshop, as the instructor's dashboard shows
// them.
type Attendee struct {
	Name      string
	Connected bool
	Status    steps.Status // where they are (the zero value before they start)
	LeftAt    time.Time    // when they disconnected, if they did
}

// RoomControl is what the dashboard watches and steers: the workshop.
type RoomControl interface {
	Attendees() []Attendee
	Room() Room
	// SetRoom changes the room's message and hold for everyone.
	SetRoom(Room)
}

// DashboardOptions configure NewDashboard.
type DashboardOptions struct {
	// Join is how attendees connect, shown at the top.
	Join string
	// QuitStops says q ends the whole workshop (the dashboard on the
	// server's own terminal) rather than the instructor's session; it then
	// asks first.
	QuitStops bool
	AltScreen bool
}

// dashEvery is how often the dashboard reads the room again.
const dashEvery = time.Second

type dashTickMsg struct{}

// dashboard is the instructor's view of the room: who is where, for how long,
// what went wrong, stuck ones first; m sends a message to everyone, h holds
// the room at a step.
type dashboard struct {
	ctx       context.Context
	room      RoomControl
	o         DashboardOptions
	styles    *Styles
	keys      dashKeys
	help      help.Model
	width     int
	height    int
	attendees []Attendee
	state     Room
	now       time.Time
	editing   string // "message", "hold", or "" when not typing
	input     textinput.Model
	confirm   bool // q was pressed with QuitStops: y ends the workshop
	note      string
}

type dashKeys struct{ Message, Hold, Release, Quit, Enter, Cancel, Yes key.Binding }

func (k dashKeys) ShortHelp() []key.Binding {
	return []key.Binding{k.Message, k.Hold, k.Release, k.Quit}
}
func (k dashKeys) FullHelp() [][]key.Binding { return [][]key.Binding{k.ShortHelp()} }

// editKeys are the keys while the instructor types.
type editKeys struct{ dashKeys }

func (k editKeys) ShortHelp() []key.Binding { return []key.Binding{k.Enter, k.Cancel} }

// NewDashboard builds the instructor's view of room; its reads use ctx.
func NewDashboard(ctx context.Context, room RoomControl, o DashboardOptions) tea.Model {
	quit := "leave"
	if o.QuitStops {
		quit = "stop the workshop"
	}
	in := textinput.New()
	in.CharLimit = 200
	return &dashboard{
		ctx: ctx, room: room, o: o, styles: NewStyles(true), help: help.New(), input: in, width: 80, height: 24,
		keys: dashKeys{
			Message: key.NewBinding(key.WithKeys("m"), key.WithHelp("m", "message everyone")),
			Hold:    key.NewBinding(key.WithKeys("h"), key.WithHelp("h", "hold at step N")),
			Release: key.NewBinding(key.WithKeys("g"), key.WithHelp("g", "let go")),
			Quit:    key.NewBinding(key.WithKeys("q", "ctrl+c"), key.WithHelp("q", quit)),
			Enter:   key.NewBinding(key.WithKeys("enter"), key.WithHelp("enter", "send")),
			Cancel:  key.NewBinding(key.WithKeys("esc"), key.WithHelp("esc", "cancel")),
			Yes:     key.NewBinding(key.WithKeys("y", "Y"), key.WithHelp("y", "yes")),
		},
	}
}

func (d *dashboard) Init() tea.Cmd {
	d.read()
	return tea.Batch(tea.RequestBackgroundColor, d.tick())
}

func (d *dashboard) tick() tea.Cmd {
	return tea.Tick(dashEvery, func(time.Time) tea.Msg { return dashTickMsg{} })
}

func (d *dashboard) read() {
	d.attendees, d.state, d.now = d.room.Attendees(), d.room.Room(), time.Now()
}

func (d *dashboard) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	switch msg := msg.(type) {
	case tea.WindowSizeMsg:
		d.width, d.height = msg.Width, msg.Height
		d.help.SetWidth(max(d.width-2, 20))
	case tea.BackgroundColorMsg:
		d.styles = NewStyles(msg.IsDark())
		d.help.Styles = help.DefaultStyles(msg.IsDark())
	case dashTickMsg:
		if d.ctx.Err() != nil {
			return d, nil
		}
		d.read()
		return d, d.tick()
	case tea.KeyPressMsg:
		return d, d.key(msg)
	case tea.PasteMsg:
		if d.editing != "" {
			var cmd tea.Cmd
			d.input, cmd = d.input.Update(msg)
			return d, cmd
		}
	}
	return d, nil
}

func (d *dashboard) key(msg tea.KeyPressMsg) tea.Cmd {
	k := d.keys
	switch {
	case d.confirm:
		d.confirm = false
		if key.Matches(msg, k.Yes) || msg.String() == "ctrl+c" {
			return tea.Quit
		}
		d.note = "the workshop goes on"
		return nil
	case d.editing != "":
		return d.editKey(msg)
	case key.Matches(msg, k.Quit):
		if d.o.QuitStops && msg.String() != "ctrl+c" {
			d.confirm = true
			return nil
		}
		return tea.Quit
	case key.Matches(msg, k.Message):
		return d.edit("message", d.state.Message)
	case key.Matches(msg, k.Hold):
		v := ""
		if d.state.HoldAt > 0 {
			v = strconv.Itoa(d.state.HoldAt)
		}
		return d.edit("hold", v)
	case key.Matches(msg, k.Release):
		r := d.state
		r.HoldAt = 0
		d.set(r, "the room may move on")
	}
	return nil
}

func (d *dashboard) edit(what, value string) tea.Cmd {
	d.editing, d.note = what, ""
	d.input.Prompt = "message to everyone (empty clears it): "
	if what == "hold" {
		d.input.Prompt = fmt.Sprintf("hold everyone at step (1–%d, empty lets go): ", len(steps.All()))
	}
	d.input.SetValue(value)
	d.input.CursorEnd()
	return d.input.Focus()
}

func (d *dashboard) editKey(msg tea.KeyPressMsg) tea.Cmd {
	switch {
	case key.Matches(msg, d.keys.Cancel):
		d.editing = ""
		d.input.Blur()
		return nil
	case key.Matches(msg, d.keys.Enter):
		v := strings.TrimSpace(d.input.Value())
		r := d.state
		if d.editing == "message" {
			r.Message = v
			d.set(r, "message sent to everyone")
		} else {
			n := 0
			if v != "" {
				var err error
				if n, err = strconv.Atoi(v); err != nil || n < 1 || n > len(steps.All()) {
					d.note = fmt.Sprintf("a step is a number from 1 to %d: %q is not", len(steps.All()), v)
					return nil
				}
			}
			r.HoldAt = n
			d.set(r, "")
		}
		d.editing = ""
		d.input.Blur()
		return nil
	}
	var cmd tea.Cmd
	d.input, cmd = d.input.Update(msg)
	return cmd
}

func (d *dashboard) set(r Room, note string) {
	d.room.SetRoom(r)
	d.read()
	if note == "" {
		note = "the room may move on"
		if r.HoldAt > 0 {
			note = fmt.Sprintf("everyone waits at step %d", r.HoldAt)
		}
	}
	d.note = note
}

func (d *dashboard) View() tea.View {
	var keys help.KeyMap = d.keys
	if d.editing != "" {
		keys = editKeys{d.keys}
	}
	foot := d.help.View(keys)
	switch {
	case d.confirm:
		foot = d.styles.Warn.Render(fmt.Sprintf("stop the workshop? The %d sessions end. y stops it, any other key goes on.", connected(d.attendees)))
	case d.editing != "":
		foot = d.input.View() + "\n" + foot
	case d.note != "":
		foot = d.styles.Subtle.Render(d.note) + "\n" + foot
	}
	body := renderDashboard(d.styles, d.attendees, d.state, d.o.Join, d.now, max(d.width-2, 20), max(d.height-1-lipHeight(foot), 3))
	v := tea.NewView(frame(body + "\n" + foot))
	v.AltScreen = d.o.AltScreen
	v.WindowTitle = "rotation-tutor workshop"
	return v
}

func connected(as []Attendee) int {
	n := 0
	for _, a := range as {
		if a.Connected {
			n++
		}
	}
	return n
}

// stuckFirst orders the room for the instructor: connected before gone;
// among the connected, those whose last problem came on the step they are
// on, then the longest on their step; anyone on the last step at the end.
func stuckFirst(as []Attendee) []Attendee {
	last := steps.All()[len(steps.All())-1].ID
	rank := func(a Attendee) int {
		switch {
		case !a.Connected:
			return 3
		case a.Status.Step == last:
			return 2
		case a.Status.Problem != "" && !a.Status.ProblemAt.Before(a.Status.Since):
			return 0
		}
		return 1
	}
	out := slices.Clone(as)
	slices.SortStableFunc(out, func(a, b Attendee) int {
		if ra, rb := rank(a), rank(b); ra != rb {
			return ra - rb
		}
		if c := a.Status.Since.Compare(b.Status.Since); c != 0 {
			return c // on the step longer first
		}
		return strings.Compare(a.Name, b.Name)
	})
	return out
}

// renderDashboard is the room as a table, at most height lines.
func renderDashboard(st *Styles, as []Attendee, r Room, join string, now time.Time, width, height int) string {
	title := st.Header.Title.Render("rotation-tutor workshop") + st.Subtle.Render(fmt.Sprintf("  %d connected, %d in all", connected(as), len(as)))
	lines := []string{truncate(title, width)}
	if join != "" {
		lines = append(lines, st.Subtle.Render(truncate("attendees join with: "+join, width)))
	}
	room := "the room moves freely"
	if r.HoldAt > 0 {
		room = fmt.Sprintf("held at step %d", r.HoldAt)
	}
	if r.Message != "" {
		room += " · message: " + r.Message
	}
	lines = append(lines, st.Warn.Render(truncate(room, width)), "")
	if len(as) == 0 {
		return strings.Join(append(lines, st.Subtle.Render("nobody has joined yet")), "\n")
	}
	const nameW, stepW, onW, failW = 14, 24, 7, 7
	probW := max(width-nameW-stepW-onW-failW-4, 10)
	lines = append(lines, st.Label.Render(fmt.Sprintf("%-*s %-*s %*s %*s %s", nameW, "ATTENDEE", stepW, "STEP", onW, "ON IT", failW, "FAILED", "LAST PROBLEM")))
	rows := stuckFirst(as)
	used := len(lines)
	for i, a := range rows {
		row := renderAttendee(st, a, now, nameW, stepW, onW, failW, probW)
		need := lipHeight(row)
		if i < len(rows)-1 {
			need++ // a line kept for "… and N more", should the next row not fit
		}
		if used+need > height {
			lines = append(lines, st.Subtle.Render(fmt.Sprintf("… and %d more", len(rows)-i)))
			break
		}
		lines = append(lines, row)
		used += lipHeight(row)
	}
	return strings.Join(lines, "\n")
}

func renderAttendee(st *Styles, a Attendee, now time.Time, nameW, stepW, onW, failW, probW int) string {
	pad := func(s string, w int) string { return fmt.Sprintf("%-*s", w, truncate(s, w)) }
	step, on, failed := "", "", ""
	if s, ok := steps.ByID(a.Status.Step); ok {
		n, total := steps.Position(s.ID, a.Status.Flavour)
		step = fmt.Sprintf("%d/%d %s", n, total, s.Title)
		on = clock(now.Sub(a.Status.Since))
	}
	if a.Status.Logins > 0 || a.Status.FailedLogins > 0 {
		failed = strconv.Itoa(a.Status.FailedLogins)
	}
	prob := a.Status.Problem
	switch {
	case !a.Connected && !a.LeftAt.IsZero():
		prob = "left " + clock(now.Sub(a.LeftAt)) + " ago"
	case !a.Connected:
		prob = "not connected"
	}
	line := pad(a.Name, nameW) + " " + pad(step, stepW) + " " + fmt.Sprintf("%*s %*s ", onW, on, failW, failed)
	if lipgloss.Width(prob) <= probW {
		line += prob
	} else { // the problem is what the instructor needs: on a line of its own
		width := nameW + stepW + onW + failW + 4 + probW
		line += "\n" + strings.Repeat(" ", nameW+1) + truncate(prob, width-nameW-1)
	}
	switch {
	case !a.Connected:
		return st.Subtle.Render(line)
	case a.Status.FailedLogins > 0, a.Status.Problem != "" && !a.Status.ProblemAt.Before(a.Status.Since):
		return st.Warn.Render(line)
	}
	return line
}

// clock is a duration as a person glances at it: 45s, 12m, 1h05m.
func clock(d time.Duration) string {
	switch {
	case d < time.Minute:
		return fmt.Sprintf("%ds", int(d.Seconds()))
	case d < time.Hour:
		return fmt.Sprintf("%dm", int(d.Minutes()))
	}
	return fmt.Sprintf("%dh%02dm", int(d.Hours()), int(d.Minutes())%60)
}

// RunDashboard shows the room on this terminal until the instructor quits.
func RunDashboard(ctx context.Context, room RoomControl, o DashboardOptions) error {
	opts := []tea.ProgramOption{tea.WithContext(ctx)}
	if os.Getenv("NO_COLOR") != "" { // any non-empty value, as for the walkthrough
		opts = append(opts, tea.WithColorProfile(colorprofile.Ascii))
	}
	_, err := tea.NewProgram(NewDashboard(ctx, room, o), opts...).Run()
	if errors.Is(err, tea.ErrInterrupted) || errors.Is(err, context.Canceled) || errors.Is(err, tea.ErrProgramKilled) {
		return nil
	}
	return err
}
