package steps

import (
	"context"
	"slices"
	"sort"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	sm "github.com/aws/aws-sdk-go-v2/service/secretsmanager"

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
	Inferred bool // seen only through DescribeSecret (a real Lambda)
}

// VersionView is a labelled version of the secret.
type VersionView struct {
	ID       string
	Stages   []string
	Username string // "" while a pending version has no value yet
	Created  time.Time
}

// UserView is one of the two database users.
type UserView struct {
	Name   string
	Exists bool
	Stage  string // the label of the version holding this user: AWSCURRENT, AWSPREVIOUS, or ""
}

// Live is what the live screen draws: everything is a copy.
type Live struct {
	At         time.Time
	SecretName string
	Versions   []VersionView // AWSCURRENT first, then AWSPENDING, AWSPREVIOUS
	Users      []UserView
	Enabled    bool
	Function   string
	Schedule   string
	Next       time.Time
	Timeline   []StepMark // the last rotation's steps
	Rotations  []Rotation // oldest first, the last few
	Probe      *probe.Snapshot
}

// liveState is the session's memory of what it saw rotating.
type liveState struct {
	usernames map[string]string // version id → username; a version's value never changes
	marks     []StepMark
	rotations []Rotation
	pendingAt map[string]time.Time // inferred: when a token was first seen AWSPENDING
}

const (
	maxMarks     = 32
	maxRotations = 12
)

// observeStep records a rotation step the local rotator reports.
func (s *Session) observeStep(ev rotation.StepEvent) {
	m := StepMark{Token: ev.Token, Step: ev.Step, Started: ev.Started, Took: ev.Took, Done: ev.Done, Detail: ev.Detail}
	if ev.Err != nil {
		m.Err = ev.Err.Error()
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.addMarkLocked(m)
}

// addMarkLocked adds or updates the mark for (token, step).
func (s *Session) addMarkLocked(m StepMark) {
	for i := range s.live.marks {
		if s.live.marks[i].Token == m.Token && s.live.marks[i].Step == m.Step {
			s.live.marks[i] = m
			return
		}
	}
	s.live.marks = append(s.live.marks, m)
	if len(s.live.marks) > maxMarks {
		s.live.marks = s.live.marks[len(s.live.marks)-maxMarks:]
	}
}

// drainStepEvents takes what the sandbox's functions reported, without
// waiting.
func (s *Session) drainStepEvents() {
	env := s.Env()
	if env == nil || env.StepEvents == nil {
		return
	}
	for {
		select {
		case ev, ok := <-env.StepEvents:
			if !ok {
				return
			}
			s.observeStep(ev)
		default:
			return
		}
	}
}

// inferSteps builds a timeline from DescribeSecret alone, for a Lambda whose
// steps cannot be observed: a new AWSPENDING version means createSecret ran;
// that version becoming AWSCURRENT means finishSecret did.
func (s *Session) inferSteps(stages map[string][]string) {
	if env := s.Env(); env == nil || env.StepEvents != nil {
		return
	}
	now := time.Now()
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.live.pendingAt == nil {
		s.live.pendingAt = map[string]time.Time{}
	}
	for v, st := range stages {
		pending, current := slices.Contains(st, rotation.StagePending), slices.Contains(st, rotation.StageCurrent)
		at, seen := s.live.pendingAt[v]
		switch {
		case pending && !current && !seen:
			s.live.pendingAt[v] = now
			s.addMarkLocked(StepMark{Token: v, Step: rotation.StepCreate, Started: now, Done: true, Inferred: true, Detail: "AWSPENDING appeared"})
		case current && seen:
			delete(s.live.pendingAt, v)
			s.addMarkLocked(StepMark{Token: v, Step: rotation.StepFinish, Started: at, Took: now.Sub(at), Done: true, Inferred: true, Detail: "AWSCURRENT moved here"})
		}
	}
}

func (s *Session) rememberUsername(version, user string) {
	if version == "" || user == "" {
		return
	}
	s.mu.Lock()
	s.live.usernames[version] = user
	s.mu.Unlock()
}

func (s *Session) markRotated(r Rotation) {
	s.mu.Lock()
	s.live.rotations = append(s.live.rotations, r)
	if len(s.live.rotations) > maxRotations {
		s.live.rotations = s.live.rotations[len(s.live.rotations)-maxRotations:]
	}
	p := s.probe
	s.mu.Unlock()
	if p != nil {
		p.MarkRotated(r.Version)
	}
}

// Rotations returns the rotations this session made, oldest first.
func (s *Session) Rotations() []Rotation {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.live.rotations)
}

