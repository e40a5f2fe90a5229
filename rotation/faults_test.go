package rotation_test

import (
	"bytes"
	"context"
	"errors"
	"net"
	"sync"

	sm "github.com/aws/aws-sdk-go-v2/service/secretsmanager"
	"rotation-tutor/rotation"
)

// A fault the injector can arm for one step.
type fault string

const (
	// dbDropped: the step's first database connection fails to open.
	dbDropped fault = "database connection dropped"
	// endpointError: the step's most important Secrets Manager call fails.
	endpointError fault = "endpoint error"
	// crash: the step is abandoned right after its first side effect took
	// place (the caller never learns it did), as if the process died.
	crash fault = "crash"
)

var errInjected = errors.New("injected fault")

// injector wraps a rotation function's Secrets and Dial and fires one fault,
// once, in one step. It learns the current step from Observe, which the
// function calls synchronously at each step's start.
type injector struct {
	mu       sync.Mutex
	step     string // the step running now
	armStep  string
	armFault fault
	fired    bool
	adminARN string
	// dropDial is which of the step's dials (1-based) dbDropped fails:
	// setSecret first checks whether the pending credentials log in, and a
	// failure there only means "not yet".
	dropDial int
	dials    int // dials in the current step
	// onCrash, if set, runs when a crash fires (the local tests cancel the
	// rotation's context there).
	onCrash func()
}

func (in *injector) wrap(f *rotation.Function) *rotation.Function {
	w := *f
	w.Secrets = &faultySecrets{in: in, next: f.Secrets}
	next := f.Dial
	w.Dial = func(ctx context.Context, network, addr string) (net.Conn, error) {
		if in.dropNow() {
			return nil, &net.OpError{Op: "dial", Net: network, Err: errInjected}
		}
		c, err := next(ctx, network, addr)
		if err != nil {
			return nil, err
		}
		if in.armed(crash) {
			return &crashConn{Conn: c, in: in}, nil
		}
		return c, nil
	}
	w.Observe = func(ev rotation.StepEvent) {
		if !ev.Done {
			in.mu.Lock()
			in.step, in.dials = ev.Step, 0
			in.mu.Unlock()
		}
		if f.Observe != nil {
			f.Observe(ev)
		}
	}
	return &w
}

func (in *injector) arm(step string, f fault) {
	in.mu.Lock()
	defer in.mu.Unlock()
	in.armStep, in.armFault, in.fired = step, f, false
}

// armed says whether fault f may still fire in the step running now.
func (in *injector) armed(f fault) bool {
	in.mu.Lock()
	defer in.mu.Unlock()
	return !in.fired && in.armFault == f && in.step == in.armStep
}

// fire consumes the armed fault if it is f in the current step and, when op
// is set, the step's target operation is op.
func (in *injector) fire(f fault, op string) bool {
	in.mu.Lock()
	if in.fired || in.armFault != f || in.step != in.armStep {
		in.mu.Unlock()
		return false
	}
	if op != "" && op != in.targetOp() {
		in.mu.Unlock()
		return false
	}
	in.fired = true
	onCrash := in.onCrash
	in.mu.Unlock()
	if f == crash && onCrash != nil {
		onCrash()
	}
	return true
}

// dropNow counts a dial and says whether dbDropped fires on it.
func (in *injector) dropNow() bool {
	in.mu.Lock()
	in.dials++
	n, want := in.dials, max(in.dropDial, 1)
	in.mu.Unlock()
	return n == want && in.fire(dbDropped, "")
}

func (in *injector) didFire() bool {
	in.mu.Lock()
	defer in.mu.Unlock()
	return in.fired
}

// targetOp is the Secrets Manager call each step's endpoint fault and crash
// aim at: the step's side effect, or for setSecret the admin secret read.
func (in *injector) targetOp() string {
	switch in.step {
	case rotation.StepCreate:
		return "PutSecretValue"
	case rotation.StepSet:
		return "GetSecretValue:admin"
	case rotation.StepTest:
		return "GetSecretValue"
	case rotation.StepFinish:
		return "UpdateSecretVersionStage"
	}
	return ""
}

