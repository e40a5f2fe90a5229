package lambda

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"net"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/google/uuid"

	"rotation-tutor/dbclient"
	"rotation-tutor/rotation"
	"rotation-tutor/sandbox/account"
	"rotation-tutor/sandbox/logs"
)

// Runtime is what runs a function as Lambda would, once the sandbox has an account set-up:
// the function's configuration decides its timeout and environment, the network decides what
// it reaches, and what it does goes to its CloudWatch log group.
type Runtime struct {
	Account  *account.Store
	Logs     *logs.Store
	Endpoint string // the Secrets Manager endpoint the functions' SECRETS_MANAGER_ENDPOINT must name
	// ConnectTimeout is how long a connection to a database the network drops takes to give
	// up, as the template's connect_timeout (5 s) does; zero means 5 s.
	ConnectTimeout time.Duration
}

// LogGroup is the function name's log group.
func LogGroup(name string) string { return "/aws/lambda/" + name }

// config is a function's configuration now, or nil without a set-up.
func (r *Registry) config(name string) (*account.Function, *account.Account) {
	rt := r.runtime()
	if rt == nil || rt.Account == nil {
		return nil, nil
	}
	a := rt.Account.Get()
	return a.Functions[name], &a
}

// look calls f with the function's configuration as the set-up has it now (nil when
// the set-up does not know it), without copying it: for checks made on every
// connection. f must neither change nor keep what it is given.
func (r *Registry) look(name string, f func(cfg *account.Function, a *account.Account)) {
	rt := r.runtime()
	if rt == nil || rt.Account == nil {
		f(nil, nil)
		return
	}
	rt.Account.Read(func(a *account.Account) { f(a.Functions[name], a) })
}

func (r *Registry) runtime() *Runtime {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.rt
}

// SetRuntime gives the registry the account set-up, the log store and the endpoint.
func (r *Registry) SetRuntime(rt *Runtime) {
	r.mu.Lock()
	r.rt = rt
	r.mu.Unlock()
}

// invocation is one run of a function: its request id, log stream and timeout.
type invocation struct {
	r        *Registry
	name     string
	id       string
	stream   string
	timeout  time.Duration
	started  time.Time
	cfg      *account.Function
	acct     *account.Account
	policy   rotation.PasswordPolicy
	logStore *logs.Store
}

func (r *Registry) newInvocation(name string, deflt time.Duration) (*invocation, error) {
	inv := &invocation{r: r, name: name, id: uuid.NewString(), timeout: deflt}
	inv.cfg, inv.acct = r.config(name)
	if rt := r.runtime(); rt != nil {
		inv.logStore = rt.Logs
	}
	inv.started = inv.now()
	if inv.cfg == nil {
		return inv, nil
	}
	inv.timeout = time.Duration(inv.cfg.Timeout) * time.Second
	if inv.timeout <= 0 {
		inv.timeout = DefaultTimeout
	}
	inv.stream = r.stream(name, inv.cfg.Revision, inv.started)
	env := inv.cfg.Environment
	if v, ok := env["EXCLUDE_CHARACTERS"]; ok {
		// Set but empty means "exclude nothing", unlike the policy's zero value.
		inv.policy.ExcludeCharacters = v
		if v == "" {
			inv.policy.ExcludeCharacters = " "
		}
	}
	if v, ok := env["PASSWORD_LENGTH"]; ok {
		n, err := strconv.Atoi(v)
		if err != nil {
			return inv, fmt.Errorf("ValueError: invalid literal for int() with base 10: %q (PASSWORD_LENGTH)", v)
		}
		inv.policy.Length = n
	}
	if _, ok := env["SECRETS_MANAGER_ENDPOINT"]; !ok {
		return inv, errors.New("KeyError: 'SECRETS_MANAGER_ENDPOINT'")
	}
	return inv, nil
}

func (inv *invocation) now() time.Time {
	if rt := inv.r.runtime(); rt != nil && rt.Logs != nil {
		return rt.Logs.Now()
	}
	return time.Now()
}

// stream is the function's current log stream: one per execution environment, which Lambda
// replaces after the function's configuration changes.
func (r *Registry) stream(name, revision string, now time.Time) string {
	r.mu.Lock()
	defer r.mu.Unlock()
	key := name + "\x00" + revision
	if s, ok := r.streams[key]; ok {
		return s
	}
	var b [16]byte
	_, _ = rand.Read(b[:]) // crypto/rand.Read never fails on supported platforms
	s := now.UTC().Format("2006/01/02") + "/[$LATEST]" + hex.EncodeToString(b[:])
	r.streams[key] = s
	return s
}

// log writes lines to the invocation's stream.
func (inv *invocation) log(lines ...string) {
	if inv.logStore == nil || inv.stream == "" {
		return
	}
	inv.logStore.Put(LogGroup(inv.name), inv.stream, inv.now(), lines...)
}

// logf writes one line as the Python runtime's logger does: level, time, request id, message.
func (inv *invocation) logf(level, format string, args ...any) {
	inv.log(fmt.Sprintf("[%s]\t%s\t%s\t%s", level, inv.now().UTC().Format("2006-01-02T15:04:05.000Z"), inv.id,
		fmt.Sprintf(format, args...)))
}

