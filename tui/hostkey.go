package tui

import (
	"context"
	"fmt"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
	"golang.org/x/crypto/ssh"

	"rotation-tutor/steps"
)

// hostKeyQuestionMsg asks the learner whether to trust a bastion that known_hosts does not
// list yet. reply gets the answer exactly once.
type hostKeyQuestionMsg struct {
	host, keyType, fingerprint, file string
	reply                            chan<- bool
}

func (a *asker) askHostKey(host string, key ssh.PublicKey, file string) bool {
	reply := make(chan bool, 1)
	if !a.put(hostKeyQuestionMsg{host: host, keyType: key.Type(), fingerprint: ssh.FingerprintSHA256(key), file: file, reply: reply}) {
		return false
	}
	select {
	case ok := <-reply:
		return ok
	case <-a.ctx.Done():
		return false
	}
}

// askingWorld is the world the walkthrough runs on: the same, except that a bastion missing
// from known_hosts is put to the learner instead of refused. A decision main already made
// (--trust-host-key) comes first; a changed key is refused by dbclient before any asking.
type askingWorld struct {
	steps.World
	asker *asker
}

func (w askingWorld) Start(ctx context.Context, progress func(string)) (*steps.Env, error) {
	env, err := w.World.Start(ctx, progress)
	if err != nil || env == nil {
		return env, err
	}
	given, file := env.SSH.OnUnknownHost, env.SSH.KnownHostsFile
	if file == "" {
		file = "~/.ssh/known_hosts"
	}
	env.SSH.OnUnknownHost = func(host string, key ssh.PublicKey) bool {
		if given != nil && given(host, key) {
			return true
		}
		return w.asker.askHostKey(host, key, file)
	}
	return env, nil
}

// hostKeyPopup is the question about an unknown bastion.
type hostKeyPopup struct {
	keys KeyMap
	q    hostKeyQuestionMsg
}

// key answers: y trusts, n (or esc) refuses, ctrl+c refuses and quits.
func (p *hostKeyPopup) key(msg tea.KeyPressMsg) (bool, tea.Cmd) {
	switch {
	case key.Matches(msg, p.keys.Yes):
		p.q.reply <- true // buffered: never blocks
		return true, flashCmd("trusted " + p.q.fingerprint + " and recorded it in " + p.q.file)
	case key.Matches(msg, p.keys.No):
		p.q.reply <- false
		return true, flashCmd("not trusted: the connection was refused")
	case msg.String() == "ctrl+c":
		p.q.reply <- false
		return true, tea.Quit
	}
	return false, nil
}

// view is the question, in place of the screen's body.
func (p *hostKeyPopup) view(st *Styles, width int) string {
	q := p.q
	return st.Warn.Render("Unknown bastion") + "\n\n" +
		wrap(fmt.Sprintf("%s is not in %s, so there is no way yet to tell it from an impostor.", q.host, q.file), width) + "\n\n" +
		st.Label.Render("It presents ") + q.keyType + " " + st.OK.Render(q.fingerprint) + "\n\n" +
		wrap("Compare that fingerprint with the instance's own (EC2 console: Actions → Monitor and troubleshoot → Get system log; "+
			"or ask the bastion's owner). Trust it only if they match: it will be recorded, and a different key refused from then on. "+
			"Take your time: nothing is waiting on a deadline while you decide.", width)
}

func (p *hostKeyPopup) ShortHelp() []key.Binding {
	return []key.Binding{with(p.keys.Yes, "y", "trust and record"), with(p.keys.No, "n", "refuse"), with(p.keys.Quit, "ctrl+c", "quit")}
}

func (p *hostKeyPopup) FullHelp() [][]key.Binding { return [][]key.Binding{p.ShortHelp()} }
