package secretsmanager

import (
	"slices"
	"strings"
	"time"
)

func (s *Service) createSecret(rq *request, body []byte) (any, *apiError) {
	var in createSecretInput
	if e := decode(body, &in); e != nil {
		return nil, e
	}
	if in.Name == nil {
		return nil, validationf("name", "Member must not be null")
	}
	if e := validateName(*in.Name); e != nil {
		return nil, e
	}
	if e := validateToken(in.ClientRequestToken); e != nil {
		return nil, e
	}
	if e := validateValue(in.SecretString, in.SecretBinary, false); e != nil {
		return nil, e
	}
	if e := validateDescription(in.Description); e != nil {
		return nil, e
	}
	tags, e := convertTags(in.Tags)
	if e != nil {
		return nil, e
	}
	hasValue := in.SecretString != nil || in.SecretBinary != nil
	if hasValue && in.ClientRequestToken == nil {
		return nil, errorf(typeInvalidRequest, msgTokenRequired)
	}
	if in.AddReplicaRegions != nil {
		if e := validateReplicaRegions(in.AddReplicaRegions); e != nil {
			return nil, e
		}
		if e := replicaRegionsError(*in.Name, rq.region, in.AddReplicaRegions); e != nil {
			return nil, e
		}
	}
	if s.foreign(rq) {
		return nil, s.notInAccount(rq, *in.Name)
	}

	now := s.clock.Now()
	s.mu.Lock()
	defer s.mu.Unlock()
	if sec := s.inRegion(rq.region, *in.Name, now); sec != nil {
		if sec.deleted() {
			return nil, errorf(typeInvalidRequest, msgNameScheduled)
		}
		// Same token and same value: a retried request, answered again.
		if in.ClientRequestToken != nil && sec.primary == nil {
			if v := sec.Versions[*in.ClientRequestToken]; v != nil {
				if hasValue && v.sameValue(in.SecretString, in.SecretBinary) {
					return arnNameVersion{ARN: sec.ARN, Name: sec.Name, VersionId: v.ID}, nil
				}
				return nil, errorf(typeResourceExists, msgTokenInUse, v.ID, sec.ARN)
			}
		}
		return nil, errorf(typeResourceExists, msgSecretExists, sec.Name)
	}
	if hasValue {
		if e := s.roomForValue(valueSize(in.SecretString, in.SecretBinary)); e != nil {
			return nil, e
		}
	}
	sec := s.newSecret(rq.region, *in.Name, now)
	sec.Description = in.Description
	sec.KmsKeyID = in.KmsKeyId
	sec.Tags = tags
	out := createSecretOutput{ARN: sec.ARN, Name: sec.Name}
	if hasValue {
		v := s.addVersion(sec, *in.ClientRequestToken, in.SecretString, in.SecretBinary, []string{stageCurrent}, now)
		out.VersionId = v.ID
	}
	if in.AddReplicaRegions != nil {
		_ = s.addReplicas(sec, in.AddReplicaRegions, in.ForceOverwriteReplicaSecret != nil && *in.ForceOverwriteReplicaSecret, now) // checked above
		out.ReplicationStatus = sec.replicationStatus()
	}
	s.changed(sec)
	return out, nil
}

func (s *Service) getSecretValue(rq *request, body []byte) (any, *apiError) {
	var in getSecretValueInput
	if e := decode(body, &in); e != nil {
		return nil, e
	}
	if in.VersionId != nil && (len(*in.VersionId) < minTokenLen || len(*in.VersionId) > maxTokenLen) {
		return nil, validationf("versionId", "Member must have length between 32 and 64")
	}
	if in.VersionStage != nil && (*in.VersionStage == "" || len(*in.VersionStage) > maxStageLen) {
		return nil, validationf("versionStage", "Member must have length between 1 and 256")
	}
	if in.VersionId != nil {
		rq.with("secretsmanager:VersionId", *in.VersionId)
	}
	if in.VersionStage != nil {
		rq.with("secretsmanager:VersionStage", *in.VersionStage)
	}
	now := s.clock.Now()
	s.mu.Lock()
	defer s.mu.Unlock()
	sec, e := s.lookupLive(rq, in.SecretId, now)
	if e != nil {
		return nil, e
	}
	out, e := s.readValue(sec, in.VersionId, in.VersionStage, now)
	if e != nil {
		return nil, e
	}
	return out, nil
}

