package dbclient

import (
	"fmt"
	"net"
	"os"
	"path/filepath"
	"time"

	"golang.org/x/crypto/ssh"
	"golang.org/x/crypto/ssh/agent"
)

// SSHConfig says how to reach and trust a bastion.
type SSHConfig struct {
	Addr, User string // bastion host:port (":22" may be left out) and login

	// KeyFile is the private key (OpenSSH or PEM format). When empty, the
	// keys of the ssh-agent at $SSH_AUTH_SOCK are used.
	KeyFile    string
	Passphrase []byte // for an encrypted KeyFile

	// KnownHostsFile is checked for the bastion's host key;
	// ~/.ssh/known_hosts when empty.
	KnownHostsFile string
	// OnUnknownHost decides about a host known_hosts does not list (trust on
	// first use): true trusts key and appends it to KnownHostsFile. Nil
	// refuses. A host whose key changed is always refused.
	OnUnknownHost func(host string, key ssh.PublicKey) bool

	// Timeout bounds TCP connect plus SSH handshake and login; 15 s when 0.
	Timeout time.Duration
	// KeepAlive is how often the link is checked (and how long an answer may
	// take); 30 s when 0, off when negative.
	KeepAlive time.Duration
}

const (
	defaultSSHTimeout = 15 * time.Second
	defaultKeepAlive  = 30 * time.Second
)

func (c SSHConfig) addr() string {
	if _, _, err := net.SplitHostPort(c.Addr); err != nil {
		return net.JoinHostPort(c.Addr, "22")
	}
	return c.Addr
}

func (c SSHConfig) knownHostsFile() string {
	if c.KnownHostsFile != "" {
		return c.KnownHostsFile
	}
	home, err := os.UserHomeDir()
	if err != nil {
		return filepath.Join(".ssh", "known_hosts")
	}
	return filepath.Join(home, ".ssh", "known_hosts")
}

// keyAuth is how the tunnel logs in: a key decrypted once (decrypting an
// OpenSSH key costs ~115 ms of bcrypt, too much for every reconnect), or an
// agent whose socket stays open for the tunnel's life.
type keyAuth struct {
	method ssh.AuthMethod
	agent  net.Conn // nil for a key file
}

func loadAuth(c SSHConfig) (*keyAuth, error) {
	if c.KeyFile == "" {
		sock := os.Getenv("SSH_AUTH_SOCK")
		if sock == "" {
			return nil, &Error{Hop: HopSSHKey, What: "no key file given and no ssh-agent running (SSH_AUTH_SOCK is empty)",
				Fix: "Choose the private key file of the bastion's key pair, or start ssh-agent and ssh-add the key."}
		}
		conn, err := net.Dial("unix", sock)
		if err != nil {
			return nil, &Error{Hop: HopSSHKey, What: "cannot reach ssh-agent at $SSH_AUTH_SOCK",
				Fix: "Start ssh-agent (eval $(ssh-agent)) and ssh-add the key, or choose a key file.", Err: err}
		}
		return &keyAuth{method: ssh.PublicKeysCallback(agent.NewClient(conn).Signers), agent: conn}, nil
	}
	pemBytes, err := os.ReadFile(c.KeyFile)
	if err != nil {
		return nil, &Error{Hop: HopSSHKey, What: "cannot read the private key file " + c.KeyFile,
			Fix: "Check the path; it is the .pem file downloaded when the key pair was created.", Err: err}
	}
	signer, err := ssh.ParsePrivateKey(pemBytes)
	if _, ok := err.(*ssh.PassphraseMissingError); ok && len(c.Passphrase) > 0 {
		signer, err = ssh.ParsePrivateKeyWithPassphrase(pemBytes, c.Passphrase)
	}
	if err != nil {
		if ce := classifyKey(err); ce != nil {
			return nil, ce
		}
		return nil, &Error{Hop: HopSSHKey, What: "cannot parse the private key file " + c.KeyFile,
			Fix: "Give the private key (OpenSSH or PEM format), not the .pub file.", Err: err}
	}
	return &keyAuth{method: ssh.PublicKeys(signer)}, nil
}

func (a *keyAuth) close() {
	if a != nil && a.agent != nil {
		a.agent.Close()
	}
}

// describeKey is for messages: which key was offered.
func describeKey(c SSHConfig) string {
	if c.KeyFile == "" {
		return "the ssh-agent's keys"
	}
	return fmt.Sprintf("key %s", c.KeyFile)
}