type faultySecrets struct {
	in   *injector
	next rotation.SecretsAPI
}

func (s *faultySecrets) DescribeSecret(ctx context.Context, in *sm.DescribeSecretInput, o ...func(*sm.Options)) (*sm.DescribeSecretOutput, error) {
	return s.next.DescribeSecret(ctx, in, o...)
}

func (s *faultySecrets) GetSecretValue(ctx context.Context, in *sm.GetSecretValueInput, o ...func(*sm.Options)) (*sm.GetSecretValueOutput, error) {
	op := "GetSecretValue"
	if in.SecretId != nil && *in.SecretId == s.in.adminARN {
		op = "GetSecretValue:admin"
	}
	if s.in.fire(endpointError, op) {
		return nil, errInjected
	}
	return s.next.GetSecretValue(ctx, in, o...)
}

func (s *faultySecrets) PutSecretValue(ctx context.Context, in *sm.PutSecretValueInput, o ...func(*sm.Options)) (*sm.PutSecretValueOutput, error) {
	if s.in.fire(endpointError, "PutSecretValue") {
		return nil, errInjected
	}
	out, err := s.next.PutSecretValue(ctx, in, o...)
	if err == nil && s.in.fire(crash, "PutSecretValue") {
		return nil, errInjected // stored, but the caller never hears of it
	}
	return out, err
}

func (s *faultySecrets) UpdateSecretVersionStage(ctx context.Context, in *sm.UpdateSecretVersionStageInput, o ...func(*sm.Options)) (*sm.UpdateSecretVersionStageOutput, error) {
	if s.in.fire(endpointError, "UpdateSecretVersionStage") {
		return nil, errInjected
	}
	out, err := s.next.UpdateSecretVersionStage(ctx, in, o...)
	if err == nil && s.in.fire(crash, "UpdateSecretVersionStage") {
		return nil, errInjected
	}
	return out, err
}

func (s *faultySecrets) GetRandomPassword(ctx context.Context, in *sm.GetRandomPasswordInput, o ...func(*sm.Options)) (*sm.GetRandomPasswordOutput, error) {
	return s.next.GetRandomPassword(ctx, in, o...)
}

// crashConn lets a statement that changes something (or, in testSecret, the
// test query) reach the server and be answered, then drops the connection
// before the client reads the answer.
type crashConn struct {
	net.Conn
	in      *injector
	mu      sync.Mutex
	marked  bool // a statement to crash after was sent
	prepare bool // ...as a prepared statement: wait for its execution
	sent    bool // the statement (or its execution) was sent
}

// MySQL command bytes, after the 4-byte packet header.
const (
	comQuery       = 0x03
	comStmtPrepare = 0x16
	comStmtExecute = 0x17
)

var sideEffects = [][]byte{[]byte("CREATE USER"), []byte("GRANT "), []byte("ALTER USER"), []byte("SET PASSWORD"), []byte("SELECT NOW()")}

func (c *crashConn) Write(b []byte) (int, error) {
	c.mu.Lock()
	if len(b) > 4 && c.in.armed(crash) {
		switch cmd := b[4]; {
		case c.marked && c.prepare && cmd == comStmtExecute:
			c.sent = true
		case !c.marked && (cmd == comQuery || cmd == comStmtPrepare):
			for _, s := range sideEffects {
				if bytes.Contains(bytes.ToUpper(b[5:]), s) {
					c.marked, c.prepare, c.sent = true, cmd == comStmtPrepare, cmd == comQuery
					break
				}
			}
		}
	}
	c.mu.Unlock()
	return c.Conn.Write(b)
}

func (c *crashConn) Read(b []byte) (int, error) {
	n, err := c.Conn.Read(b)
	c.mu.Lock()
	sent := c.sent
	c.mu.Unlock()
	if sent && n > 0 && c.in.fire(crash, "") {
		// The server has answered, so the statement ran; the client never
		// sees the answer.
		c.Conn.Close()
		return 0, &net.OpError{Op: "read", Net: "tcp", Err: errInjected}
	}
	return n, err
}