// readValue reads a version of sec, by id or label (AWSCURRENT by default), and records
// the read. Call with s.mu held.
func (s *Service) readValue(sec *secret, versionID, stage *string, now time.Time) (getSecretValueOutput, *apiError) {
	var v *version
	notFound := func() *apiError {
		if versionID != nil {
			return errorf(typeResourceNotFound, msgNoValueForVersion, *versionID)
		}
		return errorf(typeResourceNotFound, msgNoValueForStage, *stage)
	}
	if versionID != nil {
		v = sec.Versions[*versionID]
		if v == nil {
			return getSecretValueOutput{}, notFound()
		}
		if stage != nil && !v.hasStage(*stage) {
			return getSecretValueOutput{}, errorf(typeInvalidRequest, msgStageVersionMismatch)
		}
	} else {
		if stage == nil {
			st := stageCurrent
			stage = &st
		}
		if v = sec.versionWithStage(*stage); v == nil {
			return getSecretValueOutput{}, notFound()
		}
	}
	// A version RotateSecret created has no value until createSecret
	// stores one: reading it is "not found", as on AWS.
	if !v.hasValue() {
		return getSecretValueOutput{}, notFound()
	}
	s.accessed(sec, v, now)
	return getSecretValueOutput{
		ARN: sec.ARN, Name: sec.Name, VersionId: v.ID,
		SecretString: v.String, SecretBinary: v.Binary,
		VersionStages: slices.Clone(v.Stages), CreatedDate: epoch(v.Created),
	}, nil
}

func (s *Service) putSecretValue(rq *request, body []byte) (any, *apiError) {
	var in putSecretValueInput
	if e := decode(body, &in); e != nil {
		return nil, e
	}
	if e := validateToken(in.ClientRequestToken); e != nil {
		return nil, e
	}
	if e := validateValue(in.SecretString, in.SecretBinary, true); e != nil {
		return nil, e
	}
	if in.VersionStages != nil && len(in.VersionStages) == 0 {
		return nil, validationf("versionStages", "Member must have length greater than or equal to 1")
	}
	if e := validateStages(in.VersionStages, "versionStages"); e != nil {
		return nil, e
	}
	stages := in.VersionStages
	if stages == nil {
		stages = []string{stageCurrent}
	}
	stages = uniqueStages(stages)

	now := s.clock.Now()
	s.mu.Lock()
	defer s.mu.Unlock()
	sec, e := s.lookupLive(rq, in.SecretId, now)
	if e != nil {
		return nil, e
	}
	if in.ClientRequestToken == nil {
		return nil, errorf(typeInvalidRequest, msgTokenRequired)
	}
	tok := *in.ClientRequestToken
	v := sec.Versions[tok]
	switch {
	case v != nil && v.hasValue() && v.sameValue(in.SecretString, in.SecretBinary):
		// A retried request: nothing changes.
		return putSecretValueOutput{ARN: sec.ARN, Name: sec.Name, VersionId: v.ID, VersionStages: slices.Clone(v.Stages)}, nil
	case v != nil && v.hasValue():
		return nil, errorf(typeResourceExists, msgTokenInUse, tok, sec.ARN)
	case v != nil:
		// The empty version RotateSecret made: createSecret fills it.
		if e := stageRoom(v, stages); e != nil {
			return nil, e
		}
		if e := s.roomForValue(valueSize(in.SecretString, in.SecretBinary)); e != nil {
			return nil, e
		}
		s.setValue(v, in.SecretString, in.SecretBinary)
		for _, st := range stages {
			sec.attachStage(st, v)
		}
	default:
		if e := s.canAddVersion(sec, valueSize(in.SecretString, in.SecretBinary), now); e != nil {
			return nil, e
		}
		v = s.addVersion(sec, tok, in.SecretString, in.SecretBinary, stages, now)
	}
	sec.Changed = now
	if slices.Contains(stages, stageCurrent) {
		s.currentMoved(sec, v, now)
	}
	s.changed(sec)
	return putSecretValueOutput{ARN: sec.ARN, Name: sec.Name, VersionId: v.ID, VersionStages: slices.Clone(v.Stages)}, nil
}

