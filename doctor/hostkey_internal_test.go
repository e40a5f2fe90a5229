package doctor

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"crypto/rsa"
	"net"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"golang.org/x/crypto/ssh"
	"golang.org/x/crypto/ssh/knownhosts"
)

// sshServer is a minimal SSH server on a loopback socket: it presents the
// given host keys and rejects every login, which is all a host key probe
// needs to meet.
func sshServer(t *testing.T, keys ...ssh.Signer) string {
	t.Helper()
	cfg := &ssh.ServerConfig{
		PublicKeyCallback: func(ssh.ConnMetadata, ssh.PublicKey) (*ssh.Permissions, error) {
			return nil, os.ErrPermission
		},
	}
	for _, k := range keys {
		cfg.AddHostKey(k)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	t.Cleanup(func() { ln.Close(); wg.Wait() })
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			wg.Add(1)
			go func() {
				defer wg.Done()
				defer c.Close()
				_ = c.SetDeadline(time.Now().Add(10 * time.Second))
				_, _, _, _ = ssh.NewServerConn(c, cfg)
			}()
		}
	}()
	return ln.Addr().String()
}

func ed25519Signer(t *testing.T) ssh.Signer {
	t.Helper()
	_, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	s, err := ssh.NewSignerFromKey(priv)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func rsaSigner(t *testing.T) ssh.Signer {
	t.Helper()
	priv, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	s, err := ssh.NewSignerFromKey(priv)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func knownHostsWith(t *testing.T, addr string, keys ...ssh.PublicKey) string {
	t.Helper()
	var data []byte
	for _, k := range keys {
		data = append(data, knownhosts.Line([]string{addr}, k)+"\n"...)
	}
	p := filepath.Join(t.TempDir(), "known_hosts")
	if err := os.WriteFile(p, data, 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

func probe(t *testing.T, addr, file string) hostKeyProbe {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	p, err := probeHostKey(ctx, addr, "ec2-user", file)
	if err != nil {
		t.Fatalf("probeHostKey: %v", err)
	}
	return p
}

func TestProbeHostKey(t *testing.T) {
	host := ed25519Signer(t)
	addr := sshServer(t, host)

	t.Run("known", func(t *testing.T) {
		p := probe(t, addr, knownHostsWith(t, addr, host.PublicKey()))
		if !p.accepted || p.keyErr != nil || p.err != nil {
			t.Errorf("probe = %+v, want accepted", p)
		}
	})
	t.Run("changed", func(t *testing.T) {
		old := ed25519Signer(t).PublicKey()
		file := knownHostsWith(t, addr, old)
		p := probe(t, addr, file)
		if p.keyErr == nil || len(p.keyErr.Want) != 1 || p.keyErr.Want[0].Line != 1 || p.keyErr.Want[0].Filename != file {
			t.Fatalf("probe = %+v, want a mismatch naming %s:1", p, file)
		}
		if ssh.FingerprintSHA256(p.presented) != ssh.FingerprintSHA256(host.PublicKey()) {
			t.Errorf("presented key is not the server's")
		}
	})
	t.Run("unknown", func(t *testing.T) {
		p := probe(t, addr, knownHostsWith(t, addr))
		if p.keyErr == nil || len(p.keyErr.Want) != 0 || p.presented == nil {
			t.Errorf("probe = %+v, want unknown with the presented key", p)
		}
	})
	t.Run("no known_hosts file", func(t *testing.T) {
		p := probe(t, addr, filepath.Join(t.TempDir(), "absent"))
		if !p.noFile || p.presented == nil || p.accepted {
			t.Errorf("probe = %+v, want noFile with the presented key", p)
		}
	})
}

// TestProbeHostKeyAlgorithms covers the negotiation pitfall: a server with
// RSA and ed25519 keys, known_hosts holding only ed25519 (as OpenSSH writes
// it), must be accepted; a rebuilt server offering only another key type
// must be reported as changed, with the old line.
func TestProbeHostKeyAlgorithms(t *testing.T) {
	ed, rs := ed25519Signer(t), rsaSigner(t)
	both := sshServer(t, rs, ed)
	if p := probe(t, both, knownHostsWith(t, both, ed.PublicKey())); !p.accepted {
		t.Errorf("ed25519 known, server has RSA too: %+v, want accepted", p)
	}

	rsaOnly := sshServer(t, rs)
	file := knownHostsWith(t, rsaOnly, ed25519Signer(t).PublicKey())
	p := probe(t, rsaOnly, file)
	if p.keyErr == nil || len(p.keyErr.Want) == 0 || p.presented == nil || p.presented.Type() != ssh.KeyAlgoRSA {
		t.Errorf("rebuilt with another key type: %+v, want a mismatch showing the RSA key", p)
	}
}

func TestProbeSilentPort(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	done := make(chan struct{})
	defer close(done)
	go func() {
		c, err := ln.Accept()
		if err == nil {
			<-done // accept and say nothing, like a proxy that swallows the banner
			c.Close()
		}
	}()
	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	p, err := probeHostKey(ctx, ln.Addr().String(), "ec2-user", knownHostsWith(t, ln.Addr().String()))
	if err != nil {
		t.Fatalf("probeHostKey: %v", err)
	}
	if p.err == nil || p.accepted {
		t.Errorf("probe = %+v, want a handshake error", p)
	}
}
