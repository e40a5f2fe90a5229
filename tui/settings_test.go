package tui

import (
	"bytes"
	"context"
	"io"
	"strings"
	"testing"

	tea "charm.land/bubbletea/v2"

	"rotation-tutor/internal/testenv"
	"rotation-tutor/steps"
)

func bastionQuestion(problem, refused string) steps.Question {
	return steps.Question{Name: "bastion", Explain: "The EC2 instance you reach the database through.",
		Example: "ec2-user@ec2-203-0-113-10.compute-1.amazonaws.com", Problem: problem, Refused: refused}
}

// A setting the world asks for replaces the screen's body with a field;
// what is typed goes back on enter, trimmed; the screen comes back.
func TestSettingFormAnswers(t *testing.T) {
	m := newTestModel(t, failingWorld(), 80, 24)
	reply := make(chan settingReply, 1)
	m.update(settingQuestionMsg{q: bastionQuestion("", ""), reply: reply}) // its command only blinks the cursor
	requireContains(t, m, "Real AWS needs your bastion", "e.g. ec2-user@ec2-203-0-113-10", "enter use this", "esc don't answer")
	if lines := strings.Count(view(m), "\n") + 1; lines > 24 {
		t.Fatalf("the form takes %d lines of 24", lines)
	}
	for _, r := range " ec2-user@bastion.example.com" {
		m.update(tea.KeyPressMsg{Code: r, Text: string(r)})
	}
	requireContains(t, m, "ec2-user@bastion.example.com")
	m.update(tea.KeyPressMsg{Code: 'q', Text: "q"}) // typed, not quit: the answer ends in q
	m.update(tea.KeyPressMsg{Code: tea.KeyEnter})
	if got := <-reply; got.declined || got.answer != "ec2-user@bastion.example.comq" {
		t.Fatalf("reply %+v", got)
	}
	requireContains(t, m, "1/11 Welcome")
}

// Asked again with a problem, the form says why and holds the refused answer to correct;
// esc declines.
func TestSettingFormShowsProblemAndDeclines(t *testing.T) {
	m := newTestModel(t, failingWorld(), 80, 24)
	reply := make(chan settingReply, 1)
	m.update(settingQuestionMsg{q: bastionQuestion(`bastion "x" has no user name`, "x"), reply: reply})
	requireContains(t, m, `bastion "x" has no user name`, "› x")
	m.update(tea.KeyPressMsg{Code: tea.KeyEscape})
	if got := <-reply; !got.declined {
		t.Fatalf("esc replied %+v, want declined", got)
	}
	if m.popup != nil {
		t.Fatal("the form stayed open")
	}
}

// askingAWSWorld stands for real-AWS mode with no bastion given: Start asks
// for it through whatever asker the walkthrough set.
type askingAWSWorld struct {
	ask    steps.Asker
	answer chan string
}

func (w *askingAWSWorld) SetAsker(a steps.Asker) { w.ask = a }

func (w *askingAWSWorld) Start(ctx context.Context, progress func(string)) (*steps.Env, error) {
	if w.ask == nil {
		return nil, steps.ErrNotAnswered
	}
	a, err := w.ask(ctx, bastionQuestion("", ""))
	if err != nil {
		return nil, err
	}
	w.answer <- a
	return &steps.Env{Kind: steps.KindAWS, Region: "eu-west-1"}, nil
}

func (w *askingAWSWorld) Close() error { return nil }

// Through Run, as main calls it: the world gets the walkthrough's asker, the
// question reaches the screen, and keys typed on the terminal answer it.
func TestRunAsksTheWorldsQuestionOnScreen(t *testing.T) {
	w := &askingAWSWorld{answer: make(chan string, 1)}
	keys, typing := io.Pipe()
	var out testenv.Buffer
	var summary bytes.Buffer
	done := make(chan error, 1)
	go func() {
		done <- Run(context.Background(), w, Options{Session: steps.Options{StateDir: t.TempDir()}, Mode: "real AWS", Input: keys,
			Output: &out, Summary: &summary, NoColor: true, Width: 80, Height: 24})
	}()
	out.WaitFor(t, "don't answer") // typed before the question shows, keys go to the screen below
	if _, err := io.WriteString(typing, "ec2-user@bastion.example.com\r"); err != nil {
		t.Fatal(err)
	}
	if got := <-w.answer; got != "ec2-user@bastion.example.com" {
		t.Fatalf("the world got %q", got)
	}
	if _, err := io.WriteString(typing, "q"); err != nil {
		t.Fatal(err)
	}
	if err := <-done; err != nil {
		t.Fatalf("Run: %v", err)
	}
	typing.Close()
	if !strings.Contains(summary.String(), "Run it again to resume") {
		t.Errorf("summary %q", summary.String())
	}
}