// valueSize is the length of a value from the wire.
func valueSize(str *string, bin []byte) int64 {
	if str != nil {
		return int64(len(*str))
	}
	return int64(len(bin))
}

// stageRoom checks that adding stages keeps v within 20 labels.
func stageRoom(v *version, stages []string) *apiError {
	n := len(v.Stages)
	for _, st := range stages {
		if !v.hasStage(st) {
			n++
		}
	}
	if n > maxStagesPerVers {
		return errorf(typeLimitExceeded, msgTooManyLabels)
	}
	return nil
}

func uniqueStages(stages []string) []string {
	out := make([]string, 0, len(stages))
	for _, st := range stages {
		if !slices.Contains(out, st) {
			out = append(out, st)
		}
	}
	return out
}

func (s *Service) updateSecret(rq *request, body []byte) (any, *apiError) {
	var in updateSecretInput
	if e := decode(body, &in); e != nil {
		return nil, e
	}
	if e := validateToken(in.ClientRequestToken); e != nil {
		return nil, e
	}
	if e := validateValue(in.SecretString, in.SecretBinary, false); e != nil {
		return nil, e
	}
	if e := validateDescription(in.Description); e != nil {
		return nil, e
	}
	hasValue := in.SecretString != nil || in.SecretBinary != nil

	now := s.clock.Now()
	s.mu.Lock()
	defer s.mu.Unlock()
	sec, e := s.lookupLive(rq, in.SecretId, now)
	if e != nil {
		return nil, e
	}
	out := arnNameVersion{ARN: sec.ARN, Name: sec.Name}
	var newVersion bool
	if hasValue {
		if in.ClientRequestToken == nil {
			return nil, errorf(typeInvalidRequest, msgTokenRequired)
		}
		if v := sec.Versions[*in.ClientRequestToken]; v != nil {
			if !v.hasValue() || !v.sameValue(in.SecretString, in.SecretBinary) {
				return nil, errorf(typeResourceExists, msgTokenInUse, v.ID, sec.ARN)
			}
			out.VersionId = v.ID // a retried request
		} else {
			if e := s.canAddVersion(sec, valueSize(in.SecretString, in.SecretBinary), now); e != nil {
				return nil, e
			}
			newVersion = true
		}
	}
	if in.Description != nil {
		sec.Description = in.Description
	}
	if in.KmsKeyId != nil {
		sec.KmsKeyID = in.KmsKeyId
	}
	if newVersion {
		v := s.addVersion(sec, *in.ClientRequestToken, in.SecretString, in.SecretBinary, []string{stageCurrent}, now)
		out.VersionId = v.ID
		s.currentMoved(sec, v, now)
	}
	sec.Changed = now
	s.changed(sec)
	return out, nil
}

func (s *Service) updateSecretVersionStage(rq *request, body []byte) (any, *apiError) {
	var in updateStageInput
	if e := decode(body, &in); e != nil {
		return nil, e
	}
	if in.VersionStage == nil || *in.VersionStage == "" || len(*in.VersionStage) > maxStageLen {
		return nil, validationf("versionStage", "Member must have length between 1 and 256")
	}
	for _, id := range []*string{in.MoveToVersionId, in.RemoveFromVersionId} {
		if id != nil && (len(*id) < minTokenLen || len(*id) > maxTokenLen) {
			return nil, validationf("versionId", "Member must have length between 32 and 64")
		}
	}
	stage := *in.VersionStage

	now := s.clock.Now()
	s.mu.Lock()
	defer s.mu.Unlock()
	sec, e := s.lookupLive(rq, in.SecretId, now)
	if e != nil {
		return nil, e
	}
	out := arnName{ARN: sec.ARN, Name: sec.Name}
	holder := sec.versionWithStage(stage)
	var from, to *version
	if in.RemoveFromVersionId != nil {
		if from = sec.Versions[*in.RemoveFromVersionId]; from == nil {
			return nil, errorf(typeResourceNotFound, msgNoValueForVersion, *in.RemoveFromVersionId)
		}
		if from != holder {
			return nil, errorf(typeInvalidParameter, msgNotAttached, stage, from.ID)
		}
	}
	if in.MoveToVersionId != nil {
		if to = sec.Versions[*in.MoveToVersionId]; to == nil {
			return nil, errorf(typeResourceNotFound, msgNoValueForVersion, *in.MoveToVersionId)
		}
		if holder != nil && holder != to && from == nil {
			return nil, errorf(typeInvalidParameter, msgRemoveFromRequired, stage, holder.ID)
		}
		if e := stageRoom(to, []string{stage}); e != nil {
			return nil, e
		}
	}
	switch {
	case to == nil && from == nil:
		return out, nil // nothing asked
	case to == nil:
		if stage == stageCurrent {
			return nil, errorf(typeInvalidParameter, msgCurrentNotRemovable)
		}
		from.Stages = removeStage(from.Stages, stage)
	case to == holder:
		return out, nil // already there
	default:
		sec.attachStage(stage, to)
		if stage == stageCurrent {
			s.currentMoved(sec, to, now)
		}
	}
	sec.Changed = now
	s.changed(sec)
	return out, nil
}

