package steps

import (
	"context"
	"slices"
	"sort"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"

	"rotation-tutor/dbclient"
	"rotation-tutor/rotation"
	"rotation-tutor/rotation/probe"
)

// StepMark is one of the four rotation steps as it ran.
type StepMark struct {
	Token    string
	Step     string // createSecret, setSecret, testSecret, finishSecret
	Started  time.Time
	Took     time.Duration
	Done     bool
	Err      string
	Detail   string
	Summary  string // Detail without the remarks on the way: what the step did
	Inferred bool   // seen only through DescribeSecret (a real Lambda)
}

// VersionView is a labelled version of the secret.
type VersionView struct {
	ID       string
	Stages   []string
	Username string // "" while a pending version has no value yet
}

// UserView is one of the two database users.
type UserView struct {
	Name   string
	Exists bool
	Stage  string // the label of the version holding this user: AWSCURRENT, AWSPREVIOUS, or ""
}

// Live is what the live screen draws: everything is a copy.
type Live struct {
	At          time.Time // the world's time: the sandbox's clock, which may run fast
	TimeScale   float64   // seconds of that clock per real second; 0: the wall clock, not the world's to change
	SecretName  string
	Exists      bool          // false: the secret is not there (not stored yet, or deleted)
	Deleted     bool          // scheduled for deletion
	Versions    []VersionView // AWSCURRENT first, then AWSPENDING, AWSPREVIOUS
	Users       []UserView
	Enabled     bool
	Function    string
	Schedule    string
	Next        time.Time // NextRotationDate
	LastRotated time.Time
	Timeline    []StepMark // the last rotation's steps
	Rotations   []Rotation // oldest first, the last few
	Unfinished  *rotation.Unfinished
	Probe       *probe.Snapshot
	Policy      probe.Policy // how the simulated clients cache the secret
	// Slow motion: whether rotations here can be held, how, and the step
	// held now.
	CanPace bool
	Pace    rotation.PaceMode
	Held    *rotation.Held
}

// liveWatch is what the session saw rotating, and the simulated clients.
type liveWatch struct {
	mu        sync.Mutex
	usernames map[string]string // version id → username; a version's value never changes
	marks     []StepMark
	rotations []Rotation
	pendingAt map[string]time.Time // inferred: when a token was first seen AWSPENDING
	mine      map[string]bool      // tokens of rotations this session started
	probe     *probe.Probe
	probeStop context.CancelFunc
	policy    probe.Policy // the clients' policy, kept across probe restarts
	now       func() time.Time
}

func (w *liveWatch) init() {
	w.usernames = map[string]string{}
	w.pendingAt = map[string]time.Time{}
	w.mine = map[string]bool{}
	w.policy = LivePolicy
	w.now = time.Now
}

const (
	maxMarks     = 32
	maxRotations = 12
)

// setClock makes the world's clock the one rotations are dated by.
func (w *liveWatch) setClock(now func() time.Time) {
	w.mu.Lock()
	w.now = now
	w.mu.Unlock()
}

// observeStep records a rotation step the function reports. A rotation this
// session did not start (the schedule's, or another caller's RotateSecret)
// is recorded when its finishSecret succeeds.
func (w *liveWatch) observeStep(ev rotation.StepEvent) {
	m := StepMark{Token: ev.Token, Step: ev.Step, Started: ev.Started, Took: ev.Took, Done: ev.Done, Detail: ev.Detail, Summary: ev.Summary}
	if ev.Err != nil {
		m.Err = ev.Err.Error()
	}
	w.mu.Lock()
	w.addMarkLocked(m)
	elsewhere := ev.Done && ev.Err == nil && ev.Step == rotation.StepFinish && !w.mine[ev.Token]
	w.mu.Unlock()
	if elsewhere {
		w.markRotated(Rotation{Version: ev.Token, Elsewhere: true, Took: ev.Started.Add(ev.Took).Sub(w.startOf(ev.Token))})
	}
}

// startOf is when token's rotation started, as far as its steps were seen.
func (w *liveWatch) startOf(token string) time.Time {
	w.mu.Lock()
	defer w.mu.Unlock()
	for _, m := range w.marks {
		if m.Token == token && m.Step == rotation.StepCreate {
			return m.Started
		}
	}
	return time.Time{}
}

// started records that this session started the rotation of token.
func (w *liveWatch) started(token string) {
	if token == "" {
		return
	}
	w.mu.Lock()
	w.mine[token] = true
	w.mu.Unlock()
}

// addMarkLocked adds or updates the mark for (token, step).
func (w *liveWatch) addMarkLocked(m StepMark) {
	for i := range w.marks {
		if w.marks[i].Token == m.Token && w.marks[i].Step == m.Step {
			w.marks[i] = m
			return
		}
	}
	w.marks = append(w.marks, m)
	if len(w.marks) > maxMarks {
		w.marks = w.marks[len(w.marks)-maxMarks:]
	}
}

