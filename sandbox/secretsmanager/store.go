package secretsmanager

import (
	"crypto/rand"
	"sort"
	"strings"
	"time"

	"github.com/google/uuid"
)

// Limits from the service model.
const (
	maxSecretBytes      = 65536
	maxNameLen          = 512
	maxDescriptionLen   = 2048
	maxTags             = 50
	maxTagKeyLen        = 128
	maxTagValueLen      = 256
	minTokenLen         = 32
	maxTokenLen         = 64
	maxStageLen         = 256
	maxLambdaARNLen     = 2048
	arnSuffixLen        = 6
	arnSuffixCharacters = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
)

func newToken() string { return uuid.NewString() }

// randomString draws n characters of alphabet from crypto/rand, without
// modulo bias.
func randomString(n int, alphabet string) string {
	out := make([]byte, n)
	for i := range out {
		out[i] = alphabet[randIndex(len(alphabet))]
	}
	return string(out)
}

// randIndex returns a uniform index in [0, n) (n ≤ 1<<16).
func randIndex(n int) int {
	limit := (1 << 16) / n * n
	var b [2]byte
	for {
		_, _ = rand.Read(b[:]) // crypto/rand.Read never fails (Go ≥ 1.24)
		v := int(b[0])<<8 | int(b[1])
		if v < limit {
			return v % n
		}
	}
}

// newSecret registers a new, version-less secret in region; call with s.mu held.
func (s *Service) newSecret(region, name string, now time.Time) *secret {
	var arn string
	for {
		arn = s.arnPrefix(region) + name + "-" + randomString(arnSuffixLen, arnSuffixCharacters)
		if s.byARN[arn] == nil {
			break
		}
	}
	s.seq++
	sec := &secret{
		Seq:      s.seq,
		Name:     name,
		ARN:      arn,
		Created:  now,
		Changed:  now,
		Versions: map[string]*version{},
	}
	s.register(sec)
	return sec
}

func (s *Service) arnPrefix(region string) string {
	return "arn:aws:secretsmanager:" + region + ":" + s.opts.AccountID + ":secret:"
}

// register indexes a secret, and its replicas, by Region and name and by ARN.
func (s *Service) register(sec *secret) {
	s.secrets[regionName(sec.region(), sec.Name)] = sec
	s.byARN[sec.ARN] = sec
	for _, r := range sec.Replicas {
		if r.Status == statusInSync {
			s.replicas[regionName(r.Region, sec.Name)] = sec
		}
	}
}

// addVersion adds a version and puts the given labels on it; call with
// s.mu held after checking limits.
func (s *Service) addVersion(sec *secret, id string, str *string, bin []byte, stages []string, now time.Time) *version {
	s.seq++
	v := &version{ID: id, Seq: s.seq, Created: now}
	sec.Versions[id] = v
	s.versionCount++
	s.setValue(v, str, bin)
	for _, st := range stages {
		sec.attachStage(st, v)
	}
	s.prune(sec, now)
	s.changed(sec)
	return v
}

// setValue stores a version's value (a copy: the caller's may change). Call
// with s.mu held, after roomForValue.
func (s *Service) setValue(v *version, str *string, bin []byte) {
	if str != nil {
		c := *str
		v.String = &c
	} else if bin != nil {
		v.Binary = append([]byte{}, bin...)
	}
	s.valueBytes += v.size()
}

// deleteVersion removes a version; call with s.mu held.
func (s *Service) deleteVersion(sec *secret, v *version) {
	delete(sec.Versions, v.ID)
	s.valueBytes -= v.size()
	s.versionCount--
	s.changed(sec)
}

func (s *Service) forget(sec *secret) {
	delete(s.secrets, regionName(sec.region(), sec.Name))
	delete(s.byARN, sec.ARN)
	for _, r := range sec.Replicas {
		if s.replicas[regionName(r.Region, sec.Name)] == sec {
			delete(s.replicas, regionName(r.Region, sec.Name))
		}
	}
	for _, v := range sec.Versions {
		s.valueBytes -= v.size()
		s.versionCount--
	}
	s.changed(sec)
}

// byName returns the secret of region called name, dropping it first if its
// recovery window has run out. Call with s.mu held.
func (s *Service) byName(region, name string, now time.Time) *secret {
	return s.alive(s.secrets[regionName(region, name)], now)
}

func (s *Service) alive(sec *secret, now time.Time) *secret {
	if sec != nil && sec.deleted() && !now.Before(sec.Purge) {
		s.forget(sec)
		return nil
	}
	return sec
}

// find resolves a SecretId in the request's Region: a name, a full ARN, or a
// partial ARN (the ARN without its "-XXXXXX" suffix); a replica there is found
// as its view. A principal of another account names a secret by its ARN: a
// name would be looked up in its own account, which the service does not hold.
// Call with s.mu held.
func (s *Service) find(rq *request, id string, now time.Time) *secret {
	if !strings.HasPrefix(id, "arn:") {
		if s.foreign(rq) {
			return nil
		}
		return s.inRegion(rq.region, id, now)
	}
	rest, ok := strings.CutPrefix(id, s.arnPrefix(rq.region))
	if !ok {
		return nil // another Region's or account's
	}
	if sec := s.byARN[id]; sec != nil {
		return s.alive(sec, now)
	}
	if sec := s.inRegion(rq.region, rest, now); sec != nil {
		return sec // a partial ARN
	}
	// A replica's full ARN: its name, then the primary's suffix.
	if len(rest) > arnSuffixLen+1 {
		if sec := s.inRegion(rq.region, rest[:len(rest)-arnSuffixLen-1], now); sec != nil && sec.ARN == id {
			return sec
		}
	}
	return nil
}

