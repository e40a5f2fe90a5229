package doctor

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"strconv"
	"strings"
	"syscall"

	"golang.org/x/crypto/ssh"
	"golang.org/x/crypto/ssh/knownhosts"

	"rotation-tutor/dbclient"
)

func checkBastionTCP(ctx context.Context, s *state) outcome {
	if s.t.SSH.Addr == "" {
		s.bastionUp, s.hostKeyOK = true, true
		s.dial = (&net.Dialer{}).DialContext
		return skip("no bastion configured: the database is dialled directly")
	}
	conn, err := (&net.Dialer{}).DialContext(ctx, "tcp", s.t.SSH.Addr)
	if err != nil {
		s.netBlock = "the bastion is not reachable"
		return fail("bastion "+s.t.SSH.Addr+": "+err.Error(), tcpFix(err))
	}
	defer conn.Close()
	remote := conn.RemoteAddr().String()
	where := s.t.SSH.Addr
	if remote != where {
		where += " (" + remote + ")"
	}
	// An SSH server speaks first (RFC 4253 §4.2). A security group that drops
	// the traffic shows as a connect that times out, or, behind something that
	// completes TCP for it, as a connection on which nothing ever answers:
	// either way the bastion is not reached, whatever the key exchange would say.
	banner, err := readBanner(ctx, conn)
	switch {
	case err != nil && banner == "":
		s.netBlock = "the bastion does not answer"
		return fail("bastion "+where+" accepted the connection but sent nothing: "+err.Error(), fixBastionSilent)
	case !strings.HasPrefix(banner, "SSH-"):
		s.netBlock = "what answers at the bastion's address is not an SSH server"
		if len(banner) > 60 {
			banner = banner[:60] + "…"
		}
		return fail(fmt.Sprintf("bastion %s answered %q, not an SSH server's greeting", where, banner), fixNotSSH)
	}
	s.bastionUp = true
	return pass("bastion " + where + " answers as " + banner)
}

// readBanner reads the server's identification line: the first line that
// starts with "SSH-" (a server may send other lines before it, RFC 4253 §4.2),
// or else the first line it sent; as far as 255 bytes a line and until ctx ends.
func readBanner(ctx context.Context, conn net.Conn) (string, error) {
	if d, ok := ctx.Deadline(); ok {
		_ = conn.SetReadDeadline(d)
	}
	r := bufio.NewReaderSize(io.LimitReader(conn, 8*255), 255)
	first := ""
	for {
		line, err := r.ReadSlice('\n')
		l := strings.TrimRight(string(line), "\r\n")
		if strings.HasPrefix(l, "SSH-") {
			return l, nil
		}
		if first == "" {
			first = l
		}
		if err != nil {
			return first, err
		}
	}
}

func isTimeout(err error) bool {
	var ne net.Error
	return errors.Is(err, context.DeadlineExceeded) || errors.As(err, &ne) && ne.Timeout()
}

// tcpFix chooses the advice for a failed TCP connect.
func tcpFix(err error) string {
	var dns *net.DNSError
	var ne net.Error
	switch {
	case errors.Is(err, syscall.ECONNREFUSED):
		return fixBastionRefused
	case errors.As(err, &dns):
		return fixBastionDNS
	case errors.Is(err, context.DeadlineExceeded), errors.As(err, &ne) && ne.Timeout():
		return fixBastionTimeout
	}
	return fixBastionTimeout
}

func checkHostKey(ctx context.Context, s *state) outcome {
	if s.t.SSH.Addr == "" {
		return skip("no bastion configured")
	}
	if !s.bastionUp {
		return skip(s.netBlock)
	}
	s.netBlock = "the bastion's host key was not verified"
	file := knownHostsFile(s.t.SSH.KnownHostsFile)
	p, err := probeHostKey(ctx, s.t.SSH.Addr, s.t.SSH.User, file)
	if err != nil {
		return fail("bastion "+s.t.SSH.Addr+": "+err.Error(), tcpFix(err))
	}
	host, port := hostPort(s.t.SSH.Addr)
	normal := knownhosts.Normalize(s.t.SSH.Addr)
	switch {
	case p.keyErr != nil && len(p.keyErr.Want) > 0:
		w := p.keyErr.Want[0]
		detail := fmt.Sprintf("HOST KEY CHANGED: bastion %s presented %s, but %s:%d has %s", normal,
			describeKey(p.presented), w.Filename, w.Line, describeKey(w.Key))
		if n := len(p.keyErr.Want) - 1; n > 0 {
			detail += fmt.Sprintf(" (and %d more known keys)", n)
		}
		return fail(detail, fixHostKeyChanged(w.Filename, w.Line, normal))
	case p.keyErr != nil || (p.noFile && p.presented != nil):
		detail := fmt.Sprintf("bastion %s is not in %s; it presented %s", normal, file, describeKey(p.presented))
		if p.noFile {
			detail = fmt.Sprintf("%s does not exist; bastion %s presented %s", file, normal, describeKey(p.presented))
		}
		return fail(detail, fixHostKeyUnknown(file, host, port))
	case p.err != nil && p.presented == nil && isTimeout(p.err):
		return fail("bastion "+s.t.SSH.Addr+" accepted the connection but sent nothing: "+p.err.Error(), fixBastionSilent)
	case p.err != nil:
		return fail("bastion "+s.t.SSH.Addr+" did not complete the SSH key exchange: "+p.err.Error(), fixNotSSH)
	}
	s.hostKeyOK = true
	s.netBlock = ""
	return pass(fmt.Sprintf("bastion %s presented %s, which %s lists", normal, describeKey(p.presented), file))
}

