package doctor

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"net"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"golang.org/x/crypto/ssh"
	"golang.org/x/crypto/ssh/knownhosts"

	"rotation-tutor/dbclient"
)

// hostKeyProbe is what one SSH key exchange with the bastion showed. The
// doctor makes its own handshake for this, with no credentials, so that the
// host key is judged on its own and the presented key can be shown even when
// it is refused.
type hostKeyProbe struct {
	presented ssh.PublicKey
	accepted  bool                 // known_hosts lists the presented key
	keyErr    *knownhosts.KeyError // unknown host (Want empty) or changed key
	noFile    bool                 // the known_hosts file does not exist
	err       error                // the handshake failed before the host key was judged
}

var errNoKnownHosts = errors.New("no known_hosts file")

// knownHostsFile is the file the bastion's key is checked against.
func knownHostsFile(configured string) string {
	if configured != "" {
		return configured
	}
	home, err := os.UserHomeDir()
	if err != nil {
		return filepath.Join(".ssh", "known_hosts")
	}
	return filepath.Join(home, ".ssh", "known_hosts")
}

func probeHostKey(ctx context.Context, addr, user, file string) (hostKeyProbe, error) {
	check, err := knownhosts.New(file)
	noFile := errors.Is(err, fs.ErrNotExist)
	if err != nil && !noFile {
		return hostKeyProbe{}, fmt.Errorf("read %s: %w", file, err)
	}
	p, restricted, err := handshakeOnce(ctx, addr, user, check, true)
	if err != nil {
		return p, err
	}
	// The key types known_hosts holds were offered exclusively (see
	// knownAlgorithms); a bastion that now has none of them was rebuilt with
	// other keys. Look again with every type to show what it presents.
	if restricted && p.err != nil && strings.Contains(p.err.Error(), "no common algorithm for host key") {
		p, _, err = handshakeOnce(ctx, addr, user, check, false)
	}
	p.noFile = noFile
	return p, err
}

// handshakeOnce dials and runs the SSH handshake up to authentication with no
// method, so it ends at "unable to authenticate" once the host key passed.
func handshakeOnce(ctx context.Context, addr, user string, check ssh.HostKeyCallback, restrict bool) (hostKeyProbe, bool, error) {
	conn, err := (&net.Dialer{}).DialContext(ctx, "tcp", addr)
	if err != nil {
		return hostKeyProbe{}, false, err
	}
	defer conn.Close()

	var mu sync.Mutex // the callback runs on the handshake's own goroutine
	var p hostKeyProbe
	cfg := &ssh.ClientConfig{
		User: user,
		HostKeyCallback: func(host string, remote net.Addr, key ssh.PublicKey) error {
			mu.Lock()
			defer mu.Unlock()
			p.presented = key
			if check == nil {
				return errNoKnownHosts
			}
			err := check(host, remote, key)
			var ke *knownhosts.KeyError
			if errors.As(err, &ke) {
				p.keyErr = ke
			}
			p.accepted = err == nil
			return err
		},
	}
	restricted := false
	if restrict && check != nil {
		cfg.HostKeyAlgorithms = dbclient.KnownHostKeyAlgorithms(check, addr, conn.RemoteAddr())
		restricted = len(cfg.HostKeyAlgorithms) > 0
	}

	// ClientConfig.Timeout covers only the TCP connect: bound the handshake
	// by the context, or a port that accepts and stays silent blocks forever.
	if dl, ok := ctx.Deadline(); ok {
		_ = conn.SetDeadline(dl)
	}
	stop := context.AfterFunc(ctx, func() { _ = conn.SetDeadline(time.Unix(1, 0)) })
	c, chans, reqs, herr := ssh.NewClientConn(conn, addr, cfg)
	stop()
	if herr == nil {
		// The bastion let us in with no credentials at all; the key passed.
		_ = ssh.NewClient(c, chans, reqs).Close()
	}

	mu.Lock()
	defer mu.Unlock()
	// Once the key was judged, the handshake ending at authentication (or
	// anything after) says nothing more about it; before that, it is the
	// reason the key could not be judged.
	if !p.accepted && p.keyErr == nil && (p.presented == nil || check != nil) {
		p.err = herr
	}
	return p, restricted, nil
}

func describeKey(k ssh.PublicKey) string {
	return k.Type() + " " + ssh.FingerprintSHA256(k)
}
