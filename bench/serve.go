package bench

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"golang.org/x/crypto/ssh"

	"rotation-tutor/internal/sshterm"
	"rotation-tutor/rotation/probe"
)

// ServeOptions configure RunServe.
type ServeOptions struct {
	// Executable is the rotation-tutor binary to run `serve` with: the
	// server runs in a process of its own, so its memory and CPU are its own.
	Executable string
	// Attendees are the room sizes to measure, one run each.
	Attendees []int
	// LiveFor is how long every attendee stays on the live screen, pressing
	// keys and rotating; 0 means a minute.
	LiveFor time.Duration
	// ProbeClients and ProbePause are the live screens' simulated clients
	// (serve's --probe-clients and --probe-pause); 0 keeps serve's defaults.
	ProbeClients int
	ProbePause   time.Duration
	// ProbeLogins is serve's --probe-logins, the logins a second the room's
	// clients share; negative keeps serve's default, 0 is no limit.
	ProbeLogins int
	Progress    func(stage string, done, total int)
}

// ServeRun is one room size's figures.
type ServeRun struct {
	Attendees     int     `json:"attendees"`
	ReachedLive   int     `json:"reached_live"`   // walked from the welcome screen to the live screen
	Held          int     `json:"held"`           // still connected and answering at the end
	WalkSeconds   float64 `json:"walk_seconds"`   // until the last one reached the live screen
	Rotations     int     `json:"rotations"`      // completed from the live screens
	RotationsLate int     `json:"rotations_late"` // not finished within 30 s
	FailedLogins  int     `json:"failed_logins"`  // the live screens' simulated clients, summed
	Keypresses    int     `json:"keypresses"`
	// KeyToFrameMS is from a key written to the screen showing its answer,
	// as the client's terminal sees it.
	KeyToFrameMS      probe.Percentiles `json:"key_to_frame_ms"`
	RSSIdleMB         float64           `json:"rss_idle_mb"`
	RSSMB             float64           `json:"rss_mb"`
	RSSPerAttendeeMB  float64           `json:"rss_per_attendee_mb"`
	CPUCores          float64           `json:"cpu_cores"` // the server's CPU time over the live phase's wall time
	CPUPerAttendeePct float64           `json:"cpu_per_attendee_pct"`
	// ClientCPUCores is this process's own CPU over the live phase: the
	// simulated attendees' terminals and SSH, on the same cores.
	ClientCPUCores float64 `json:"client_cpu_cores"`
	// Problems are why attendees did not reach or stay on the live screen,
	// with how many each: where the room stops scaling.
	Problems map[string]int `json:"problems,omitempty"`
}

// ServeReport is what `bench --serve --json` prints.
type ServeReport struct {
	ProbeClients int        `json:"probe_clients"`
	ProbePauseMS float64    `json:"probe_pause_ms"`
	ProbeLogins  int        `json:"probe_logins"` // -1: serve's default
	LiveSeconds  float64    `json:"live_seconds"`
	Runs         []ServeRun `json:"runs"`
}

// The live phase's rhythm, per attendee: a key about every second (the
// reveal flash, on and off), and a rotation every fifth one.
const (
	keyEvery      = time.Second
	rotateEvery   = 5
	rotationLimit = 30 * time.Second
)

// RunServe measures a workshop server with rooms of each size in o.Attendees:
// that many simulated attendees log in over SSH with a PTY, walk to the live
// screen and stay there, pressing keys and rotating.
func RunServe(ctx context.Context, o ServeOptions) (ServeReport, error) {
	if o.LiveFor <= 0 {
		o.LiveFor = time.Minute
	}
	rep := ServeReport{ProbeClients: o.ProbeClients, ProbePauseMS: float64(o.ProbePause) / 1e6, ProbeLogins: o.ProbeLogins, LiveSeconds: o.LiveFor.Seconds()}
	for _, n := range o.Attendees {
		run, err := serveRun(ctx, o, n)
		if err != nil {
			return rep, fmt.Errorf("%d attendees: %w", n, err)
		}
		rep.Runs = append(rep.Runs, run)
	}
	return rep, nil
}

