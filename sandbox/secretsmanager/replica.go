package secretsmanager

import (
	"slices"
	"strings"
	"time"

	"rotation-tutor/sandbox/sigv4"
)

// replica is a secret's copy in another Region. It keeps no data of its own but its
// encryption key and the day it was last read there: its value, versions, tags,
// description, rotation and policy are the primary's, so it follows every change of the
// primary, rotations included, the moment it happens (AWS copies asynchronously, within
// seconds). A replica that could not be made (a secret of that name is in the Region) is
// kept as Failed, as AWS lists it, with no copy behind it.
type replica struct {
	Region   string    `json:"region"`
	KmsKeyID *string   `json:"kmsKeyId,omitempty"`
	Status   string    `json:"status"`
	Message  string    `json:"message,omitempty"`
	Created  time.Time `json:"created"`
	Accessed time.Time `json:"accessed,omitzero"`
}

// Replication statuses and messages, and the key a replica reports when none was chosen.
const (
	statusInSync          = "InSync"
	statusFailed          = "Failed"
	msgReplicated         = "Replication succeeded"
	msgReplicaNameTaken   = "Replication failed: Secret with this name already exists in this region."
	msgReplicaReadOnly    = "Operation not permitted on a replica secret. Call must be made in primary secret's region."
	msgReplicaHome        = "The secret %s is in %s already: replicate it to other Regions."
	msgNotAReplica        = "The secret %s in %s is not a replica: call StopReplicationToReplica in the Region of the replica to promote."
	msgDeleteWithReplicas = "You can't delete secret %s that still has replica regions [%s]."
	defaultKeyAlias       = "alias/aws/secretsmanager"
)

// readableOnReplica are the operations a replica answers in its Region; every other one
// is refused there, as AWS refuses changes to a replica.
var readableOnReplica = map[string]bool{
	"GetSecretValue": true, "BatchGetSecretValue": true, "DescribeSecret": true,
	"ListSecretVersionIds": true, "GetResourcePolicy": true, "ValidateResourcePolicy": true,
	"StopReplicationToReplica": true,
}

// regionName keys the per-Region indexes: a secret's name is unique in its Region.
func regionName(region, name string) string { return region + " " + name }

// arnRegion is the Region field of an ARN.
func arnRegion(arn string) string {
	parts := strings.SplitN(arn, ":", 5)
	if len(parts) < 5 {
		return ""
	}
	return parts[3]
}

// withRegion is arn with its Region replaced: a replica's ARN is its primary's in the
// replica's Region.
func withRegion(arn, region string) string {
	parts := strings.SplitN(arn, ":", 5)
	if len(parts) < 5 {
		return arn
	}
	parts[3] = region
	return strings.Join(parts, ":")
}

func (sec *secret) region() string { return arnRegion(sec.ARN) }

// primaryRegion is the Region of the secret's primary: its own, unless it is a replica.
func (sec *secret) primaryRegion() string {
	if sec.primary != nil {
		return sec.primary.region()
	}
	return sec.region()
}

// multiRegion reports whether the secret is a replica or a primary with replicas: only
// those report a PrimaryRegion.
func (sec *secret) multiRegion() bool { return sec.primary != nil || len(sec.Replicas) > 0 }

// replicaIn returns the replica in region that is in sync.
func (sec *secret) replicaIn(region string) (replica, bool) {
	for _, r := range sec.Replicas {
		if r.Region == region && r.Status == statusInSync {
			return r, true
		}
	}
	return replica{}, false
}

// view is a replica as its Region sees it: the primary's data under the replica's ARN,
// key and access date. It is read, never changed. Call with s.mu held.
func (sec *secret) view(rep replica) *secret {
	v := *sec
	v.ARN = withRegion(sec.ARN, rep.Region)
	v.KmsKeyID = rep.KmsKeyID
	v.Accessed = rep.Accessed
	v.Replicas = nil
	v.primary = sec
	return &v
}

// inRegion finds the secret called name in region: one of the Region's own, or a replica
// there (as its view). Call with s.mu held.
func (s *Service) inRegion(region, name string, now time.Time) *secret {
	if sec := s.byName(region, name, now); sec != nil {
		return sec
	}
	if p := s.alive(s.replicas[regionName(region, name)], now); p != nil {
		if rep, ok := p.replicaIn(region); ok {
			return p.view(rep)
		}
	}
	return nil
}

// replicationStatusJSON is a ReplicationStatusType on the wire.
type replicationStatusJSON struct {
	Region           string `json:"Region"`
	KmsKeyId         string `json:"KmsKeyId,omitempty"`
	Status           string `json:"Status"`
	StatusMessage    string `json:"StatusMessage,omitempty"`
	LastAccessedDate epoch  `json:"LastAccessedDate,omitzero"`
}