func (inv *invocation) start() {
	inv.log("START RequestId: " + inv.id + " Version: $LATEST")
	// boto3's first line once the client has its credentials: a function that cannot reach
	// Secrets Manager logs nothing after it.
	inv.logf("INFO", "Found credentials in environment variables.")
}

// observe logs a step's end the way the template does.
func (inv *invocation) observe(ev rotation.StepEvent) {
	if !ev.Done {
		return
	}
	switch {
	case ev.Err != nil && errors.Is(ev.Err, context.DeadlineExceeded):
		// The runtime, not the function, reports a timeout.
	case ev.Err != nil:
		inv.logf("ERROR", "%s", ev.Err.Error())
	case ev.Log != "":
		inv.logf("INFO", "%s", ev.Log)
	}
}

// end closes the invocation's log: the error (a timeout as Lambda reports one), then END and
// REPORT. It returns the error Secrets Manager (or Invoke's caller) sees.
func (inv *invocation) end(err error, timedOut bool) error {
	took := inv.now().Sub(inv.started)
	if timedOut {
		err = fmt.Errorf("%s %s Task timed out after %.2f seconds", inv.now().UTC().Format("2006-01-02T15:04:05.000Z"),
			inv.id, inv.timeout.Seconds())
		inv.log(err.Error())
	} else if err != nil {
		typ := errorType(err)
		inv.log("[ERROR] " + typ + ": " + strings.TrimPrefix(err.Error(), typ+": "))
	}
	inv.log("END RequestId: "+inv.id,
		fmt.Sprintf("REPORT RequestId: %s\tDuration: %.2f ms\tBilled Duration: %d ms\tMemory Size: 128 MB\tMax Memory Used: 79 MB",
			inv.id, float64(took)/float64(time.Millisecond), took.Milliseconds()+1))
	return err
}

// errorType is the Python exception the template's failure would be: a missing variable is
// a KeyError, an AWS API's refusal a ClientError, the template's own checks a ValueError.
func errorType(err error) string {
	msg := err.Error()
	switch {
	case strings.HasPrefix(msg, "KeyError"):
		return "KeyError"
	case strings.Contains(msg, "api error "):
		return "ClientError"
	}
	return "ValueError"
}

// gate is a function's view of the network: whether it reaches Secrets Manager and the
// database now, read from the set-up at each connection.
type gate struct {
	r    *Registry
	name string
}

// reachesSecretsManager says whether the function's requests to Secrets Manager get through.
func (g gate) reachesSecretsManager() bool {
	open := true
	g.r.look(g.name, func(cfg *account.Function, a *account.Account) {
		if cfg != nil {
			open = cfg.Environment["SECRETS_MANAGER_ENDPOINT"] == g.r.runtime().Endpoint && a.ReachesSecretsManager(cfg, g.r.region)
		}
	})
	return open
}

// reachesDatabase says whether the database's security groups let the function in.
func (g gate) reachesDatabase(port int) bool {
	open := true
	g.r.look(g.name, func(cfg *account.Function, a *account.Account) { open = cfg == nil || a.ReachesDatabase(cfg, port) })
	return open
}

// transport holds a request the network drops until the caller gives up, as a connection
// to an address nothing answers from does.
type gatedTransport struct {
	inner http.RoundTripper
	open  func() bool
}

func (t gatedTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	if !t.open() {
		<-req.Context().Done()
		return nil, &net.OpError{Op: "dial", Net: "tcp", Err: dropped{req.Context().Err()}}
	}
	return t.inner.RoundTrip(req)
}

// dropped is a connection attempt nothing answered: it times out.
type dropped struct{ cause error }

func (d dropped) Error() string   { return "i/o timeout" }
func (d dropped) Timeout() bool   { return true }
func (d dropped) Temporary() bool { return true }
func (d dropped) Unwrap() error   { return d.cause }

// gatedDial dials the database only when the security groups let the function in; otherwise
// it waits out the connect timeout and fails as a dropped connection does.
func gatedDial(dial dbclient.DialFunc, open func(port int) bool, wait func() time.Duration) dbclient.DialFunc {
	return func(ctx context.Context, network, addr string) (net.Conn, error) {
		_, p, _ := net.SplitHostPort(addr)
		port, _ := strconv.Atoi(p)
		if open(port) {
			return dial(ctx, network, addr)
		}
		t := time.NewTimer(wait())
		defer t.Stop()
		select {
		case <-ctx.Done():
		case <-t.C:
		}
		return nil, &net.OpError{Op: "dial", Net: network, Addr: fakeAddr(addr), Err: dropped{context.DeadlineExceeded}}
	}
}

type fakeAddr string

func (a fakeAddr) Network() string { return "tcp" }
func (a fakeAddr) String() string  { return string(a) }

func (r *Registry) connectTimeout() time.Duration {
	if rt := r.runtime(); rt != nil && rt.ConnectTimeout > 0 {
		return rt.ConnectTimeout
	}
	return 5 * time.Second
}

// logsQuery selects a whole log group.
func logsQuery(group string) logs.Query { return logs.Query{Group: group} }
