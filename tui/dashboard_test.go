package tui

import (
	"strings"
	"testing"
	"time"

	"github.com/charmbracelet/x/ansi"

	"rotation-tutor/steps"
)

// The room, stuck ones first: a problem on the step they are on, then the
// longest on their step; those done, then those gone, last.
func TestDashboardPutsTheStuckFirst(t *testing.T) {
	now := time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC)
	at := func(ago time.Duration) time.Time { return now.Add(-ago) }
	room := []Attendee{
		{Name: "dora", Connected: true, Status: steps.Status{Flavour: steps.FlavourCurrent, Step: steps.CleanUp, Since: at(30 * time.Minute)}},
		{Name: "erin", Connected: false, LeftAt: at(3 * time.Minute), Status: steps.Status{Flavour: steps.FlavourCurrent, Step: steps.Connect, Since: at(40 * time.Minute)}},
		{Name: "bob", Connected: true, Status: steps.Status{Flavour: steps.FlavourCurrent, Step: steps.Connect, Since: at(12 * time.Minute)}},
		{Name: "cara", Connected: true, Status: steps.Status{Flavour: steps.FlavourCurrent, Step: steps.CreateUser, Since: at(2 * time.Minute)}},
		{Name: "alice", Connected: true, Status: steps.Status{Flavour: steps.FlavourCurrent, Step: steps.Watch, Since: at(time.Minute),
			Problem: "rotate the secret: setSecret failed", ProblemAt: at(30 * time.Second), Logins: 40, FailedLogins: 3}},
	}
	var order []string
	for _, a := range stuckFirst(room) {
		order = append(order, a.Name)
	}
	if got := strings.Join(order, " "); got != "alice bob cara dora erin" {
		t.Errorf("order %s", got)
	}
	out := ansi.Strip(renderDashboard(NewStyles(true), room, Room{HoldAt: 4, Message: "break until 10:15"}, "ssh -p 23234 NAME@host", now, 78, 22))
	for _, want := range []string{"4 connected, 5 in all", "held at step 4 · message: break until 10:15", "ssh -p 23234 NAME@host",
		"alice", "8/11 Watch it rotate", "1m", "rotate the secret: setSecret failed", "12m", "left 3m ago"} {
		if !strings.Contains(out, want) {
			t.Errorf("the dashboard lacks %q:\n%s", want, out)
		}
	}
	for _, l := range strings.Split(out, "\n") {
		if len([]rune(l)) > 78 {
			t.Errorf("a line wider than the screen: %q", l)
		}
	}
}

// A held room keeps enter from moving past the step, says so in grey, and
// lets the learner go on once released.
func TestHoldKeepsEnterFromMovingOn(t *testing.T) {
	m := newTestModel(t, &fakeWorld{env: &steps.Env{}}, 80, 24)
	m.update(RoomMsg{Room: Room{HoldAt: 1, Message: "wait for the intro"}})
	press(t, m, "enter")
	requireContains(t, m, "1/11 Welcome", "held at step 1 by the instructor: wait for the intro")
	m.update(flashDoneMsg{gen: m.flashGen})
	requireContains(t, m, "⏸ held at step 1 by the instructor: wait for the intro", "enter held at 1")
	m.update(RoomMsg{Room: Room{}})
	press(t, m, "enter")
	requireContains(t, m, "2/11")
}

// Presenter mode opens each step on its title card, and never reveals a
// secret.
func TestPresenterPausesAndNeverReveals(t *testing.T) {
	m := newTestModel(t, &fakeWorld{env: &steps.Env{}}, 80, 24)
	m.common.Present = true
	press(t, m, "enter")
	requireContains(t, m, "STEP 2 OF 11", "The environment", "show the step")
	press(t, m, "v")
	if m.common.Reveal {
		t.Fatal("v revealed secrets in presenter mode")
	}
	press(t, m, "enter")
	if m.paused {
		t.Fatal("enter did not leave the title card")
	}
}

// The hold counts steps as the learner's screens number them: in the older
// tutorial, step 3 is its master secret.
func TestHoldCountsTheLearnersOwnSteps(t *testing.T) {
	m := newTestModel(t, failingWorld(), 80, 24)
	press(t, m, "down")
	press(t, m, "right") // the older tutorial
	m.update(RoomMsg{Room: Room{HoldAt: 3}})
	press(t, m, "enter")
	m.update(nextStepCmd(steps.Environment)())
	requireContains(t, m, "3/13 Store the master secret")
	m.update(nextStepCmd(steps.StoreMasterSecret)())
	requireContains(t, m, "3/13 Store the master secret", "held at step 3")
}