func (s *Service) describeSecret(rq *request, body []byte) (any, *apiError) {
	var in secretIDInput
	if e := decode(body, &in); e != nil {
		return nil, e
	}
	now := s.clock.Now()
	s.mu.Lock()
	defer s.mu.Unlock()
	sec, e := s.lookup(rq, in.SecretId, now)
	if e != nil {
		return nil, e
	}
	m := s.meta(sec)
	m.VersionIdsToStages = sec.stagesMap()
	if len(sec.Replicas) > 0 {
		m.ReplicationStatus = sec.replicationStatus()
	}
	return m, nil
}

// meta is the metadata DescribeSecret and ListSecrets share; only populated
// fields are set, as AWS omits the rest. Call with s.mu held.
func (s *Service) meta(sec *secret) secretMeta {
	m := secretMeta{
		ARN:               sec.ARN,
		Name:              sec.Name,
		Description:       sec.Description,
		KmsKeyId:          sec.KmsKeyID,
		RotationEnabled:   sec.RotationEnabled,
		RotationLambdaARN: sec.RotationLambda,
		LastRotatedDate:   epoch(sec.LastRotated),
		LastChangedDate:   epoch(sec.Changed),
		LastAccessedDate:  epoch(sec.Accessed),
		DeletedDate:       epoch(sec.Deleted),
		Tags:              slices.Clone(sec.Tags),
		CreatedDate:       epoch(sec.Created),
	}
	if sec.multiRegion() {
		m.PrimaryRegion = sec.primaryRegion()
	}
	if sec.Rules != nil {
		r := *sec.Rules
		m.RotationRules = &r
	}
	if sec.RotationEnabled != nil && *sec.RotationEnabled {
		if at, _, ok := dueAt(sec, s.clock.Now()); ok {
			m.NextRotationDate = epoch(at)
		}
	}
	return m
}

func (s *Service) listSecretVersionIds(rq *request, body []byte) (any, *apiError) {
	var in listVersionsInput
	if e := decode(body, &in); e != nil {
		return nil, e
	}
	size, e := pageSize(in.MaxResults)
	if e != nil {
		return nil, e
	}
	now := s.clock.Now()
	s.mu.Lock()
	defer s.mu.Unlock()
	sec, e := s.lookup(rq, in.SecretId, now)
	if e != nil {
		return nil, e
	}
	var all []versionEntry
	for _, v := range sec.sortedVersions() {
		if len(v.Stages) == 0 && (in.IncludeDeprecated == nil || !*in.IncludeDeprecated) {
			continue
		}
		all = append(all, versionEntry{
			VersionId:        v.ID,
			VersionStages:    slices.Clone(v.Stages),
			LastAccessedDate: epoch(v.Accessed),
			CreatedDate:      epoch(v.Created),
			KmsKeyIds:        []string{"DefaultEncryptionKey"},
		})
	}
	page, next, e := paginate(all, in.NextToken, size)
	if e != nil {
		return nil, e
	}
	if page == nil {
		page = []versionEntry{}
	}
	return listVersionsOutput{ARN: sec.ARN, Name: sec.Name, Versions: page, NextToken: next}, nil
}

