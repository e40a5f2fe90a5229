package secretsmanager

import (
	"slices"
	"sort"
	"time"
)

// Version limits. The sandbox follows AWS's quotas page: "Secrets Manager
// removes unlabeled versions when there are more than 100, but it does not
// remove versions created less than 24 hours ago. If you update the secret
// value more than once every 10 minutes, you create more versions than
// Secrets Manager removes, and you will reach the quota for secret versions."
// (docs.aws.amazon.com/secretsmanager/latest/userguide/reference_limits.html;
// PutSecretValue's and UpdateSecret's API pages say the same.) The oldest
// unlabeled versions go first. The page does not give that quota's number;
// maxVersions is the sandbox's, answered with LimitExceededException as AWS
// answers a quota. 24 hours are the service clock's.
//
// maxValueBytes bounds the values of every version of every secret together,
// so that no client can grow the process's memory (or the state file) without
// bound: 64 MiB holds a thousand full-size (64 KiB) versions, far more than a
// tutorial makes.
const (
	keepVersions     = 100
	keepYoungerThan  = 24 * time.Hour
	maxVersions      = 1000
	maxStagesPerVers = 20
	maxValueBytes    = 64 << 20
)

// attachStage puts stage on v, taking it from whichever version had it: a
// label lives on exactly one version. Moving AWSCURRENT puts AWSPREVIOUS on
// the version it left, as the service does.
func (s *secret) attachStage(stage string, v *version) {
	old := s.versionWithStage(stage)
	if old == v {
		return
	}
	if old != nil {
		old.Stages = removeStage(old.Stages, stage)
	}
	if stage == stageCurrent && old != nil {
		if prev := s.versionWithStage(stagePrevious); prev != nil {
			prev.Stages = removeStage(prev.Stages, stagePrevious)
		}
		old.Stages = append(old.Stages, stagePrevious)
	}
	v.Stages = append(v.Stages, stage)
}

func removeStage(stages []string, stage string) []string {
	return slices.DeleteFunc(stages, func(s string) bool { return s == stage })
}

// canAddVersion reports LimitExceeded when even after pruning there is no
// room for one more version of sec, or for size more bytes of values. Call
// with s.mu held.
func (s *Service) canAddVersion(sec *secret, size int64, now time.Time) *apiError {
	s.prune(sec, now)
	if len(sec.Versions) >= maxVersions {
		return errorf(typeLimitExceeded, msgTooManyVersions)
	}
	return s.roomForValue(size)
}

// roomForValue reports LimitExceeded when size more bytes of values would
// pass maxValueBytes. Call with s.mu held.
func (s *Service) roomForValue(size int64) *apiError {
	if s.valueBytes+size > s.maxValueBytes {
		return errorf(typeLimitExceeded, msgValueQuota, s.maxValueBytes>>20)
	}
	return nil
}

// prune drops unlabeled versions of sec, oldest first, while there are more
// than 100 and the version is at least 24 hours old. Call with s.mu held.
func (s *Service) prune(sec *secret, now time.Time) {
	if len(sec.Versions) <= keepVersions {
		return
	}
	var old []*version
	for _, v := range sec.Versions {
		if len(v.Stages) == 0 && now.Sub(v.Created) >= keepYoungerThan {
			old = append(old, v)
		}
	}
	sort.Slice(old, func(i, j int) bool { return old[i].Seq < old[j].Seq })
	for _, v := range old {
		if len(sec.Versions) <= keepVersions {
			return
		}
		s.deleteVersion(sec, v)
	}
}

// sortedVersions lists versions newest first.
func (s *secret) sortedVersions() []*version {
	vs := make([]*version, 0, len(s.Versions))
	for _, v := range s.Versions {
		vs = append(vs, v)
	}
	sort.Slice(vs, func(i, j int) bool { return vs[i].Seq > vs[j].Seq })
	return vs
}