// replicationStatus lists the replicas as AWS reports them; never nil, so an answer
// about a secret with no replica left shows an empty list.
func (sec *secret) replicationStatus() []replicationStatusJSON {
	out := make([]replicationStatusJSON, 0, len(sec.Replicas))
	for _, r := range sec.Replicas {
		key := defaultKeyAlias
		if r.KmsKeyID != nil && *r.KmsKeyID != "" {
			key = *r.KmsKeyID
		}
		out = append(out, replicationStatusJSON{Region: r.Region, KmsKeyId: key, Status: r.Status,
			StatusMessage: r.Message, LastAccessedDate: epoch(r.Accessed)})
	}
	return out
}

// accessed records a read of v: access dates have day precision, so this writes at most
// once a day. A replica's read is its own; the versions' dates are the primary's.
func (s *Service) accessed(sec *secret, v *version, now time.Time) {
	day := dayOf(now)
	if p := sec.primary; p != nil {
		i := slices.IndexFunc(p.Replicas, func(r replica) bool { return r.Region == sec.region() })
		if i >= 0 && !p.Replicas[i].Accessed.Equal(day) {
			reps := slices.Clone(p.Replicas)
			reps[i].Accessed = day
			p.Replicas = reps
			s.changed(p)
		}
		return
	}
	if !sec.Accessed.Equal(day) || !v.Accessed.Equal(day) {
		sec.Accessed, v.Accessed = day, day
		s.changed(sec)
	}
}

type replicaRegionJSON struct {
	Region   *string
	KmsKeyId *string
}

// validateReplicaRegions checks AddReplicaRegions against the model.
func validateReplicaRegions(add []replicaRegionJSON) *apiError {
	if len(add) == 0 {
		return validationf("addReplicaRegions", "Member must have length greater than or equal to 1")
	}
	for _, r := range add {
		if r.Region == nil || !sigv4.IsRegion(*r.Region) || len(*r.Region) > 128 {
			return validationf("addReplicaRegions.member.region", `Member must satisfy regular expression pattern: ^([a-z]+-)+\d+$`)
		}
		if r.KmsKeyId != nil && len(*r.KmsKeyId) > 2048 {
			return validationf("addReplicaRegions.member.kmsKeyId", "Member must have length less than or equal to 2048")
		}
	}
	return nil
}

// addReplicas replicates sec to the Regions in add. A Region where another secret has the
// name gets a Failed replica, unless force, which replaces that secret (a standalone one:
// another primary's replica, or a primary with replicas, is never replaced). A Region the
// secret is already replicated to in sync is left as it is. Everything is checked before
// anything changes. Call with s.mu held.
func (s *Service) addReplicas(sec *secret, add []replicaRegionJSON, force bool, now time.Time) *apiError {
	if e := replicaRegionsError(sec.Name, sec.region(), add); e != nil {
		return e
	}
	reps := slices.Clone(sec.Replicas)
	for _, r := range add {
		region := *r.Region
		i := slices.IndexFunc(reps, func(x replica) bool { return x.Region == region })
		if i >= 0 && reps[i].Status == statusInSync {
			continue
		}
		rep := replica{Region: region, KmsKeyID: r.KmsKeyId, Status: statusInSync, Message: msgReplicated, Created: now}
		if occupant := s.inRegion(region, sec.Name, now); occupant != nil {
			if !force || occupant.multiRegion() {
				rep.Status, rep.Message = statusFailed, msgReplicaNameTaken
			} else {
				s.stopRotation(occupant)
				s.forget(occupant)
			}
		}
		if rep.Status == statusInSync {
			s.replicas[regionName(region, sec.Name)] = sec
		}
		if i >= 0 {
			reps[i] = rep
		} else {
			reps = append(reps, rep)
		}
	}
	sec.Replicas = reps
	return nil
}

// replicaRegionsError refuses a list of Regions that names the secret's own Region
// (home) or one Region twice.
func replicaRegionsError(name, home string, add []replicaRegionJSON) *apiError {
	seen := map[string]bool{}
	for _, r := range add {
		if *r.Region == home {
			return errorf(typeInvalidParameter, msgReplicaHome, name, home)
		}
		if seen[*r.Region] {
			return errorf(typeInvalidParameter, "The Region %s is listed twice in AddReplicaRegions.", *r.Region)
		}
		seen[*r.Region] = true
	}
	return nil
}

type replicateInput struct {
	SecretId                    *string
	AddReplicaRegions           []replicaRegionJSON
	ForceOverwriteReplicaSecret *bool
}

type replicationOutput struct {
	ARN               string                  `json:"ARN"`
	ReplicationStatus []replicationStatusJSON `json:"ReplicationStatus"`
}

