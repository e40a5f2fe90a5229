package bastion

import (
	"net"
	"os"
	"path/filepath"
	"time"

	"golang.org/x/crypto/ssh"

	"rotation-tutor/internal/atomicfile"
)

// Policy is what the bastion's surroundings decide, asked at each connection and each
// forward, so that a change (the troubleshooting lab's) applies at once: whether its security
// group lets a client in, whether sshd allows forwarding, whether a key was taken out of
// authorized_keys, and whether the database's security group lets the bastion in.
type Policy interface {
	// AdmitsClient says whether the bastion's security group lets remote in on port 22. A
	// client it does not is never answered, as a dropped connection is not.
	AdmitsClient(remote net.Addr) bool
	// ForwardingAllowed is sshd_config's AllowTcpForwarding.
	ForwardingAllowed() bool
	// KeyRevoked says a key (by SHA256 fingerprint) was taken out of authorized_keys.
	KeyRevoked(fingerprint string) bool
	// Reaches says whether the bastion's connections to an internal address get through.
	Reaches(dest string) bool
}

// silence holds a client the security group drops: nothing is sent, and the client gives up
// when its own timeout ends (at most the login grace time).
func (b *Bastion) silence(c net.Conn) {
	_ = c.SetReadDeadline(time.Now().Add(loginGraceTime))
	buf := make([]byte, 512)
	for {
		if _, err := c.Read(buf); err != nil {
			return
		}
	}
}

// hostKeyNow is the host key in the state directory, read again when the file changed: a
// bastion rebuilt with a new key presents it to the next client.
func (b *Bastion) hostKeyNow() *ssh.ServerConfig {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.o.StateDir == "" {
		return b.cfg
	}
	fi, err := os.Stat(filepath.Join(b.o.StateDir, HostKeyFile))
	if err != nil || fi.ModTime().Equal(b.keyMod) {
		return b.cfg
	}
	key, err := loadOrCreateHostKey(b.o.StateDir)
	if err != nil {
		return b.cfg
	}
	b.keyMod, b.hostKey = fi.ModTime(), key
	cfg := &ssh.ServerConfig{ServerVersion: b.cfg.ServerVersion, PublicKeyCallback: b.cfg.PublicKeyCallback}
	cfg.AddHostKey(key)
	b.cfg = cfg
	return cfg
}

// RotateHostKey gives the bastion a new host key, as rebuilding the instance would: clients
// that trusted the old one see it changed.
func RotateHostKey(stateDir string) error {
	_, pemBytes, err := newKey("rotation-tutor sandbox bastion")
	if err != nil {
		return err
	}
	return atomicfile.Write(filepath.Join(stateDir, HostKeyFile), pemBytes)
}
