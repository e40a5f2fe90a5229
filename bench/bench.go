// Package bench measures the figures DESIGN.md sets goals for, on this machine, against a
// real sandbox: start-up, rotation latency, failed logins per strategy under a probe, the
// endpoint's GetSecretValue against a trivial server's floor, and memory.
package bench

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	sm "github.com/aws/aws-sdk-go-v2/service/secretsmanager"
	"github.com/charmbracelet/x/term"

	"rotation-tutor/dbclient"
	"rotation-tutor/internal/vclock"
	"rotation-tutor/rotation"
	"rotation-tutor/rotation/probe"
	"rotation-tutor/sandbox"
	"rotation-tutor/sandbox/lambda"
	"rotation-tutor/sandbox/secretsmanager"
	"rotation-tutor/steps"
)

// Options configure a run.
type Options struct {
	Clients, Rotations int
	Engine             string // sandbox database engine
	RequireTLS         bool   // the sandbox's databases refuse plain text (--db-require-tls)
	GetSecretCalls     int    // default 2000
	PutCalls           int    // PutSecretValue calls of 60 KB for Writes; default 1000
	// Executable is the rotation-tutor binary whose start-up is timed; "" skips that.
	Executable string
	// Progress, if set, hears what is being measured and how far along it is.
	Progress func(stage string, done, total int)
}

// Report is what `bench --json` prints; the keys are the command's contract.
type Report struct {
	SandboxStartMS   float64           `json:"sandbox_start_ms"`
	Startup                            // first_screen_ms, help_ms
	RotationMS       probe.Percentiles `json:"rotation_ms"`
	Alternating      probe.Report      `json:"alternating"`
	SingleUser       probe.Report      `json:"single_user"`
	GetSecretValueUS Micros            `json:"get_secret_value_us"`
	FloorUS          struct {
		P50 float64 `json:"p50"`
	} `json:"floor_us"`
	RSSMB  float64 `json:"rss_mb"`
	Writes         // put_calls, put_value_kb, rss_after_puts_mb, bytes_written_per_put
	// LiveClients is what the live screen's clients cost; Policies compares
	// the clients' caching under scheduled rotations on a fast clock.
	LiveClients LiveClients `json:"live_clients"`
	Policies    Policies    `json:"policies"`
}

// Micros is a distribution's median and 99th percentile in microseconds.
type Micros struct {
	P50 float64 `json:"p50"`
	P99 float64 `json:"p99"`
}

const (
	appUser        = "appuser"
	singleUser     = "appsingle"
	startSamples   = 3
	defaultGetCall = 2000
)

// Run measures everything, in an isolated temporary sandbox, and reports.
func Run(ctx context.Context, o Options) (Report, error) {
	var rep Report
	if o.GetSecretCalls <= 0 {
		o.GetSecretCalls = defaultGetCall
	}
	progress := func(stage string, done, total int) {
		if o.Progress != nil {
			o.Progress(stage, done, total)
		}
	}

	if o.Executable != "" { // first, while the machine is quiet
		progress("program start-up", 0, 1)
		startup, err := MeasureStartup(ctx, o.Executable)
		if err != nil {
			return rep, err
		}
		rep.Startup = startup
	}

	// Start-up: the median of a few cold starts, each in a fresh state directory (the
	// first start of a sandbox generates its keys: that is what a new user waits for).
	var starts []time.Duration
	var sb *sandbox.Sandbox
	ends := &rotationEnds{}
	for i := range startSamples {
		progress("sandbox start", i, startSamples)
		clock, err := vclock.New(1)
		if err != nil {
			return rep, err
		}
		t0 := time.Now()
		s, err := sandbox.Start(ctx, sandbox.Options{Engine: o.Engine, RequireTLS: o.RequireTLS, RetryDelay: -1, Clock: clock, OnRotation: ends.hear})
		if err != nil {
			return rep, err
		}
		starts = append(starts, time.Since(t0))
		if i < startSamples-1 {
			if err := s.Close(); err != nil {
				return rep, err
			}
			continue
		}
		sb = s
	}
	defer sb.Close()
	rep.SandboxStartMS = probe.PercentilesOf(starts).P50

	info := sb.Info()
	client, closeIdle := lambda.NewSecretsClient(info.Region, info.SecretsManagerEndpoint, info.AccessKey())
	defer closeIdle()
	dial := sb.DialVPC()
	ca, err := dbclient.LoadCABundle(info.Database.CABundleFile) // the clients verify TLS, as the functions do
	if err != nil {
		return rep, err
	}

	alt, err := prepareSecret(ctx, client, dial, info, appUser, "BenchAlternating")
	if err != nil {
		return rep, err
	}
	single, err := prepareSecret(ctx, client, dial, info, singleUser, "BenchSingleUser")
	if err != nil {
		return rep, err
	}

	runStrategy := func(name, secretID, fn string) (probe.Report, error) {
		return probe.Run(ctx, probe.RunConfig{
			Config:    probe.Config{Clients: o.Clients, Secrets: client, SecretID: secretID, Dial: dial, CA: ca},
			Rotations: o.Rotations,
			Rotate:    probe.ServiceRotation(client, secretID, fn, sb.WaitRotations),
			Progress:  func(done, total int) { progress(name, done, total) },
		})
	}
	if rep.Alternating, err = runStrategy("alternating users", alt, info.RotationFunctionARN); err != nil {
		return rep, fmt.Errorf("alternating users: %w", err)
	}
	rep.RotationMS = probe.PercentilesOf(rep.Alternating.RotationTimes)
	if rep.SingleUser, err = runStrategy("single user", single, info.SingleUserFunctionARN); err != nil {
		return rep, fmt.Errorf("single user: %w", err)
	}

	progress("the live screen's clients", 0, 1)
	if rep.LiveClients, err = measureLiveClients(ctx, info, client, alt, steps.LivePolicy); err != nil {
		return rep, fmt.Errorf("the live screen's clients: %w", err)
	}
	if rep.Policies, err = comparePolicies(ctx, sb, client, dial, ends, progress); err != nil {
		return rep, err
	}

	if rep.GetSecretValueUS, rep.FloorUS.P50, err = getSecretValue(ctx, info, alt, o.GetSecretCalls, progress); err != nil {
		return rep, err
	}
	rep.RSSMB = residentMB()
	if o.PutCalls <= 0 {
		o.PutCalls = defaultPutCalls
	}
	if rep.Writes, err = measureWrites(ctx, sb, client, o.PutCalls, progress); err != nil {
		return rep, err
	}
	return rep, nil
}