func hostPort(addr string) (host, port string) {
	h, p, err := net.SplitHostPort(addr)
	if err != nil {
		return addr, "22"
	}
	return h, p
}

func checkSSHAuth(ctx context.Context, s *state) outcome {
	switch {
	case s.t.SSH.Addr == "":
		return skip("no bastion configured")
	case !s.hostKeyOK:
		return skip(s.netBlock)
	}
	cfg := s.t.SSH
	cfg.OnUnknownHost = nil // the doctor reports, never trusts on first use
	tun, err := dbclient.OpenTunnel(ctx, cfg)
	if err != nil {
		detail, fix := sshFailure(err)
		s.netBlock = "SSH authentication with the bastion failed"
		return fail(fmt.Sprintf("%s@%s: %s", cfg.User, cfg.Addr, detail), fix)
	}
	s.tunnel = tun
	s.dial = tun.DialContext
	key := "ssh-agent"
	if cfg.KeyFile != "" {
		key = cfg.KeyFile
	}
	return pass(fmt.Sprintf("logged in as %s with %s", cfg.User, key))
}

// sshFailure explains an SSH connect failure: dbclient's classification when
// it has one, the taxonomy's advice otherwise.
func sshFailure(err error) (detail, fix string) {
	var pm *ssh.PassphraseMissingError
	if errors.As(err, &pm) {
		return err.Error(), fixPassphrase
	}
	if ce := dbclient.Classify(err); ce != nil && ce.Fix != "" {
		return ce.What + ": " + rootCause(err), ce.Fix
	}
	msg := err.Error()
	switch {
	case strings.Contains(msg, "unable to authenticate"):
		return msg, fixAuthRejected
	case strings.Contains(msg, "no such file"), strings.Contains(msg, "SSH_AUTH_SOCK"):
		return msg, fixNoKey
	}
	return msg, fixNotSSH
}

// rootCause is the innermost error's text, for details that already say the
// hop and the action.
func rootCause(err error) string {
	for {
		next := errors.Unwrap(err)
		if next == nil {
			return err.Error()
		}
		err = next
	}
}

func checkForward(ctx context.Context, s *state) outcome {
	if s.dial == nil {
		return skip(s.netBlock)
	}
	host, port, ok := s.dbAddr()
	if !ok {
		s.netBlock = "no database host is known"
		return fail("no database host is known", fixNoDBHost)
	}
	s.dbHost, s.dbPort = host, port
	addr := net.JoinHostPort(host, strconv.Itoa(port))
	if s.tunnel == nil {
		s.forwardOK = true
		return skip("no bastion: the logins below dial " + addr + " directly")
	}
	conn, err := s.tunnel.DialContext(ctx, "tcp", addr)
	if err != nil {
		detail, fix := forwardFailure(err)
		s.netBlock = "the bastion cannot forward to the database"
		return fail("bastion → "+addr+": "+detail, fix)
	}
	_ = conn.Close()
	s.forwardOK = true
	return pass("the bastion opened a channel to " + addr)
}

// dbAddr is where the database is: the target's host, else the app secret's.
func (s *state) dbAddr() (string, int, bool) {
	host, port := s.t.DBHost, s.t.DBPort
	if host == "" && s.app != nil {
		host = s.app.Host
	}
	if port == 0 && s.app != nil && s.t.DBHost == "" {
		port = s.app.Port
	}
	if port == 0 {
		port = 3306
	}
	return host, port, host != ""
}

func forwardFailure(err error) (detail, fix string) {
	var oc *ssh.OpenChannelError
	if errors.As(err, &oc) {
		msg := strings.ToLower(oc.Message)
		switch {
		case oc.Reason == ssh.Prohibited:
			return err.Error(), fixForwardProhibited
		case strings.Contains(msg, "refused"):
			return err.Error(), fixForwardRefused
		case strings.Contains(msg, "not known"), strings.Contains(msg, "no such host"):
			return err.Error(), fixForwardDNS
		}
		return err.Error(), fixForwardTimeout
	}
	if ce := dbclient.Classify(err); ce != nil && ce.Fix != "" {
		return ce.What + ": " + rootCause(err), ce.Fix
	}
	return err.Error(), fixForwardTimeout
}
