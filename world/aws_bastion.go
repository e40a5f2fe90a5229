package world

import (
	"errors"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

// ParseBastion splits --bastion user@host[:port] into the SSH user and the
// host:port to dial (port 22 when none is given). IPv6 hosts go in brackets:
// ec2-user@[2001:db8::1]:2222.
func ParseBastion(s string) (user, addr string, err error) {
	const usage = "use --bastion user@host[:port], e.g. ec2-user@203.0.113.10 or ec2-user@bastion.example.com:2222"
	s = strings.TrimSpace(s)
	if s == "" {
		return "", "", errors.New("no bastion given: " + usage)
	}
	at := strings.LastIndex(s, "@")
	if at <= 0 {
		return "", "", fmt.Errorf("bastion %q has no user name (ec2-user on Amazon Linux, ubuntu on Ubuntu): %s", s, usage)
	}
	user, hostport := s[:at], s[at+1:]
	if strings.ContainsAny(user, " \t:/") {
		return "", "", fmt.Errorf("bastion user %q is not a valid user name: %s", user, usage)
	}
	if hostport == "" {
		return "", "", fmt.Errorf("bastion %q has no host after the @: %s", s, usage)
	}
	host, port := hostport, "22"
	if h, p, err := net.SplitHostPort(hostport); err == nil {
		host, port = h, p
	} else if strings.HasPrefix(hostport, "[") && strings.HasSuffix(hostport, "]") {
		host = hostport[1 : len(hostport)-1]
	} else if strings.Count(hostport, ":") > 1 {
		// A bare IPv6 address: its colons are not a port separator.
		host = hostport
	} else if strings.Contains(hostport, ":") {
		return "", "", fmt.Errorf("bastion %q: %v: %s", s, err, usage)
	}
	if host == "" || strings.ContainsAny(host, " \t/@") {
		return "", "", fmt.Errorf("bastion host %q is not a host name or address: %s", host, usage)
	}
	if n, err := strconv.Atoi(port); err != nil || n < 1 || n > 65535 {
		return "", "", fmt.Errorf("bastion port %q is not a port number (1-65535): %s", port, usage)
	}
	return user, net.JoinHostPort(host, port), nil
}

// resolveKey checks the SSH credentials: a readable key file (with ~
// expanded), or else a running ssh-agent.
func resolveKey(keyFile string) (string, error) {
	if keyFile == "" {
		if os.Getenv("SSH_AUTH_SOCK") == "" {
			return "", errors.New("no SSH key: give --key FILE (the bastion's key pair, e.g. ~/.ssh/tutorial.pem), " +
				"or start ssh-agent and add the key with ssh-add")
		}
		return "", nil // the tunnel uses the agent
	}
	path, err := expandHome(keyFile)
	if err != nil {
		return "", err
	}
	f, err := os.Open(path)
	if err != nil {
		return "", fmt.Errorf("SSH key %s cannot be read: %w; check the path given with --key", path, err)
	}
	_ = f.Close()
	return path, nil
}

func expandHome(p string) (string, error) {
	if p != "~" && !strings.HasPrefix(p, "~/") {
		return p, nil
	}
	home, err := os.UserHomeDir()
	if err != nil {
		return "", fmt.Errorf("expand %s: %w", p, err)
	}
	return filepath.Join(home, strings.TrimPrefix(p, "~")), nil
}

// knownHosts is the known_hosts file host keys are checked against.
func knownHosts(configured string) (string, error) {
	if configured != "" {
		return expandHome(configured)
	}
	home, err := os.UserHomeDir()
	if err != nil {
		return "", fmt.Errorf("find ~/.ssh/known_hosts: %w; give the file with --known-hosts", err)
	}
	return filepath.Join(home, ".ssh", "known_hosts"), nil
}
