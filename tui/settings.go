package tui

import (
	"context"
	"strings"

	"charm.land/bubbles/v2/key"
	"charm.land/bubbles/v2/textinput"
	tea "charm.land/bubbletea/v2"

	"rotation-tutor/steps"
)

// settingQuestionMsg asks the learner for a setting the world could not find
// (real AWS: the bastion, the key). reply gets the answer exactly once.
type settingQuestionMsg struct {
	q     steps.Question
	reply chan<- settingReply
}

type settingReply struct {
	answer   string
	declined bool
}

// settingPopup is the open question and the field the answer is typed in.
type settingPopup struct {
	keys  KeyMap
	msg   settingQuestionMsg
	input textinput.Model
}

// askSetting is the world's steps.Asker: it puts q to the learner and waits.
func (a *asker) askSetting(ctx context.Context, q steps.Question) (string, error) {
	reply := make(chan settingReply, 1)
	if !a.put(settingQuestionMsg{q: q, reply: reply}) {
		return "", steps.ErrNotAnswered
	}
	select {
	case r := <-reply:
		if r.declined {
			return "", steps.ErrNotAnswered
		}
		return r.answer, nil
	case <-ctx.Done():
		return "", ctx.Err()
	case <-a.ctx.Done():
		return "", steps.ErrNotAnswered
	}
}

// newSettingPopup opens the field for a question.
func newSettingPopup(keys KeyMap, msg settingQuestionMsg, width int) (*settingPopup, tea.Cmd) {
	in := textinput.New()
	in.Prompt = "› "
	in.SetValue(msg.q.Refused) // to correct, not retype
	in.SetWidth(max(width-4, 10))
	cmd := in.Focus()
	return &settingPopup{keys: keys, msg: msg, input: in}, cmd
}

// key handles a key while the form is open: enter answers, esc declines,
// ctrl+c declines and quits; the rest is typing.
func (p *settingPopup) key(msg tea.KeyPressMsg) (bool, tea.Cmd) {
	switch msg.String() {
	case "enter":
		p.msg.reply <- settingReply{answer: strings.TrimSpace(p.input.Value())} // buffered: never blocks
		return true, nil
	case "esc":
		p.msg.reply <- settingReply{declined: true}
		return true, flashCmd("not answered: enter on the environment screen asks again")
	case "ctrl+c":
		p.msg.reply <- settingReply{declined: true}
		return true, tea.Quit
	}
	var cmd tea.Cmd
	p.input, cmd = p.input.Update(msg)
	return false, cmd
}

// view is the question, in place of the screen's body.
func (p *settingPopup) view(st *Styles, width int) string {
	q := p.msg.q
	out := st.Warn.Render("Real AWS needs your "+q.Name) + "\n\n" +
		wrap(q.Explain, width) + "\n\n" +
		st.Label.Render("e.g. ") + st.Code.Render(q.Example) + "\n\n" +
		p.input.View()
	if q.Problem != "" {
		out += "\n\n" + st.Fail.Render(wrap(q.Problem, width))
	}
	return out + "\n\n" + st.Subtle.Render(wrap("Remembered for next time, for this profile, region and endpoint (no secrets), once the start succeeds.", width))
}

func (p *settingPopup) ShortHelp() []key.Binding {
	return []key.Binding{with(p.keys.Enter, "enter", "use this"), key.NewBinding(key.WithKeys("esc"), key.WithHelp("esc", "don't answer")),
		with(p.keys.Quit, "ctrl+c", "quit")}
}

func (p *settingPopup) FullHelp() [][]key.Binding { return [][]key.Binding{p.ShortHelp()} }