// StartProbe starts the simulated application clients, once. They log in
// through the tunnel with the secret they cache, refreshing it every second:
// faster than anyone can press r twice, which is alternating users' one
// condition.
func (s *Session) StartProbe(ctx context.Context) error {
	env, err := s.requireEnv()
	if err != nil {
		return err
	}
	tun, _, err := s.ensureConnected(ctx)
	if err != nil {
		return err
	}
	// Read before locking: SecretID takes s.mu itself, and sync.Mutex is not reentrant.
	secretID := s.SecretID()
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.probe != nil {
		return nil
	}
	// The probe outlives the call that starts it: it stops in StopProbe.
	pctx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	p, err := probe.Start(pctx, probe.Config{
		Clients: s.opts.ProbeClients, Secrets: env.Secrets, SecretID: secretID, Dial: dbclient.DialFunc(tun.DialContext), CA: env.DBCA,
		RefreshInterval: time.Second, Pause: 200 * time.Millisecond,
	})
	if err != nil {
		cancel()
		return fail("start the simulated clients", err)
	}
	s.probe, s.probeStop = p, cancel
	return nil
}

// StopProbe stops the simulated clients and waits for them.
func (s *Session) StopProbe() {
	s.mu.Lock()
	p, cancel := s.probe, s.probeStop
	s.probe, s.probeStop = nil, nil
	s.mu.Unlock()
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
	s.drainStepEvents()
	desc, err := env.Secrets.DescribeSecret(ctx, &sm.DescribeSecretInput{SecretId: aws.String(s.SecretID())})
	if err != nil {
		return Live{}, fail("describe "+env.SecretName, err)
	}
	s.inferSteps(desc.VersionIdsToStages)
	l := Live{At: time.Now(), SecretName: env.SecretName, Enabled: aws.ToBool(desc.RotationEnabled),
		Function: aws.ToString(desc.RotationLambdaARN), Schedule: describeRules(desc.RotationRules)}
	if desc.NextRotationDate != nil {
		l.Next = *desc.NextRotationDate
	}
	for id, stages := range desc.VersionIdsToStages {
		if len(stages) == 0 {
			continue
		}
		l.Versions = append(l.Versions, VersionView{ID: id, Stages: slices.Clone(stages), Username: s.usernameOf(ctx, id)})
	}
	sort.Slice(l.Versions, func(i, j int) bool { return stageRank(l.Versions[i].Stages) < stageRank(l.Versions[j].Stages) })
	l.Users = s.users(ctx, l.Versions)

	s.mu.Lock()
	l.Rotations = slices.Clone(s.live.rotations)
	if n := len(s.live.marks); n > 0 {
		last := s.live.marks[n-1].Token
		for _, m := range s.live.marks {
			if m.Token == last {
				l.Timeline = append(l.Timeline, m)
			}
		}
	}
	p := s.probe
	s.mu.Unlock()
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
func (s *Session) usernameOf(ctx context.Context, id string) string {
	s.mu.Lock()
	u, ok := s.live.usernames[id]
	s.mu.Unlock()
	if ok {
		return u
	}
	out, err := s.Env().Secrets.GetSecretValue(ctx, &sm.GetSecretValueInput{SecretId: aws.String(s.SecretID()), VersionId: aws.String(id)})
	if err != nil {
		return ""
	}
	sec, err := rotation.ParseSecret(aws.ToString(out.SecretString))
	if err != nil {
		return ""
	}
	s.rememberUsername(id, sec.Username)
	return sec.Username
}

// users reports appuser and appuser_clone: whether each exists and which
// label its version holds.
func (s *Session) users(ctx context.Context, versions []VersionView) []UserView {
	out := []UserView{{Name: AppUser}, {Name: AppUser + "_clone"}}
	_, db := s.conn()
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