func serveRun(ctx context.Context, o ServeOptions, n int) (ServeRun, error) {
	run := ServeRun{Attendees: n}
	progress := func(stage string, done int) {
		if o.Progress != nil {
			o.Progress(fmt.Sprintf("%s (%d)", stage, n), done, n)
		}
	}
	srv, err := startServer(ctx, o, n)
	if err != nil {
		return run, err
	}
	defer srv.stop()
	run.RSSIdleMB = residentMBOf(srv.pid)

	// Everyone logs in and walks to the live screen at once, as a room does
	// when the instructor says go.
	terms := make([]*sshterm.Term, n)
	reached := make([]bool, n)
	var wg sync.WaitGroup
	var mu sync.Mutex
	done := 0
	began := time.Now()
	problem := func(err error) {
		mu.Lock()
		defer mu.Unlock()
		if run.Problems == nil {
			run.Problems = map[string]int{}
		}
		run.Problems[firstLine(err.Error())]++
	}
	for i := range n {
		wg.Go(func() {
			wctx, cancel := context.WithTimeout(ctx, 5*time.Minute)
			defer cancel()
			tm, err := sshterm.Dial(wctx, sshterm.Options{Addr: srv.addr, User: fmt.Sprintf("attendee%d", i+1), Auth: openDoor})
			if err == nil {
				terms[i] = tm
				err = tm.Walk(wctx, sshterm.ToLive)
			}
			if err != nil {
				problem(err)
			}
			mu.Lock()
			reached[i] = err == nil
			done++
			progress("walking to the live screen", done)
			mu.Unlock()
		})
	}
	wg.Wait()
	run.WalkSeconds = time.Since(began).Seconds()
	defer func() {
		for _, tm := range terms {
			if tm != nil {
				tm.Close()
			}
		}
	}()

	cpu0, self0, t0 := cpuSeconds(srv.pid), cpuSeconds("self"), time.Now()
	var samples []time.Duration
	for i, tm := range terms {
		if tm == nil || !reached[i] {
			continue
		}
		run.ReachedLive++
		wg.Go(func() {
			a := liveAttendee(ctx, tm, o.LiveFor)
			if a.err != nil {
				problem(a.err)
			}
			mu.Lock()
			samples = append(samples, a.samples...)
			run.Rotations += a.rotations
			run.RotationsLate += a.late
			if a.answering {
				run.Held++
			}
			run.FailedLogins += failedLogins(tm.Screen())
			mu.Unlock()
		})
	}
	progress("on the live screen", 0)
	wg.Wait()
	wall := time.Since(t0).Seconds()
	run.CPUCores = (cpuSeconds(srv.pid) - cpu0) / wall
	run.ClientCPUCores = (cpuSeconds("self") - self0) / wall
	run.RSSMB = residentMBOf(srv.pid)
	if n > 0 {
		run.RSSPerAttendeeMB = (run.RSSMB - run.RSSIdleMB) / float64(n)
		run.CPUPerAttendeePct = 100 * run.CPUCores / float64(n)
	}
	run.Keypresses = len(samples)
	p := probe.PercentilesOf(samples)
	run.KeyToFrameMS = probe.Percentiles{P50: p.P50, P99: p.P99}
	progress("on the live screen", n)
	return run, nil
}

type liveResult struct {
	samples   []time.Duration
	rotations int
	late      int
	answering bool
	err       error // why it stopped early
}

// liveAttendee presses keys on the live screen for d: v (a flash in the
// help bar, on then off) about every second, and r every fifth key, waiting
// for each answer and for each rotation to finish.
func liveAttendee(ctx context.Context, tm *sshterm.Term, d time.Duration) liveResult {
	var r liveResult
	end := time.Now().Add(d)
	timed := func(key string, shows ...string) bool {
		kctx, cancel := context.WithTimeout(ctx, 10*time.Second)
		defer cancel()
		t0 := time.Now()
		if r.err = tm.Press(key); r.err != nil {
			return false
		}
		if _, r.err = tm.WaitFor(kctx, shows...); r.err != nil {
			return false
		}
		r.samples = append(r.samples, time.Since(t0))
		return true
	}
	tick := time.NewTicker(keyEvery)
	defer tick.Stop()
	on := false
	for i := 0; time.Now().Before(end); i++ {
		on = !on
		want := "secrets masked"
		if on {
			want = "secrets shown"
		}
		if !timed("v", want) {
			return r
		}
		if i%rotateEvery == rotateEvery-1 {
			if !timed("r", "rotating with the") {
				return r
			}
			rctx, cancel := context.WithTimeout(ctx, rotationLimit)
			_, err := tm.WaitFor(rctx, "▶ r rotate now") // the status line; the help bar says "r rotate now" throughout
			cancel()
			if err != nil {
				r.late++
			} else {
				r.rotations++
			}
		}
		select {
		case <-tick.C:
		case <-ctx.Done():
			return r
		}
	}
	r.answering = true
	return r
}

// openDoor logs in to an --open workshop, which asks nothing.
var openDoor = []ssh.AuthMethod{ssh.KeyboardInteractive(func(_, _ string, qs []string, _ []bool) ([]string, error) {
	return make([]string, len(qs)), nil
})}

func firstLine(s string) string {
	s, _, _ = strings.Cut(s, "\n")
	return s
}

var failedRE = regexp.MustCompile(`failed (\d+)`)

// failedLogins is what the live screen's clients line says failed.
func failedLogins(screen string) int {
	m := failedRE.FindStringSubmatch(screen)
	if m == nil {
		return 0
	}
	n, _ := strconv.Atoi(m[1])
	return n
}

// server is a `rotation-tutor serve` child process.
type server struct {
	cmd    *exec.Cmd
	pid    string
	addr   string
	dir    string
	exited chan error
}

