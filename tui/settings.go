package tui

import (
	"context"
	"strings"

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

// settingForm is the open question and the field the answer is typed in.
type settingForm struct {
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

func (m *model) openSettingForm(msg settingQuestionMsg) tea.Cmd {
	if m.setting != nil { // one at a time; the world asks in sequence
		msg.reply <- settingReply{declined: true}
		return nil
	}
	in := textinput.New()
	in.Prompt = "› "
	in.SetValue(msg.q.Refused) // to correct, not retype
	in.SetWidth(max(m.common.contentWidth()-4, 10))
	cmd := in.Focus()
	m.setting = &settingForm{msg: msg, input: in}
	return cmd
}

// settingKey handles a key while the form is open: enter answers, esc
// declines, ctrl+c declines and quits; the rest is typing.
func (m *model) settingKey(msg tea.KeyPressMsg) tea.Cmd {
	f := m.setting
	switch msg.String() {
	case "enter":
		m.setting = nil
		f.msg.reply <- settingReply{answer: strings.TrimSpace(f.input.Value())} // buffered: never blocks
		return nil
	case "esc":
		m.setting = nil
		f.msg.reply <- settingReply{declined: true}
		return flashCmd("not answered: enter on the environment screen asks again")
	case "ctrl+c":
		m.setting = nil
		f.msg.reply <- settingReply{declined: true}
		return tea.Quit
	}
	var cmd tea.Cmd
	f.input, cmd = f.input.Update(msg)
	return cmd
}

// renderSettingForm is the question, in place of the screen's body.
func renderSettingForm(st *Styles, f *settingForm, width int) string {
	q := f.msg.q
	out := st.Warn.Render("Real AWS needs your "+q.Name) + "\n\n" +
		wrap(q.Explain, width) + "\n\n" +
		st.Label.Render("e.g. ") + st.Code.Render(q.Example) + "\n\n" +
		f.input.View()
	if q.Problem != "" {
		out += "\n\n" + st.Fail.Render(wrap(q.Problem, width))
	}
	return out + "\n\n" + st.Subtle.Render(wrap("Remembered for next time (no secrets) once the start succeeds.", width))
}
