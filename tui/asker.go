package tui

import (
	"context"
	"sync"

	tea "charm.land/bubbletea/v2"
)

// asker connects calls that need the learner's answer and run inside a
// command's goroutine (the SSH handshake's OnUnknownHost, the real-AWS
// world asking for its bastion) to the running program: it sends the
// question as a message and the caller waits for the reply, or for the
// walkthrough to end.
type asker struct {
	ctx  context.Context
	mu   sync.Mutex
	send func(tea.Msg) // the program's Send, once it exists
}

func (a *asker) setSend(send func(tea.Msg)) {
	a.mu.Lock()
	a.send = send
	a.mu.Unlock()
}

// put sends msg to the program; false when there is no program yet.
func (a *asker) put(msg tea.Msg) bool {
	a.mu.Lock()
	send := a.send
	a.mu.Unlock()
	if send == nil {
		return false
	}
	send(msg)
	return true
}
