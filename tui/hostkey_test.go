package tui

import (
	"context"
	"os"
	"strings"
	"testing"

	tea "charm.land/bubbletea/v2"

	"rotation-tutor/internal/testworld"
	"rotation-tutor/rotation"
	"rotation-tutor/steps"
)

// The question replaces the screen until answered: y trusts, n refuses, and the answer
// reaches the waiting handshake exactly once.
func TestHostKeyQuestionIsAnsweredByTheLearner(t *testing.T) {
	for _, tc := range []struct {
		key   string
		trust bool
	}{{"y", true}, {"n", false}} {
		m := newTestModel(t, failingWorld(), 80, 24)
		reply := make(chan bool, 1)
		m.update(hostKeyQuestionMsg{host: "[203.0.113.10]:22", keyType: "ssh-ed25519", fingerprint: "SHA256:abcdef", file: "/home/me/.ssh/known_hosts", reply: reply})
		requireContains(t, m, "Unknown bastion", "SHA256:abcdef", "y trust and record")
		press(t, m, "q") // other keys wait for the answer: q does not quit here
		if m.popup == nil {
			t.Fatal("a key other than y or n dismissed the question")
		}
		press(t, m, tc.key)
		if got := <-reply; got != tc.trust {
			t.Fatalf("%s answered %v, want %v", tc.key, got, tc.trust)
		}
		if strings.Contains(view(m), "Unknown bastion") {
			t.Fatalf("the question stays on screen after %s", tc.key)
		}
	}
}

// Against a real bastion that known_hosts does not list: the connect step asks, and the
// answer decides — trusted, the key is recorded and the step succeeds; refused, the step
// fails on the host-key hop and nothing is recorded.
func TestConnectAsksAboutAnUnknownBastion(t *testing.T) {
	for _, trust := range []bool{true, false} {
		learner := &asker{ctx: context.Background()}
		var asked hostKeyQuestionMsg
		learner.setSend(func(msg tea.Msg) {
			asked = msg.(hostKeyQuestionMsg)
			asked.reply <- trust
		})
		w := askingWorld{World: forgetHosts{testworld.New(t)}, asker: learner}
		s, err := steps.NewSession(w, steps.Options{StateDir: t.TempDir()}, false)
		if err != nil {
			t.Fatal(err)
		}
		env, err := s.Start(context.Background(), nil)
		if err != nil {
			t.Fatal(err)
		}
		st, _ := steps.ByID(steps.Connect)
		_, err = st.Run(context.Background(), s)
		known, _ := os.ReadFile(env.SSH.KnownHostsFile)
		switch {
		case asked.fingerprint == "":
			t.Fatal("the learner was never asked")
		case trust && (err != nil || !strings.Contains(string(known), "ssh-ed25519")):
			t.Fatalf("trusted: connect %v, known_hosts %q", err, known)
		case !trust && (err == nil || len(known) != 0):
			t.Fatalf("refused: connect %v, known_hosts %q", err, known)
		}
		s.Close()
	}
}

// forgetHosts empties the world's known_hosts, as on a first connection to a real bastion.
type forgetHosts struct{ steps.World }

func (w forgetHosts) Start(ctx context.Context, progress func(string)) (*steps.Env, error) {
	env, err := w.World.Start(ctx, progress)
	if err == nil {
		err = os.WriteFile(env.SSH.KnownHostsFile, nil, 0o600)
	}
	return env, err
}

// In a real account the older tutorial's clean-up also deletes its instance: the question
// names it, and the secrets, before anything is deleted.
func TestOlderCleanupInARealAccountNamesTheInstance(t *testing.T) {
	m := newTestModel(t, &fakeWorld{env: &steps.Env{Kind: steps.KindAWS, DBInstance: "mytestdatabaseinstance", DBHost: "mytestdatabaseinstance.abc.eu-west-1.rds.amazonaws.com"}}, 80, 24)
	m.common.Session.SetChoices(steps.Choices{Strategy: rotation.AlternatingUsers, Flavour: steps.FlavourClassic})
	settle(t, m, m.Init())
	settle(t, m, m.go_(steps.Index(steps.CleanUp)))
	press(t, m, "enter")
	requireContains(t, m, "Delete in your AWS account?", "MyTestDatabaseUserSecret", "MyTestDatabaseMasterSecret", "7-day recovery window",
		"deletes the DB instance", "no final snapshot")
	press(t, m, "n")
	if strings.Contains(view(m), "Delete in your AWS account?") {
		t.Fatal("n must close the question and delete nothing")
	}
}

// In a real account the clean-up names what it will delete and waits for y; any other key
// deletes nothing.
func TestCleanupInARealAccountAsksFirst(t *testing.T) {
	m := newTestModel(t, &fakeWorld{env: &steps.Env{Kind: steps.KindAWS, DBHost: "secretsmanagertutorial.abc.eu-west-1.rds.amazonaws.com"}}, 80, 24)
	settle(t, m, m.Init())
	settle(t, m, m.go_(steps.Index(steps.CleanUp)))
	cleanup := m.screens[m.cur].(*cleanupScreen)

	press(t, m, "enter")
	requireContains(t, m, "Delete in your AWS account?", steps.DefaultSecretName, "7-day recovery window", "rds.amazonaws.com")
	press(t, m, "n")
	if cleanup.state != stateIdle || strings.Contains(view(m), "Delete in your AWS account?") {
		t.Fatalf("n must cancel and delete nothing (state %v)", cleanup.state)
	}

	press(t, m, "enter")
	yes := m.update(tea.KeyPressMsg{Code: 'y', Text: "y"})
	m.update(yes()) // not settled: the fake world has no account behind it
	if cleanup.state != stateRunning {
		t.Fatalf("y must run the clean-up (state %v)", cleanup.state)
	}
}
