package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"

	charmlog "charm.land/log/v2"
	gossh "golang.org/x/crypto/ssh"

	"rotation-tutor/bench"
	"rotation-tutor/rotation/probe"
	"rotation-tutor/tui"
	"rotation-tutor/workshop"
)

// serveOptions are the serve command's flags.
type serveOptions struct {
	listen         string
	hostKey        string
	maxSessions    int
	idleTimeout    time.Duration
	maxDuration    time.Duration
	grace          time.Duration
	authorizedKeys string
	passphrase     string
	open           bool
	instructorKey  string
	dashboard      bool
	probeClients   int
	probePause     time.Duration
	probeLogins    int
}

func (so *serveOptions) register(fs *flag.FlagSet) {
	fs.StringVar(&so.listen, "listen", ":23234", "address to serve SSH on")
	fs.StringVar(&so.hostKey, "host-key", "", "the server's SSH host key (default: one made and kept under --state)")
	fs.IntVar(&so.maxSessions, "max-sessions", 60, "SSH sessions at once, attendees and instructor")
	fs.DurationVar(&so.idleTimeout, "idle-timeout", 30*time.Minute, "end a session when no key was pressed for this long")
	fs.DurationVar(&so.maxDuration, "max-session-duration", 4*time.Hour, "end any session after this long")
	fs.DurationVar(&so.grace, "grace", 2*time.Minute, "keep a disconnected attendee's sandbox running this long, for a quick return")
	fs.StringVar(&so.authorizedKeys, "authorized-keys", "", "attendees' public keys, one per line (authorized_keys format)")
	fs.StringVar(&so.passphrase, "passphrase", "", "a workshop word, asked at login; attendees are known by the name they log in as")
	fs.BoolVar(&so.open, "open", false, "let in anyone who can reach the port")
	fs.StringVar(&so.instructorKey, "instructor-key", "", "public key(s) whose login shows the dashboard (as user present: your own walkthrough in presenter mode)")
	fs.BoolVar(&so.dashboard, "dashboard", false, "show the room on this terminal (the log goes to workshop.log under --state)")
	fs.IntVar(&so.probeClients, "probe-clients", 8, "simulated application clients on each attendee's live screen")
	fs.DurationVar(&so.probePause, "probe-pause", 200*time.Millisecond, "pause between one simulated client's logins")
	fs.IntVar(&so.probeLogins, "probe-logins", defaultProbeLogins, "logins a second that the simulated clients of every live screen share, so that a full room leaves CPU for the screens (0: no limit)")
}

// defaultProbeLogins is what a room's simulated clients share by default: a
// room of ten logs in at the walkthrough's own pace (eight clients, five
// logins a second each), a room of fifty at a fifth of it.
const defaultProbeLogins = 400

// budget is the room's shared rate of simulated logins; nil is no limit.
func (so *serveOptions) budget() *probe.Budget {
	if so.probeLogins == 0 {
		return nil
	}
	return probe.NewBudget(so.probeLogins)
}

func (so *serveOptions) validate() error {
	switch {
	case so.maxSessions < 1:
		return errors.New("--max-sessions must be at least 1")
	case so.idleTimeout <= 0 || so.maxDuration <= 0:
		return errors.New("--idle-timeout and --max-session-duration must be positive")
	case so.grace < 0:
		return errors.New("--grace cannot be negative")
	case so.probeClients < 1 || so.probePause <= 0 || so.probeLogins < 0:
		return errors.New("--probe-clients must be at least 1, --probe-pause positive and --probe-logins not negative")
	case so.authorizedKeys == "" && so.passphrase == "" && !so.open:
		return errors.New("say who may join: --authorized-keys FILE (attendees' public keys), --passphrase WORD (asked at login), or --open (anyone who can reach the port)")
	}
	return nil
}

