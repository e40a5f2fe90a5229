package tui

import (
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/charmbracelet/x/ansi"
	"github.com/charmbracelet/x/exp/golden"

	"rotation-tutor/dbclient"
	"rotation-tutor/rotation"
	"rotation-tutor/rotation/probe"
	"rotation-tutor/steps"
)

// The fixtures below are fixed values, so the goldens hold only stable
// content. Regenerate with: go test ./tui -run Golden -update

func fixtureEnv() *steps.Env {
	return &steps.Env{
		Kind: steps.KindSandbox, Region: "us-east-1", SecretsEndpoint: "http://127.0.0.1:4566",
		SSH:    dbclient.SSHConfig{Addr: "127.0.0.1:2222", User: "ec2-user"},
		DBHost: "secretsmanagertutorial.sandbox.internal", DBPort: 3306, DBName: "tutorial", DBInstance: "secretsmanagertutorial",
		AdminSecretARN:    "arn:aws:secretsmanager:us-east-1:000000000000:secret:rds!db-1234-AbCdEf",
		RotationLambdaARN: "arn:aws:lambda:us-east-1:000000000000:function:tutorial-alternating-users-rotation",
	}
}

func fixtureLive() steps.Live {
	t0 := time.Date(2026, 11, 25, 10, 0, 0, 0, time.UTC)
	clients := make([]probe.ClientStats, 8)
	for i := range clients {
		clients[i] = probe.ClientStats{ID: i, User: "appuser_clone", Logins: 40 + i}
	}
	clients[3].Behind = 1
	return steps.Live{
		At: t0, TimeScale: 86400, Next: t0.Add(38*time.Hour + 42*time.Minute), LastRotated: t0.Add(-9*time.Hour - 18*time.Minute),
		Policy: probe.AgentTTL, CanPace: true,
		SecretName: "SecretsManagerTutorialAppuser", Exists: true, Enabled: true, Schedule: "rate(2 days), window 2h",
		Versions: []steps.VersionView{
			{ID: "c0ffee0011223344", Stages: []string{"AWSCURRENT", "AWSPENDING"}, Username: "appuser"},
			{ID: "b0ba0000aaaabbbb", Stages: []string{"AWSPREVIOUS"}, Username: "appuser_clone"},
		},
		Users: []steps.UserView{{Name: "appuser", Exists: true, Stage: "AWSCURRENT"}, {Name: "appuser_clone", Exists: true, Stage: "AWSPREVIOUS"}},
		Timeline: []steps.StepMark{
			{Token: "c0ffee0011223344", Step: "createSecret", Done: true, Took: 3200 * time.Microsecond},
			{Token: "c0ffee0011223344", Step: "setSecret", Done: true, Took: 11400 * time.Microsecond},
			{Token: "c0ffee0011223344", Step: "testSecret", Done: true, Took: 2100 * time.Microsecond},
			{Token: "c0ffee0011223344", Step: "finishSecret", Done: true, Took: 900 * time.Microsecond},
		},
		Rotations: []steps.Rotation{{From: "appuser", To: "appuser_clone", At: t0.Add(-57*time.Hour - 18*time.Minute)},
			{From: "appuser_clone", To: "appuser", At: t0.Add(-9*time.Hour - 18*time.Minute), Elsewhere: true}},
		Probe: &probe.Snapshot{Clients: clients, Logins: 348, Stale: 1},
	}
}

func fixtureSpark() []int {
	var xs []int
	for i := range 60 {
		xs = append(xs, 4+(i*7)%9)
	}
	return xs
}

func goldenEq(t *testing.T, s string) {
	t.Helper()
	golden.RequireEqual(t, []byte(ansi.Strip(s)))
}

func TestGoldenLive(t *testing.T) {
	for _, size := range [][2]int{{78, 21}, {198, 57}} {
		t.Run(fmt.Sprintf("%dx%d", size[0], size[1]), func(t *testing.T) {
			goldenEq(t, renderLive(NewStyles(true), liveView{live: fixtureLive(), have: true, strategy: rotation.AlternatingUsers,
				logins: fixtureSpark(), failures: make([]int, 60), explain: "A rotation is four calls."}, size[0], size[1]))
		})
	}
}

// Slow motion, mid-rotation: two steps done with what they did, setSecret
// held for space, and the clients still logging in, by user.
func TestGoldenSlowMotion(t *testing.T) {
	l := fixtureLive()
	tok := "d00d0000feedbeef"
	l.Versions = append([]steps.VersionView{{ID: tok, Stages: []string{"AWSPENDING"}, Username: "appuser_clone"}}, l.Versions...)
	l.Versions[1].Stages = []string{"AWSCURRENT"}
	l.Pace = rotation.PaceMode{ByKey: true}
	l.Held = &rotation.Held{Step: "testSecret", Token: tok}
	l.Timeline = []steps.StepMark{
		{Token: tok, Step: "createSecret", Done: true, Took: 3200 * time.Microsecond, Detail: "stored AWSPENDING for user appuser_clone"},
		{Token: tok, Step: "setSecret", Done: true, Took: 11400 * time.Microsecond, Detail: "set the password of appuser_clone"},
	}
	for _, size := range [][2]int{{78, 21}, {198, 57}} {
		t.Run(fmt.Sprintf("%dx%d", size[0], size[1]), func(t *testing.T) {
			goldenEq(t, renderLive(NewStyles(true), liveView{live: l, have: true, strategy: rotation.AlternatingUsers, rotating: true, spinner: "⠋",
				logins: fixtureSpark(), failures: make([]int, 60), explain: "A rotation is four calls."}, size[0], size[1]))
		})
	}
}