// prepareSecret creates a database user with SELECT on the tutorial database and a secret
// for it, as the tutorial's first steps do, and returns the secret's ARN.
func prepareSecret(ctx context.Context, client *sm.Client, dial dbclient.DialFunc, info sandbox.Info, user, secretName string) (string, error) {
	admin, err := client.GetSecretValue(ctx, &sm.GetSecretValueInput{SecretId: aws.String(info.Database.AdminSecretARN)})
	if err != nil {
		return "", fmt.Errorf("read admin secret: %w", err)
	}
	var creds struct{ Username, Password string }
	if err := json.Unmarshal([]byte(aws.ToString(admin.SecretString)), &creds); err != nil {
		return "", fmt.Errorf("admin secret: %w", err)
	}
	db, err := dbclient.Open(ctx, dial, dbclient.Target{Host: info.Database.Host, Port: info.Database.Port,
		User: creds.Username, Password: creds.Password, Database: info.Database.Name})
	if err != nil {
		return "", err
	}
	defer db.Close()
	password := strings.Repeat("bench", 4) + `-'"\%` + strconv.FormatInt(time.Now().UnixNano(), 36)
	if err := dbclient.CreateUser(ctx, db, user, password); err != nil {
		return "", err
	}
	if err := dbclient.GrantSelect(ctx, db, info.Database.Name, user); err != nil {
		return "", err
	}
	value, _ := json.Marshal(map[string]any{
		"engine": "mysql", "host": info.Database.Host, "port": info.Database.Port, "username": user,
		"password": password, "dbname": info.Database.Name, "masterarn": info.Database.AdminSecretARN,
	})
	out, err := client.CreateSecret(ctx, &sm.CreateSecretInput{Name: aws.String(secretName), SecretString: aws.String(string(value))})
	if err != nil {
		return "", fmt.Errorf("create secret: %w", err)
	}
	return aws.ToString(out.ARN), nil
}

// getSecretValue times the same SDK call against the sandbox and against a server that
// returns a canned answer at once: the floor is all client cost, so the ratio is what our
// endpoint adds.
func getSecretValue(ctx context.Context, info sandbox.Info, secretID string, n int, progress func(string, int, int)) (Micros, float64, error) {
	floorURL, closeFloor := secretsmanager.NewFloorServer()
	defer closeFloor()
	ours, closeOurs := lambda.NewSecretsClient(info.Region, info.SecretsManagerEndpoint, info.AccessKey())
	defer closeOurs()
	floor, closeFloorClient := lambda.NewSecretsClient(info.Region, floorURL, info.AccessKey())
	defer closeFloorClient()

	measure := func(c *sm.Client, label string) ([]time.Duration, error) {
		in := &sm.GetSecretValueInput{SecretId: aws.String(secretID)}
		if _, err := c.GetSecretValue(ctx, in); err != nil { // warm the connection
			return nil, fmt.Errorf("GetSecretValue (%s): %w", label, err)
		}
		ds := make([]time.Duration, 0, n)
		for i := range n {
			t0 := time.Now()
			if _, err := c.GetSecretValue(ctx, in); err != nil {
				return nil, fmt.Errorf("GetSecretValue (%s): %w", label, err)
			}
			ds = append(ds, time.Since(t0))
			if i%200 == 0 {
				progress("GetSecretValue "+label, i, n)
			}
		}
		return ds, nil
	}
	// Interleave the two series in halves so that neither gets a quieter machine.
	var oursAll, floorAll []time.Duration
	for range 2 {
		o, err := measure(ours, "sandbox")
		if err != nil {
			return Micros{}, 0, err
		}
		f, err := measure(floor, "floor")
		if err != nil {
			return Micros{}, 0, err
		}
		oursAll, floorAll = append(oursAll, o...), append(floorAll, f...)
	}
	p := probe.PercentilesOf(oursAll)
	return Micros{P50: p.P50 * 1000, P99: p.P99 * 1000}, probe.PercentilesOf(floorAll).P50 * 1000, nil
}

