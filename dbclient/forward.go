package dbclient

import (
	"context"
	"net"
	"sync"
	"time"

	"rotation-tutor/internal/relay"
)

// Forward listens on listenAddr (e.g. "127.0.0.1:0") and sends every
// connection through the tunnel to remoteAddr, like `ssh -L`. Closing the
// listener stops new connections; Close on the tunnel ends everything.
func (t *Tunnel) Forward(ctx context.Context, listenAddr, remoteAddr string) (net.Listener, error) {
	var lc net.ListenConfig
	l, err := lc.Listen(ctx, "tcp", listenAddr)
	if err != nil {
		return nil, &Error{Hop: HopForward, What: "cannot listen on " + listenAddr,
			Fix: "Choose another local port (or :0 for any free one).", Err: err}
	}
	t.mu.Lock()
	if t.closed {
		t.mu.Unlock()
		l.Close()
		return nil, ErrTunnelClosed
	}
	t.forwards[l] = struct{}{}
	t.wg.Add(1)
	t.mu.Unlock()
	go t.acceptForward(l, remoteAddr)
	return l, nil
}

func (t *Tunnel) acceptForward(l net.Listener, remoteAddr string) {
	defer t.wg.Done()
	defer func() {
		t.mu.Lock()
		delete(t.forwards, l)
		t.mu.Unlock()
	}()
	for {
		local, err := l.Accept()
		if err != nil {
			return // the listener was closed
		}
		if !t.spawn(1) {
			local.Close()
			return
		}
		go t.serveForward(local, remoteAddr)
	}
}

// serveForward copies between one local connection and a channel, passing
// half-closes on, until both directions end or the tunnel closes.
func (t *Tunnel) serveForward(local net.Conn, remoteAddr string) {
	defer t.wg.Done()
	ctx, cancel := context.WithTimeout(t.life, defaultSSHTimeout)
	ch, _, err := t.openChannel(ctx, "tcp", remoteAddr)
	cancel()
	if err != nil {
		local.Close() // the local client sees the connection reset, as with ssh -L
		return
	}
	var once sync.Once
	closeAll := func() {
		once.Do(func() {
			local.Close()
			ch.Close()
		})
	}
	stop := context.AfterFunc(t.life, closeAll)
	defer stop()
	defer closeAll()
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		_, _ = relay.Copy(ch, local)
		closeWrite(ch)
	}()
	_, _ = relay.Copy(local, ch)
	closeWrite(local)
	// The remote side is done; give the local side a moment to finish
	// sending, then cut it (a client that never closes must not pin us).
	grace := time.AfterFunc(5*time.Second, closeAll)
	wg.Wait()
	grace.Stop()
}

func closeWrite(c net.Conn) {
	if cw, ok := c.(interface{ CloseWrite() error }); ok {
		_ = cw.CloseWrite()
	}
}
