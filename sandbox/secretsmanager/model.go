package secretsmanager

import (
	"time"
)

// Staging labels with a meaning to the service.
const (
	stageCurrent  = "AWSCURRENT"
	stagePrevious = "AWSPREVIOUS"
	stagePending  = "AWSPENDING"
)

// secret is one secret and all its versions. Every field is guarded by
// Service.mu; the JSON tags are the persisted form (see persist.go).
type secret struct {
	Seq         uint64              `json:"seq"` // creation order, breaks CreatedDate ties when listing
	Name        string              `json:"name"`
	ARN         string              `json:"arn"`
	Description *string             `json:"description,omitempty"`
	KmsKeyID    *string             `json:"kmsKeyId,omitempty"`
	Tags        []tag               `json:"tags,omitempty"`
	Created     time.Time           `json:"created"`
	Changed     time.Time           `json:"changed"`
	Accessed    time.Time           `json:"accessed,omitzero"`
	Versions    map[string]*version `json:"versions,omitempty"` // in the journal, versions are records of their own

	// Deletion: Deleted is when DeleteSecret was called, Purge when the
	// secret disappears for good.
	Deleted time.Time `json:"deleted,omitzero"`
	Purge   time.Time `json:"purge,omitzero"`

	// Rotation configuration. RotationEnabled is nil until rotation is
	// first configured, as DescribeSecret reports it.
	RotationEnabled *bool          `json:"rotationEnabled,omitempty"`
	RotationLambda  string         `json:"rotationLambda,omitempty"`
	Rules           *rotationRules `json:"rules,omitempty"`
	LastRotated     time.Time      `json:"lastRotated,omitzero"`
	// Anchor is the moment the next scheduled rotation counts from: the
	// last rotation, the last manual change of AWSCURRENT, or when the
	// schedule was set, whichever is latest.
	Anchor time.Time `json:"anchor,omitzero"`
	// RetryAfter holds scheduled retries of a failed rotation back, so a
	// broken function is not hammered every scheduler tick.
	RetryAfter time.Time `json:"retryAfter,omitzero"`
	// Rotation is the rotation that has not finished: running, waiting for
	// its next attempt, or failed for good. It is kept with the secret so that
	// a restart resumes it.
	Rotation *rotationState `json:"rotation,omitempty"`

	// Policy is the resource policy, as it was put; Replicas are the copies in
	// other Regions (replica.go). Both are replaced, never changed in place.
	Policy   *string   `json:"policy,omitempty"`
	Replicas []replica `json:"replicas,omitempty"`

	// primary is set on a replica's view (replica.go): the secret it copies.
	primary *secret
	parsed  policyCache
}

// rotationState is where a rotation stands. Every attempt runs the
// function's four steps with the same token.
type rotationState struct {
	Token    string `json:"token"`
	Function string `json:"function"`
	// TestOnly is RotateImmediately=false: only testSecret runs, once.
	TestOnly bool      `json:"testOnly,omitempty"`
	Started  time.Time `json:"started"`
	// Attempts is how many attempts have failed; an attempt cut short by a
	// crash or Close is not counted.
	Attempts int `json:"attempts,omitempty"`
	// NextAttempt is when the next attempt may start, after a failure.
	NextAttempt time.Time `json:"nextAttempt,omitzero"`
	// Failed says the attempts ran out; LastError is the last one's error.
	Failed    bool   `json:"failed,omitempty"`
	LastError string `json:"lastError,omitempty"`
	// Scheduled says the schedule started it, in the window from
	// WindowOpen to WindowClose.
	Scheduled   bool      `json:"scheduled,omitempty"`
	WindowOpen  time.Time `json:"windowOpen,omitzero"`
	WindowClose time.Time `json:"windowClose,omitzero"`
}

// version is one version of a secret. A version created by RotateSecret has
// no value (HasValue false) until createSecret's PutSecretValue fills it.
type version struct {
	ID       string    `json:"id"`
	Seq      uint64    `json:"seq"`
	String   *string   `json:"string,omitempty"`
	Binary   []byte    `json:"binary,omitempty"`
	Stages   []string  `json:"stages,omitempty"`
	Created  time.Time `json:"created"`
	Accessed time.Time `json:"accessed,omitzero"`
}

type tag struct {
	Key   string `json:"Key"`
	Value string `json:"Value"`
}

type rotationRules struct {
	AutomaticallyAfterDays *int64  `json:"AutomaticallyAfterDays,omitempty"`
	Duration               *string `json:"Duration,omitempty"`
	ScheduleExpression     *string `json:"ScheduleExpression,omitempty"`
}

func (v *version) hasValue() bool { return v.String != nil || v.Binary != nil }

// size is the length of v's value.
func (v *version) size() int64 {
	if v.String != nil {
		return int64(len(*v.String))
	}
	return int64(len(v.Binary))
}

func (v *version) hasStage(stage string) bool {
	for _, s := range v.Stages {
		if s == stage {
			return true
		}
	}
	return false
}

// sameValue reports whether v holds exactly this value (idempotency checks).
func (v *version) sameValue(str *string, bin []byte) bool {
	if str != nil {
		return v.String != nil && *v.String == *str && v.Binary == nil
	}
	return v.String == nil && v.Binary != nil && string(v.Binary) == string(bin)
}

func (s *secret) deleted() bool { return !s.Deleted.IsZero() }

// versionWithStage returns the version carrying stage, or nil.
func (s *secret) versionWithStage(stage string) *version {
	for _, v := range s.Versions {
		if v.hasStage(stage) {
			return v
		}
	}
	return nil
}

// stagesMap is VersionIdsToStages: only versions that carry a label.
func (s *secret) stagesMap() map[string][]string {
	m := make(map[string][]string, len(s.Versions))
	for id, v := range s.Versions {
		if len(v.Stages) > 0 {
			m[id] = append([]string(nil), v.Stages...)
		}
	}
	return m
}

// pendingElsewhere reports whether AWSPENDING sits on a version other than
// AWSCURRENT's: the state AWS calls "a previous rotation isn't complete".
func (s *secret) pendingElsewhere() *version {
	p := s.versionWithStage(stagePending)
	if p == nil || p.hasStage(stageCurrent) {
		return nil
	}
	return p
}