// lookup is find with AWS's answers for a missing id or secret, then the
// secret's policy applied to the request, and a replica's refusal of anything
// but reads.
func (s *Service) lookup(rq *request, id *string, now time.Time) (*secret, *apiError) {
	if id == nil || *id == "" {
		return nil, validationf("secretId", "Member must not be null")
	}
	if len(*id) > 2048 {
		return nil, validationf("secretId", "Member must have length less than or equal to 2048")
	}
	sec := s.find(rq, *id, now)
	if sec == nil {
		return nil, errorf(typeResourceNotFound, msgSecretNotFound)
	}
	if e := s.authorize(rq, sec, *id, now); e != nil {
		return nil, e
	}
	if sec.primary != nil && !readableOnReplica[rq.op] {
		return nil, errorf(typeInvalidParameter, msgReplicaReadOnly)
	}
	return sec, nil
}

// lookupLive is lookup that refuses secrets scheduled for deletion.
func (s *Service) lookupLive(rq *request, id *string, now time.Time) (*secret, *apiError) {
	sec, err := s.lookup(rq, id, now)
	if err != nil {
		return nil, err
	}
	if sec.deleted() {
		return nil, errorf(typeInvalidRequest, msgMarkedForDeletion)
	}
	return sec, nil
}

func validateName(name string) *apiError {
	if name == "" || len(name) > maxNameLen {
		return validationf("name", "Member must have length between 1 and 512")
	}
	for _, c := range []byte(name) {
		switch {
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9':
		case strings.IndexByte("/_+=.@-!", c) >= 0:
		default:
			return errorf(typeValidation, msgInvalidName)
		}
	}
	return nil
}

func validateToken(tok *string) *apiError {
	if tok != nil && (len(*tok) < minTokenLen || len(*tok) > maxTokenLen) {
		return errorf(typeInvalidParameter, msgTokenLength)
	}
	return nil
}

// validateValue checks SecretString/SecretBinary; required says one must be
// present.
func validateValue(str *string, bin []byte, required bool) *apiError {
	switch {
	case str != nil && bin != nil:
		return errorf(typeInvalidParameter, msgBothValues)
	case str == nil && bin == nil:
		if required {
			return errorf(typeInvalidRequest, msgNoValue)
		}
	case str != nil && (len(*str) == 0 || len(*str) > maxSecretBytes):
		return validationf("secretString", "Member must have length between 1 and 65536")
	case bin != nil && (len(bin) == 0 || len(bin) > maxSecretBytes):
		return validationf("secretBinary", "Member must have length between 1 and 65536")
	}
	return nil
}

func validateDescription(d *string) *apiError {
	if d != nil && len(*d) > maxDescriptionLen {
		return validationf("description", "Member must have length less than or equal to 2048")
	}
	return nil
}

func validateStages(stages []string, member string) *apiError {
	if len(stages) > maxStagesPerVers {
		return validationf(member, "Member must have length less than or equal to 20")
	}
	for _, st := range stages {
		if st == "" || len(st) > maxStageLen {
			return validationf(member, "Member must have length between 1 and 256")
		}
	}
	return nil
}

// convertTags validates tags from the wire.
func convertTags(in []tagJSON) ([]tag, *apiError) {
	if len(in) > maxTags {
		return nil, validationf("tags", "Member must have length less than or equal to 50")
	}
	out := make([]tag, 0, len(in))
	for _, t := range in {
		if t.Key == nil || *t.Key == "" || len(*t.Key) > maxTagKeyLen {
			return nil, validationf("tags.member.key", "Member must have length between 1 and 128")
		}
		v := ""
		if t.Value != nil {
			v = *t.Value
		}
		if len(v) > maxTagValueLen {
			return nil, validationf("tags.member.value", "Member must have length less than or equal to 256")
		}
		out = append(out, tag{Key: *t.Key, Value: v})
	}
	return out, nil
}

// mergeTags adds or replaces tags by key (keys are case-sensitive).
func mergeTags(have, add []tag) []tag {
	out := append([]tag(nil), have...)
	for _, t := range add {
		replaced := false
		for i := range out {
			if out[i].Key == t.Key {
				out[i].Value = t.Value
				replaced = true
				break
			}
		}
		if !replaced {
			out = append(out, t)
		}
	}
	return out
}

func sortTags(ts []tag) { sort.Slice(ts, func(i, j int) bool { return ts[i].Key < ts[j].Key }) }

// dayOf is LastAccessedDate's precision: AWS reports the date only.
func dayOf(t time.Time) time.Time {
	y, m, d := t.UTC().Date()
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
}