// Three quick rotations with a 300 s cache: the clients that still held the
// version from two rotations back failed, and the screen says why, which
// version each held, and the rule.
func TestGoldenFailuresExplained(t *testing.T) {
	l := fixtureLive()
	l.TimeScale, l.Next = 1, time.Time{}
	t0 := l.At
	l.Rotations = append(l.Rotations, steps.Rotation{From: "appuser", To: "appuser_clone", At: t0.Add(-400 * time.Millisecond)},
		steps.Rotation{From: "appuser_clone", To: "appuser", At: t0})
	for _, i := range []int{0, 2, 5} {
		c := &l.Probe.Clients[i]
		c.Failed, c.FailedWith, c.FailedUser, c.FailedBehind, c.FailedAt, c.Down = 1, "b0ba0000aaaabbbb", "appuser_clone", 2, t0, true
		c.LastErr = "Error 1045: Access denied"
	}
	l.Probe.Failed = 3
	n := explainFailures(l, rotation.AlternatingUsers)
	if n == nil || n.failed != 3 || n.others != 5 {
		t.Fatalf("note %+v", n)
	}
	goldenEq(t, renderFailNote(NewStyles(true), n, 78)+"\n"+renderRule(NewStyles(true), l, rotation.AlternatingUsers, 78))
}

func TestGoldenLegend(t *testing.T) {
	goldenEq(t, renderLegend(NewStyles(true), 78))
}

func TestGoldenVersions(t *testing.T) {
	goldenEq(t, renderVersions(NewStyles(true), fixtureLive().Versions, 78))
}

func TestGoldenUsers(t *testing.T) {
	goldenEq(t, renderUsers(NewStyles(true), fixtureLive().Users, 78))
}

func TestGoldenTimeline(t *testing.T) {
	goldenEq(t, renderTimeline(NewStyles(true), fixtureLive().Timeline, 78))
}

func TestGoldenClientsFailing(t *testing.T) {
	l := fixtureLive()
	l.Probe.Failed = 5
	l.Probe.Clients[2].Down = true
	goldenEq(t, renderClients(NewStyles(true), l, fixtureSpark(), fixtureSpark(), 78))
}

func TestGoldenDiagram(t *testing.T) {
	for _, w := range []int{78, 198} {
		t.Run(fmt.Sprint(w), func(t *testing.T) { goldenEq(t, renderDiagram(NewStyles(true), fixtureEnv(), w)) })
	}
}

func TestGoldenProblem(t *testing.T) {
	p := steps.Explain(&steps.Failure{Action: "open the SSH tunnel through 127.0.0.1:2222", Fix: "Check the bastion address and key.",
		Err: errors.New("connection refused")})
	goldenEq(t, renderProblem(NewStyles(true), p, "enter: try again · b: back", 78))
}

func TestGoldenResult(t *testing.T) {
	r := steps.Result{Summary: "appuser can log in and read tutorial", Took: 12 * time.Millisecond,
		Holds: true, Facts: []steps.Fact{{Label: "Password", Value: "s3cr3t", Secret: true}, {Label: "Grant", Value: "GRANT SELECT ON `tutorial`.* TO `appuser`@`%`"}},
		SQL: []string{"CREATE USER 'appuser'@'%' IDENTIFIED BY '…';", "GRANT SELECT ON `tutorial`.* TO 'appuser'@'%';"}}
	goldenEq(t, renderResult(NewStyles(true), r, false, false, 78))
}

func TestSparkline(t *testing.T) {
	if got := sparkline([]int{0, 1, 2, 4, 8}, 10); got != " ▁▂▄█" {
		t.Fatalf("sparkline = %q", got)
	}
	if got := sparkline([]int{1, 2, 3}, 2); len([]rune(got)) != 2 {
		t.Fatalf("sparkline did not keep the newest 2: %q", got)
	}
}

// A frame of the live screen, the busiest one (the commands by hand below
// it), at both sizes, as the screen draws it after each look: the clients'
// counters, the sparkline and the clock have moved since the last frame.
func benchmarkFrame(b *testing.B, w, h int) {
	m := newTestModel(&testing.T{}, &fakeWorld{env: fixtureEnv()}, w, h)
	if _, err := m.common.Session.Start(b.Context(), func(string) {}); err != nil {
		b.Fatal(err)
	}
	m.render() // sizes the body
	live := m.screens[steps.Index(steps.Watch)].(*liveScreen)
	l := fixtureLive()
	live.live, live.have, live.logins, live.failures = l, true, fixtureSpark(), fixtureSpark()
	m.cur = steps.Index(steps.Watch)
	b.ReportAllocs()
	for b.Loop() {
		l.At = l.At.Add(time.Second)
		l.Probe.Logins += 8
		l.Probe.Clients[l.Probe.Logins%8].Logins++
		live.live = l
		live.sample()
		_ = m.render()
	}
}

func BenchmarkFrame80x24(b *testing.B)  { benchmarkFrame(b, 80, 24) }
func BenchmarkFrame200x60(b *testing.B) { benchmarkFrame(b, 200, 60) }