func (so *serveOptions) access() (workshop.Access, error) {
	a := workshop.Access{Passphrase: so.passphrase, Open: so.open}
	var err error
	if so.authorizedKeys != "" {
		if a.AuthorizedKeys, err = workshop.ReadAuthorizedKeys(so.authorizedKeys); err != nil {
			return a, fmt.Errorf("--authorized-keys: %w", err)
		}
	}
	if so.instructorKey != "" {
		if a.InstructorKeys, err = workshop.ReadAuthorizedKeys(so.instructorKey); err != nil {
			return a, fmt.Errorf("--instructor-key: %w", err)
		}
	}
	return a, nil
}

func runServe(ctx context.Context, o *options, stdout, stderr io.Writer) int {
	so := o.serve
	dir := filepath.Join(o.stateDir, "workshop")
	if o.reset { // the host key stays, so attendees' known_hosts stay true
		for _, sub := range []string{"attendees", "instructor"} {
			if err := os.RemoveAll(filepath.Join(dir, sub)); err != nil {
				fmt.Fprintf(stderr, "rotation-tutor serve: could not reset: %v\n", err)
				return exitFailed
			}
		}
	}
	access, err := so.access()
	if err != nil {
		fmt.Fprintf(stderr, "rotation-tutor serve: %v\n", err)
		return exitUsage
	}
	logOut := stderr
	if so.dashboard {
		f, err := openLog(dir)
		if err != nil {
			fmt.Fprintf(stderr, "rotation-tutor serve: %v\n", err)
			return exitFailed
		}
		defer f.Close()
		logOut = f
	}
	logw := &lockedWriter{w: logOut}
	logf := func(format string, args ...any) {
		fmt.Fprintf(logw, time.Now().Format("15:04:05")+" "+format+"\n", args...)
	}
	charmlog.SetOutput(logw) // wish's middleware logs through charm's default logger
	l, err := net.Listen("tcp", so.listen)
	if err != nil {
		fmt.Fprintf(stderr, "rotation-tutor serve: %v\n", err)
		return exitFailed
	}
	join := joinCommand(l.Addr())
	srv, err := workshop.New(workshop.Options{
		StateDir: dir, HostKeyFile: so.hostKey, Access: access, MaxSessions: so.maxSessions,
		IdleTimeout: so.idleTimeout, MaxSessionDuration: so.maxDuration, Grace: so.grace, Engine: o.engine, RequireTLS: o.dbTLS,
		ProbeClients: so.probeClients, ProbePause: so.probePause, ProbeBudget: so.budget(), SelfCommand: selfCommand(), Join: join, Logf: logf,
	})
	if err != nil {
		l.Close()
		fmt.Fprintf(stderr, "rotation-tutor serve: %v\n", err)
		return exitUsage
	}
	fmt.Fprintf(stdout, "rotation-tutor serve: listening on %s\n", l.Addr())
	fmt.Fprintf(stdout, "  attendees join with:  %s\n", join)
	fmt.Fprintf(stdout, "  host key:             %s\n", gossh.FingerprintSHA256(srv.HostKey()))
	fmt.Fprintf(stdout, "  who may join:         %s\n", describeAccess(access))
	if so.open {
		fmt.Fprintf(stdout, "\n  *** --open: ANYONE who can reach %s gets a sandbox on this machine. ***\n\n", l.Addr())
	}
	served := make(chan error, 1)
	go func() { served <- srv.Serve(l) }()
	var serveErr error
	stopped := false // Serve returned on its own
	if so.dashboard {
		err = tui.RunDashboard(ctx, srv, tui.DashboardOptions{Join: join, QuitStops: true, AltScreen: true})
	} else {
		select {
		case <-ctx.Done():
		case serveErr = <-served:
			stopped = true
		}
	}
	closeErr := srv.Close()
	if !stopped {
		serveErr = <-served
	}
	if err = errors.Join(err, serveErr, closeErr); err != nil {
		fmt.Fprintf(stderr, "rotation-tutor serve: %v\n", err)
		return exitFailed
	}
	return exitOK
}