// residentMB reads this process's resident set size (Linux); 0 where it cannot be read.
func residentMB() float64 { return residentMBOf("self") }

// residentMBOf reads the resident set size of process pid ("self" for this one).
func residentMBOf(pid string) float64 {
	b, err := os.ReadFile("/proc/" + pid + "/status")
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(b), "\n") {
		if rest, ok := strings.CutPrefix(line, "VmRSS:"); ok {
			kb, err := strconv.ParseFloat(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(rest), "kB")), 64)
			if err != nil {
				return 0
			}
			return kb / 1024
		}
	}
	return 0
}

// WriteTable prints the report for a person, with each figure's goal beside it.
func (r Report) WriteTable(w io.Writer) {
	row := func(name, value, goal string) { fmt.Fprintf(w, "%-47s %-30s %s\n", name, value, goal) }
	row("figure", "measured", "goal")
	row("sandbox cold start", fmt.Sprintf("%.1f ms", r.SandboxStartMS), "< 100 ms")
	row("first screen (process start to first frame)", fmt.Sprintf("%.1f ms", r.FirstScreenMS), "< 60 ms")
	row("--help (process start to exit)", fmt.Sprintf("%.1f ms", r.HelpMS), "< 30 ms")
	row("one rotation (4 steps), p50 / p99", fmt.Sprintf("%.1f / %.1f ms", r.RotationMS.P50, r.RotationMS.P99), "< 50 / < 200 ms")
	strategy := func(name string, p probe.Report, goal string) {
		row(fmt.Sprintf("%s: %d clients × %d rotations", name, p.Clients, p.Rotations),
			fmt.Sprintf("%d failed of %d logins", p.FailedLogins, p.Logins), goal)
	}
	strategy("alternating users", r.Alternating, "0 failed")
	strategy("single user", r.SingleUser, "(the failures alternating avoids)")
	row("GetSecretValue p50 / p99", fmt.Sprintf("%.0f / %.0f µs", r.GetSecretValueUS.P50, r.GetSecretValueUS.P99), "")
	ratio := 0.0
	if r.FloorUS.P50 > 0 {
		ratio = r.GetSecretValueUS.P50 / r.FloorUS.P50
	}
	row("  same SDK call, canned loopback server p50", fmt.Sprintf("%.0f µs (ratio %.2f×)", r.FloorUS.P50, ratio), "≤ 1.5×")
	row("resident memory (sandbox + probe)", fmt.Sprintf("%.0f MB", r.RSSMB), "< 150 MB")
	row(fmt.Sprintf("  after %d PutSecretValue of %d KB", r.PutCalls, r.PutValueKB), fmt.Sprintf("%.0f MB", r.RSSAfterPutsMB), "")
	row("bytes written to disk per PutSecretValue", fmt.Sprintf("%.0f (value %d)", r.BytesWrittenPerPut, r.PutValueKB*1024), "")
	lc := r.LiveClients
	row(fmt.Sprintf("live screen's %d clients, CPU of one core", lc.Clients),
		fmt.Sprintf("%.1f%% (%.0f µs a login)", lc.CPUPercent, lc.CPUPerLoginUS), "50 screens on 2 cores")
	fmt.Fprintf(w, "\nclients' caching: %d scheduled rotations, %s, on a clock at %g×\n",
		policyRotations, r.Policies.Schedule, r.Policies.TimeScale)
	for _, p := range r.Policies.Runs {
		row(fmt.Sprintf("  %s, %s", p.Strategy, p.Policy), fmt.Sprintf("%d failed of %d logins", p.FailedLogins, p.Logins), policyGoal(p))
	}
}

// policyGoal is what a policy's run should show.
func policyGoal(p PolicyRun) string {
	switch {
	case p.Strategy == rotation.SingleUser:
		return "(single user fails whatever the cache)"
	case p.Policy == probe.AfterFailure.Name:
		return "fails: its cache outlives two rotations"
	}
	return "0 failed"
}

// TerminalProgress draws a one-line progress bar on w when w is a terminal, and stays
// silent otherwise so that piped output and CI logs stay clean.
func TerminalProgress(w io.Writer) func(stage string, done, total int) {
	f, ok := w.(*os.File)
	if !ok || !term.IsTerminal(f.Fd()) {
		return nil
	}
	const width = 30
	return func(stage string, done, total int) {
		if total <= 0 {
			return
		}
		filled := width * done / total
		fmt.Fprintf(w, "\r\x1b[K%-24s [%s%s] %d/%d", stage, strings.Repeat("█", filled), strings.Repeat("·", width-filled), done, total)
		if done >= total {
			fmt.Fprint(w, "\r\x1b[K")
		}
	}
}
