package secretsmanager

import (
	"slices"
	"sort"
	"time"
)

// Version limits. AWS keeps the 100 most recent versions but never removes
// one younger than 24 hours; a hard ceiling keeps a runaway loop from
// growing a secret without bound (AWS answers LimitExceeded too).
const (
	keepVersions     = 100
	keepYoungerThan  = 24 * time.Hour
	maxVersions      = 1000
	maxStagesPerVers = 20
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
// room for one more version.
func (s *secret) canAddVersion(now time.Time) *apiError {
	s.prune(now)
	if len(s.Versions) >= maxVersions {
		return errorf(typeLimitExceeded, msgTooManyVersions)
	}
	return nil
}

// prune drops deprecated (label-less) versions, oldest first, while there
// are more than 100 and the version is older than 24 hours.
func (s *secret) prune(now time.Time) {
	if len(s.Versions) <= keepVersions {
		return
	}
	var old []*version
	for _, v := range s.Versions {
		if len(v.Stages) == 0 && now.Sub(v.Created) >= keepYoungerThan {
			old = append(old, v)
		}
	}
	sort.Slice(old, func(i, j int) bool { return old[i].Seq < old[j].Seq })
	for _, v := range old {
		if len(s.Versions) <= keepVersions {
			return
		}
		delete(s.Versions, v.ID)
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