// lockedWriter lets the sessions' goroutines write whole lines to one log.
type lockedWriter struct {
	mu sync.Mutex
	w  io.Writer
}

func (l *lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}

func openLog(dir string) (*os.File, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, err
	}
	return os.OpenFile(filepath.Join(dir, "workshop.log"), os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
}

// joinCommand is what an attendee types: the port, and this machine's name
// unless the server listens on one address only.
func joinCommand(addr net.Addr) string {
	host, port, _ := net.SplitHostPort(addr.String())
	if ip := net.ParseIP(host); ip == nil || ip.IsUnspecified() {
		if h, err := os.Hostname(); err == nil {
			host = h
		}
	}
	if ip := net.ParseIP(host); ip != nil && ip.To4() == nil {
		host = "[" + host + "]"
	}
	return fmt.Sprintf("ssh -p %s NAME@%s", port, host)
}

func describeAccess(a workshop.Access) string {
	var ways []string
	if n := len(a.AuthorizedKeys); n > 0 {
		ways = append(ways, fmt.Sprintf("%d attendee keys", n))
	}
	if a.Passphrase != "" {
		ways = append(ways, "anyone with the passphrase")
	}
	if a.Open {
		ways = append(ways, "ANYONE (--open)")
	}
	s := ways[0]
	for _, w := range ways[1:] {
		s += ", or " + w
	}
	if n := len(a.InstructorKeys); n > 0 {
		s += fmt.Sprintf("; %d instructor keys see the dashboard", n)
	}
	return s
}

// serveBenchOptions are bench --serve's flags.
type serveBenchOptions struct {
	on           bool
	attendees    string
	liveFor      time.Duration
	probeClients int
	probePause   time.Duration
	probeLogins  int
	rooms        []int
}

func (sb *serveBenchOptions) register(fs *flag.FlagSet) {
	fs.BoolVar(&sb.on, "serve", false, "measure a workshop server instead: simulated attendees over SSH on the live screen")
	fs.StringVar(&sb.attendees, "attendees", "10,25,50", "with --serve: the room sizes to measure, comma-separated")
	fs.DurationVar(&sb.liveFor, "live-for", time.Minute, "with --serve: how long each attendee stays on the live screen")
	fs.IntVar(&sb.probeClients, "probe-clients", 0, "with --serve: simulated clients per live screen (0: serve's default)")
	fs.DurationVar(&sb.probePause, "probe-pause", 0, "with --serve: pause between a simulated client's logins (0: serve's default)")
	fs.IntVar(&sb.probeLogins, "probe-logins", -1, "with --serve: logins a second the room's simulated clients share (0: no limit; -1: serve's default)")
}

func (sb *serveBenchOptions) validate() error {
	sb.rooms = nil
	for _, f := range strings.Split(sb.attendees, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(f))
		if err != nil || n < 1 {
			return fmt.Errorf("--attendees takes room sizes like 10,25,50, not %q", sb.attendees)
		}
		sb.rooms = append(sb.rooms, n)
	}
	if sb.liveFor <= 0 || sb.probeClients < 0 || sb.probePause < 0 {
		return errors.New("--live-for must be positive, --probe-clients and --probe-pause not negative")
	}
	return nil
}

func runServeBench(ctx context.Context, o *options, self string, stdout, stderr io.Writer) int {
	sb := o.serveBench
	rep, err := bench.RunServe(ctx, bench.ServeOptions{Executable: self, Attendees: sb.rooms, LiveFor: sb.liveFor,
		ProbeClients: sb.probeClients, ProbePause: sb.probePause, ProbeLogins: sb.probeLogins, Progress: bench.TerminalProgress(stderr)})
	if err != nil {
		fmt.Fprintf(stderr, "rotation-tutor bench --serve: %v\n", err)
		return exitFailed
	}
	return writeReport(stdout, o.json, rep)
}