// failedStep returns the first step of token's rotation that failed, if
// the function's steps could be observed.
func (w *liveWatch) failedStep(token string) (StepMark, bool) {
	w.mu.Lock()
	defer w.mu.Unlock()
	for _, m := range w.marks {
		if m.Token == token && m.Err != "" {
			return m, true
		}
	}
	return StepMark{}, false
}

// drain takes what the sandbox's functions reported, without waiting.
func (w *liveWatch) drain(events <-chan rotation.StepEvent) {
	if events == nil {
		return
	}
	for {
		select {
		case ev, ok := <-events:
			if !ok {
				return
			}
			w.observeStep(ev)
		default:
			return
		}
	}
}

// inferSteps builds a timeline from DescribeSecret alone, for a Lambda whose
// steps cannot be observed: a new AWSPENDING version means createSecret ran;
// that version becoming AWSCURRENT means finishSecret did.
func (w *liveWatch) inferSteps(stages map[string][]string) {
	now := time.Now()
	w.mu.Lock()
	defer w.mu.Unlock()
	for v, st := range stages {
		pending, current := slices.Contains(st, rotation.StagePending), slices.Contains(st, rotation.StageCurrent)
		at, seen := w.pendingAt[v]
		switch {
		case pending && !current && !seen:
			w.pendingAt[v] = now
			w.addMarkLocked(StepMark{Token: v, Step: rotation.StepCreate, Started: now, Done: true, Inferred: true, Detail: "AWSPENDING appeared"})
		case current && seen:
			delete(w.pendingAt, v)
			w.addMarkLocked(StepMark{Token: v, Step: rotation.StepFinish, Started: at, Took: now.Sub(at), Done: true, Inferred: true, Detail: "AWSCURRENT moved here"})
		}
	}
}

func (w *liveWatch) rememberUsername(version, user string) {
	if version == "" || user == "" {
		return
	}
	w.mu.Lock()
	w.usernames[version] = user
	w.mu.Unlock()
}

func (w *liveWatch) username(version string) (string, bool) {
	w.mu.Lock()
	defer w.mu.Unlock()
	u, ok := w.usernames[version]
	return u, ok
}

// markRotated records a finished rotation, once per version: what this
// session learns later about one it saw finish (its users, its time)
// completes the record.
func (w *liveWatch) markRotated(r Rotation) {
	w.mu.Lock()
	if i := slices.IndexFunc(w.rotations, func(x Rotation) bool { return x.Version == r.Version }); i >= 0 {
		r.At = w.rotations[i].At
		w.rotations[i] = r
		w.mu.Unlock()
		return
	}
	r.At = w.now()
	w.rotations = append(w.rotations, r)
	if len(w.rotations) > maxRotations {
		w.rotations = w.rotations[len(w.rotations)-maxRotations:]
	}
	p := w.probe
	w.mu.Unlock()
	if p != nil {
		p.MarkRotated(r.Version)
	}
}

// Rotations returns the rotations this session made, oldest first.
func (s *Session) Rotations() []Rotation {
	s.live.mu.Lock()
	defer s.live.mu.Unlock()
	return slices.Clone(s.live.rotations)
}

// The live screen's simulated clients: how many, the time between one
// client's logins (on the wall clock whatever the world's runs at: it is what
// the clients cost), and how they cache the secret at first.
const (
	LiveClients = 8
	LivePause   = 200 * time.Millisecond
)

// LivePolicy is how the live screen's clients cache the secret until p
// changes it: as the Secrets Manager Agent does by default, for 300 s. After
// a rotation they stay stale (amber) for minutes, and still log in: the old
// user is AWSPREVIOUS. Two rotations within that time fail them, which the
// screen explains; a 2-day schedule never does.
var LivePolicy = probe.AgentTTL

// StartProbe starts the simulated application clients, once. They log in
// through the tunnel with the secret they cache, as the client policy says
// (SetClientPolicy; at first they read it at every login).
func (s *Session) StartProbe(ctx context.Context) error {
	env, _, err := s.requireAdmin(ctx)
	if err != nil {
		return err
	}
	w := &s.live
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.probe != nil {
		return nil
	}
	// The probe outlives the call that starts it: it stops in StopProbe.
	pctx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	cfg := probe.Config{
		Clients: s.opts.ProbeClients, Secrets: env.Secrets, SecretID: env.SecretName, Dial: dbclient.DialFunc(s.conn.Dial), CA: env.DBCA,
		Policy: w.policy, Pause: s.opts.ProbePause, Budget: s.opts.ProbeBudget,
	}
	if env.Clock != nil {
		cfg.Clock = env.Clock
	}
	p, err := probe.Start(pctx, cfg)
	if err != nil {
		cancel()
		return fail("start the simulated clients", err)
	}
	w.probe, w.probeStop = p, cancel
	return nil
}