func (s *Service) replicateSecretToRegions(rq *request, body []byte) (any, *apiError) {
	var in replicateInput
	if e := decode(body, &in); e != nil {
		return nil, e
	}
	if e := validateReplicaRegions(in.AddReplicaRegions); e != nil {
		return nil, e
	}
	now := s.clock.Now()
	s.mu.Lock()
	defer s.mu.Unlock()
	sec, e := s.lookupLive(rq, in.SecretId, now)
	if e != nil {
		return nil, e
	}
	if e := s.addReplicas(sec, in.AddReplicaRegions, in.ForceOverwriteReplicaSecret != nil && *in.ForceOverwriteReplicaSecret, now); e != nil {
		return nil, e
	}
	s.changed(sec)
	return replicationOutput{ARN: sec.ARN, ReplicationStatus: sec.replicationStatus()}, nil
}

type removeRegionsInput struct {
	SecretId             *string
	RemoveReplicaRegions []string
}

// removeRegionsFromReplication deletes the replicas in the Regions given; a Region the
// secret has no replica in is passed over.
func (s *Service) removeRegionsFromReplication(rq *request, body []byte) (any, *apiError) {
	var in removeRegionsInput
	if e := decode(body, &in); e != nil {
		return nil, e
	}
	if len(in.RemoveReplicaRegions) == 0 {
		return nil, validationf("removeReplicaRegions", "Member must have length greater than or equal to 1")
	}
	for _, r := range in.RemoveReplicaRegions {
		if !sigv4.IsRegion(r) {
			return nil, validationf("removeReplicaRegions.member", `Member must satisfy regular expression pattern: ^([a-z]+-)+\d+$`)
		}
	}
	now := s.clock.Now()
	s.mu.Lock()
	defer s.mu.Unlock()
	sec, e := s.lookupLive(rq, in.SecretId, now)
	if e != nil {
		return nil, e
	}
	sec.Replicas = slices.DeleteFunc(slices.Clone(sec.Replicas), func(r replica) bool {
		if !slices.Contains(in.RemoveReplicaRegions, r.Region) {
			return false
		}
		if r.Status == statusInSync {
			delete(s.replicas, regionName(r.Region, sec.Name))
		}
		return true
	})
	if len(sec.Replicas) == 0 {
		sec.Replicas = nil
	}
	s.changed(sec)
	return replicationOutput{ARN: sec.ARN, ReplicationStatus: sec.replicationStatus()}, nil
}

// stopReplicationToReplica promotes the replica in the caller's Region to a standalone
// secret there: a copy of the primary as it is now (versions, labels, description, tags,
// policy) under the replica's ARN and key, with no rotation configured, that changes of
// the primary no longer reach.
func (s *Service) stopReplicationToReplica(rq *request, body []byte) (any, *apiError) {
	var in secretIDInput
	if e := decode(body, &in); e != nil {
		return nil, e
	}
	now := s.clock.Now()
	s.mu.Lock()
	defer s.mu.Unlock()
	view, e := s.lookup(rq, in.SecretId, now)
	if e != nil {
		return nil, e
	}
	p := view.primary
	if p == nil {
		return nil, errorf(typeInvalidParameter, msgNotAReplica, view.Name, rq.region)
	}
	// The copy's values count against the quota of all values, as any other version's.
	var size int64
	for _, v := range p.Versions {
		size += v.size()
	}
	if e := s.roomForValue(size); e != nil {
		return nil, e
	}
	rep, _ := p.replicaIn(rq.region)
	s.seq++
	promoted := &secret{
		Seq: s.seq, Name: p.Name, ARN: view.ARN, Description: p.Description, KmsKeyID: rep.KmsKeyID,
		Tags: slices.Clone(p.Tags), Created: rep.Created, Changed: now, Accessed: rep.Accessed,
		Versions: make(map[string]*version, len(p.Versions)), Policy: p.Policy,
	}
	for id, v := range p.Versions {
		c := &version{ID: id, Seq: v.Seq, Stages: slices.Clone(v.Stages), Created: v.Created, Accessed: v.Accessed}
		s.setValue(c, v.String, v.Binary)
		promoted.Versions[id] = c
		s.versionCount++
	}
	p.Replicas = slices.DeleteFunc(slices.Clone(p.Replicas), func(r replica) bool { return r.Region == rq.region })
	if len(p.Replicas) == 0 {
		p.Replicas = nil
	}
	delete(s.replicas, regionName(rq.region, p.Name))
	s.register(promoted)
	s.changed(p)
	s.changed(promoted)
	return struct {
		ARN string `json:"ARN"`
	}{promoted.ARN}, nil
}