func (s *Service) deleteSecret(rq *request, body []byte) (any, *apiError) {
	var in deleteSecretInput
	if e := decode(body, &in); e != nil {
		return nil, e
	}
	force := in.ForceDeleteWithoutRecovery != nil && *in.ForceDeleteWithoutRecovery
	if force && in.RecoveryWindowInDays != nil {
		return nil, errorf(typeInvalidParameter, msgForceAndWindow)
	}
	days := int64(30)
	if in.RecoveryWindowInDays != nil {
		days = *in.RecoveryWindowInDays
		if days < 7 || days > 30 {
			return nil, errorf(typeInvalidParameter, msgRecoveryWindow)
		}
	}
	now := s.clock.Now()
	s.mu.Lock()
	defer s.mu.Unlock()
	sec, e := s.lookup(rq, in.SecretId, now)
	if e != nil {
		// Forcing the deletion of a secret that is not there succeeds on
		// AWS, so scripts can clean up without checking first.
		if force && e.Type == typeResourceNotFound {
			return deleteSecretOutput{ARN: arnOrEmpty(*in.SecretId), Name: nameOrEmpty(*in.SecretId), DeletionDate: epoch(now)}, nil
		}
		return nil, e
	}
	if len(sec.Replicas) > 0 {
		regions := make([]string, 0, len(sec.Replicas))
		for _, r := range sec.Replicas {
			regions = append(regions, r.Region)
		}
		return nil, errorf(typeInvalidParameter, msgDeleteWithReplicas, *in.SecretId, strings.Join(regions, ", "))
	}
	if force {
		s.stopRotation(sec)
		s.forget(sec)
		return deleteSecretOutput{ARN: sec.ARN, Name: sec.Name, DeletionDate: epoch(now)}, nil
	}
	if sec.deleted() {
		return nil, errorf(typeInvalidRequest, msgAlreadyScheduled)
	}
	sec.Deleted = now
	sec.Purge = now.Add(time.Duration(days) * 24 * time.Hour)
	s.changed(sec)
	return deleteSecretOutput{ARN: sec.ARN, Name: sec.Name, DeletionDate: epoch(sec.Purge)}, nil
}

func arnOrEmpty(id string) string {
	if len(id) > 4 && id[:4] == "arn:" {
		return id
	}
	return ""
}

func nameOrEmpty(id string) string {
	if arnOrEmpty(id) != "" {
		return ""
	}
	return id
}

func (s *Service) restoreSecret(rq *request, body []byte) (any, *apiError) {
	var in secretIDInput
	if e := decode(body, &in); e != nil {
		return nil, e
	}
	now := s.clock.Now()
	s.mu.Lock()
	defer s.mu.Unlock()
	sec, e := s.lookup(rq, in.SecretId, now)
	if e != nil {
		return nil, e
	}
	if sec.deleted() {
		sec.Deleted, sec.Purge = time.Time{}, time.Time{}
		s.changed(sec)
	}
	return arnName{ARN: sec.ARN, Name: sec.Name}, nil
}

func (s *Service) tagResource(rq *request, body []byte) (any, *apiError) {
	var in tagResourceInput
	if e := decode(body, &in); e != nil {
		return nil, e
	}
	if in.Tags == nil {
		return nil, validationf("tags", "Member must not be null")
	}
	tags, e := convertTags(in.Tags)
	if e != nil {
		return nil, e
	}
	now := s.clock.Now()
	s.mu.Lock()
	defer s.mu.Unlock()
	sec, e := s.lookupLive(rq, in.SecretId, now)
	if e != nil {
		return nil, e
	}
	merged := mergeTags(sec.Tags, tags)
	if len(merged) > maxTags {
		return nil, errorf(typeLimitExceeded, "A secret can have at most %d tags.", maxTags)
	}
	sec.Tags = merged
	s.changed(sec)
	return empty{}, nil
}

func (s *Service) untagResource(rq *request, body []byte) (any, *apiError) {
	var in untagResourceInput
	if e := decode(body, &in); e != nil {
		return nil, e
	}
	if in.TagKeys == nil {
		return nil, validationf("tagKeys", "Member must not be null")
	}
	now := s.clock.Now()
	s.mu.Lock()
	defer s.mu.Unlock()
	sec, e := s.lookupLive(rq, in.SecretId, now)
	if e != nil {
		return nil, e
	}
	sec.Tags = slices.DeleteFunc(slices.Clone(sec.Tags), func(t tag) bool { return slices.Contains(in.TagKeys, t.Key) })
	s.changed(sec)
	return empty{}, nil
}