func startServer(ctx context.Context, o ServeOptions, n int) (*server, error) {
	if o.Executable == "" {
		return nil, errors.New("the serve benchmark runs this program's binary, and it could not be found")
	}
	dir, err := os.MkdirTemp("", "rotation-tutor-serve-bench-")
	if err != nil {
		return nil, err
	}
	args := []string{"serve", "--open", "--listen", "127.0.0.1:0", "--state", dir, "--grace", "0",
		"--max-sessions", strconv.Itoa(n + 5)}
	if o.ProbeClients > 0 {
		args = append(args, "--probe-clients", strconv.Itoa(o.ProbeClients))
	}
	if o.ProbePause > 0 {
		args = append(args, "--probe-pause", o.ProbePause.String())
	}
	if o.ProbeLogins >= 0 {
		args = append(args, "--probe-logins", strconv.Itoa(o.ProbeLogins))
	}
	cmd := exec.CommandContext(ctx, o.Executable, args...)
	cmd.Stderr = io.Discard
	out, err := cmd.StdoutPipe()
	if err != nil {
		os.RemoveAll(dir)
		return nil, err
	}
	if err := cmd.Start(); err != nil {
		os.RemoveAll(dir)
		return nil, fmt.Errorf("start %s serve: %w", filepath.Base(o.Executable), err)
	}
	s := &server{cmd: cmd, pid: strconv.Itoa(cmd.Process.Pid), dir: dir, exited: make(chan error, 1)}
	lines := bufio.NewScanner(out)
	for lines.Scan() {
		if addr, ok := strings.CutPrefix(lines.Text(), "rotation-tutor serve: listening on "); ok {
			s.addr = addr
			break
		}
	}
	go func() {
		_, _ = io.Copy(io.Discard, out)
		s.exited <- cmd.Wait()
	}()
	if s.addr == "" {
		s.stop()
		return nil, errors.New("serve did not say where it listens")
	}
	return s, nil
}

// stop ends the server as Ctrl-C would and removes its state.
func (s *server) stop() {
	_ = s.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-s.exited:
	case <-time.After(30 * time.Second):
		_ = s.cmd.Process.Kill()
		<-s.exited
	}
	os.RemoveAll(s.dir)
}

// cpuSeconds is the CPU time process pid has used (user + system), from
// /proc/PID/stat, whose times are in USER_HZ ticks: 100 a second on Linux.
func cpuSeconds(pid string) float64 {
	b, err := os.ReadFile("/proc/" + pid + "/stat")
	if err != nil {
		return 0
	}
	// The command name may hold spaces: the fields start after its ')'.
	fields := strings.Fields(string(b[strings.LastIndexByte(string(b), ')')+1:]))
	if len(fields) < 13 {
		return 0
	}
	user, _ := strconv.ParseFloat(fields[11], 64)
	sys, _ := strconv.ParseFloat(fields[12], 64)
	return (user + sys) / 100
}

// WriteTable prints the runs for a person, with the goals beside them.
func (r ServeReport) WriteTable(w io.Writer) {
	fmt.Fprintf(w, "workshop server: each attendee walks to the live screen, then presses a key every %s and rotates every %d keys for %.0f s\n", keyEvery, rotateEvery, r.LiveSeconds)
	clients := "serve's default simulated clients"
	if r.ProbeClients > 0 || r.ProbePauseMS > 0 {
		clients = fmt.Sprintf("%d simulated clients per live screen, %.0f ms between a client's logins", r.ProbeClients, r.ProbePauseMS)
	}
	switch {
	case r.ProbeLogins == 0:
		clients += ", no shared limit on their logins"
	case r.ProbeLogins > 0:
		clients += fmt.Sprintf(", sharing %d logins a second", r.ProbeLogins)
	default:
		clients += ", sharing serve's default logins a second"
	}
	fmt.Fprintln(w, clients)
	fmt.Fprintf(w, "%9s %6s %5s %7s %9s %8s %18s %7s %8s %10s %10s\n", "attendees", "live", "held", "walk s", "rotations", "failed",
		"key→frame p50/p99", "RSS MB", "MB each", "CPU cores", "client CPU")
	for _, x := range r.Runs {
		fmt.Fprintf(w, "%9d %6d %5d %7.1f %9d %8d %8.0f/%-6.0f ms %7.0f %8.1f %10.2f %10.2f\n", x.Attendees, x.ReachedLive, x.Held, x.WalkSeconds,
			x.Rotations, x.FailedLogins, x.KeyToFrameMS.P50, x.KeyToFrameMS.P99, x.RSSMB, x.RSSPerAttendeeMB, x.CPUCores, x.ClientCPUCores)
	}
	for _, x := range r.Runs {
		for p, n := range x.Problems {
			fmt.Fprintf(w, "  %d attendees: %d× %s\n", x.Attendees, n, p)
		}
	}
	fmt.Fprintln(w, "goal: 50 attendees held on the live screen, rotations completing, p99 key→frame < 100 ms, < 15 MB each")
}