// StopProbe stops the simulated clients and waits for them.
func (s *Session) StopProbe() {
	w := &s.live
	w.mu.Lock()
	p, cancel := w.probe, w.probeStop
	w.probe, w.probeStop = nil, nil
	w.mu.Unlock()
	if p != nil {
		p.Stop()
		cancel()
	}
}

// Observe looks at the secret, the users and the clients now. It is cheap
// enough to call a few times a second.
func (s *Session) Observe(ctx context.Context) (Live, error) {
	env, err := s.requireEnv()
	if err != nil {
		return Live{}, err
	}
	s.live.drain(env.StepEvents)
	l := Live{At: time.Now(), SecretName: env.SecretName, CanPace: env.Pace != nil, Pace: env.Pace.Mode()}
	if env.Clock != nil {
		l.At, l.TimeScale = env.Clock.Now(), env.Clock.Scale()
	}
	if h, ok := env.Pace.Holding(); ok {
		l.Held = &h
	}
	desc, err := describeApp(ctx, env)
	if err != nil {
		return Live{}, err
	}
	if desc != nil {
		l.Exists, l.Deleted = true, desc.DeletedDate != nil
		if env.StepEvents == nil {
			s.live.inferSteps(desc.VersionIdsToStages)
		}
		l.Enabled = aws.ToBool(desc.RotationEnabled)
		l.Function, l.Schedule = aws.ToString(desc.RotationLambdaARN), describeRules(desc.RotationRules)
		if desc.NextRotationDate != nil {
			l.Next = *desc.NextRotationDate
		}
		if desc.LastRotatedDate != nil {
			l.LastRotated = *desc.LastRotatedDate
		}
		for id, stages := range desc.VersionIdsToStages {
			if len(stages) == 0 {
				continue
			}
			l.Versions = append(l.Versions, VersionView{ID: id, Stages: slices.Clone(stages), Username: s.usernameOf(ctx, env, id)})
		}
		sort.Slice(l.Versions, func(i, j int) bool { return stageRank(l.Versions[i].Stages) < stageRank(l.Versions[j].Stages) })
		if !l.Deleted {
			if l.Unfinished, err = rotation.FindUnfinished(ctx, env.Secrets, env.SecretName); err != nil {
				return Live{}, fail("look for an unfinished rotation of "+env.SecretName, err)
			}
		}
	}
	l.Users = s.users(ctx, l.Versions)

	s.completeRotations(ctx, env)
	w := &s.live
	w.mu.Lock()
	l.Rotations = slices.Clone(w.rotations)
	l.Policy = w.policy
	if n := len(w.marks); n > 0 {
		last := w.marks[n-1].Token
		for _, m := range w.marks {
			if m.Token == last {
				l.Timeline = append(l.Timeline, m)
			}
		}
	}
	p := w.probe
	w.mu.Unlock()
	if p != nil {
		snap := p.Snapshot()
		l.Probe = &snap
	}
	return l, nil
}

func stageRank(st []string) int {
	switch {
	case slices.Contains(st, rotation.StageCurrent):
		return 0
	case slices.Contains(st, rotation.StagePending):
		return 1
	case slices.Contains(st, rotation.StagePrevious):
		return 2
	}
	return 3
}

// usernameOf reads a version's username once; a pending version with no value
// yet reads as "".
func (s *Session) usernameOf(ctx context.Context, env *Env, id string) string {
	if u, ok := s.live.username(id); ok {
		return u
	}
	sec, _, err := readSecret(ctx, env, env.SecretName, "", id)
	if err != nil {
		return ""
	}
	s.live.rememberUsername(id, sec.Username)
	return sec.Username
}

// users reports the tutorial's two users (appuser and appuser_clone, or
// mytestuser and mytestuser_clone): whether each exists and which label its
// version holds.
func (s *Session) users(ctx context.Context, versions []VersionView) []UserView {
	t := s.tut()
	out := []UserView{{Name: t.AppUser}, {Name: t.CloneUser}}
	_, db, _ := s.conn.open()
	for i := range out {
		for _, v := range versions {
			if v.Username != out[i].Name {
				continue
			}
			switch {
			case slices.Contains(v.Stages, rotation.StageCurrent):
				out[i].Stage = rotation.StageCurrent
			case slices.Contains(v.Stages, rotation.StagePrevious) && out[i].Stage == "":
				out[i].Stage = rotation.StagePrevious
			}
		}
		if db != nil {
			out[i].Exists, _ = dbclient.UserExists(ctx, db, out[i].Name)
		} else {
			out[i].Exists = out[i].Stage != ""
		}
	}
	return out
}
