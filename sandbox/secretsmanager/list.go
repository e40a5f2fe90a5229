package secretsmanager

import (
	"cmp"
	"encoding/base64"
	"sort"
	"strconv"
	"strings"
	"time"
)

const (
	defaultPageSize = 100
	maxFilters      = 10
	maxFilterValues = 10
)

func (s *Service) listSecrets(rq *request, body []byte) (any, *apiError) {
	var in listSecretsInput
	if e := decode(body, &in); e != nil {
		return nil, e
	}
	size, e := pageSize(in.MaxResults)
	if e != nil {
		return nil, e
	}
	filters, e := parseFilters(in.Filters)
	if e != nil {
		return nil, e
	}
	less, e := sorter(in.SortBy, in.SortOrder)
	if e != nil {
		return nil, e
	}
	includeDeleted := in.IncludePlannedDeletion != nil && *in.IncludePlannedDeletion

	now := s.clock.Now()
	s.mu.Lock()
	defer s.mu.Unlock()
	matched := s.listed(rq, filters, includeDeleted, now)
	sort.Slice(matched, func(i, j int) bool { return less(matched[i], matched[j]) })
	page, next, e := paginate(matched, in.NextToken, size)
	if e != nil {
		return nil, e
	}
	out := listSecretsOutput{SecretList: make([]secretMeta, 0, len(page)), NextToken: next}
	for _, sec := range page {
		m := s.meta(sec)
		m.SecretVersionsToStages = sec.stagesMap()
		out.SecretList = append(out.SecretList, m)
	}
	return out, nil
}

// listed is what ListSecrets shows in the request's Region: the Region's own
// secrets and the replicas there, that match every filter. A principal of
// another account lists its own account's, which the service does not hold.
// Call with s.mu held.
func (s *Service) listed(rq *request, filters []filter, includeDeleted bool, now time.Time) []*secret {
	if s.foreign(rq) {
		return nil
	}
	var matched []*secret
	for _, sec := range s.secrets {
		if sec.region() != rq.region || s.alive(sec, now) == nil || (sec.deleted() && !includeDeleted) {
			continue
		}
		if matchesAll(sec, filters) {
			matched = append(matched, sec)
		}
	}
	for key, p := range s.replicas {
		region, _, _ := strings.Cut(key, " ")
		if region != rq.region || s.alive(p, now) == nil {
			continue
		}
		if rep, ok := p.replicaIn(region); ok {
			if v := p.view(rep); matchesAll(v, filters) {
				matched = append(matched, v)
			}
		}
	}
	return matched
}

func pageSize(max *int64) (int, *apiError) {
	if max == nil {
		return defaultPageSize, nil
	}
	if *max < 1 || *max > 100 {
		return 0, validationf("maxResults", "Member must have value between 1 and 100")
	}
	return int(*max), nil
}

// paginate cuts one page out of items. The token is an opaque offset, as
// good as AWS's for a list that does not change between pages.
func paginate[T any](items []T, token *string, size int) ([]T, string, *apiError) {
	start := 0
	if token != nil {
		raw, err := base64.RawURLEncoding.DecodeString(*token)
		n, err2 := strconv.Atoi(strings.TrimPrefix(string(raw), "o:"))
		if err != nil || err2 != nil || !strings.HasPrefix(string(raw), "o:") || n < 0 || n > len(items) {
			return nil, "", errorf(typeInvalidNextToken, msgInvalidNextToken)
		}
		start = n
	}
	end := min(start+size, len(items))
	next := ""
	if end < len(items) {
		next = base64.RawURLEncoding.EncodeToString([]byte("o:" + strconv.Itoa(end)))
	}
	return items[start:end], next, nil
}

type filter struct {
	key    string
	values []string
}

var filterKeys = map[string]bool{
	"description": true, "name": true, "tag-key": true, "tag-value": true,
	"primary-region": true, "owning-service": true, "all": true,
}

func parseFilters(in []filterJSON) ([]filter, *apiError) {
	if len(in) > maxFilters {
		return nil, validationf("filters", "Member must have length less than or equal to 10")
	}
	out := make([]filter, 0, len(in))
	for _, f := range in {
		if f.Key == nil || !filterKeys[*f.Key] {
			return nil, validationf("filters.member.key", "Member must satisfy enum value set: [description, name, tag-key, tag-value, primary-region, owning-service, all]")
		}
		if len(f.Values) == 0 || len(f.Values) > maxFilterValues {
			return nil, validationf("filters.member.values", "Member must have length between 1 and 10")
		}
		out = append(out, filter{key: *f.Key, values: f.Values})
	}
	return out, nil
}

// matchesAll: every filter must match (AND); within a filter, any value
// (OR). A value starting with "!" matches secrets that do not match the rest.
func matchesAll(sec *secret, fs []filter) bool {
	for _, f := range fs {
		ok := false
		for _, v := range f.values {
			neg := strings.HasPrefix(v, "!")
			if neg {
				v = v[1:]
			}
			if matchFilter(sec, f.key, v) != neg {
				ok = true
				break
			}
		}
		if !ok {
			return false
		}
	}
	return true
}

// matchFilter is a prefix match; description and all ignore case, as the
// ListSecrets documentation says.
func matchFilter(sec *secret, key, v string) bool {
	desc := ""
	if sec.Description != nil {
		desc = *sec.Description
	}
	switch key {
	case "name":
		return strings.HasPrefix(sec.Name, v)
	case "description":
		return strings.HasPrefix(strings.ToLower(desc), strings.ToLower(v))
	case "tag-key":
		for _, t := range sec.Tags {
			if strings.HasPrefix(t.Key, v) {
				return true
			}
		}
	case "tag-value":
		for _, t := range sec.Tags {
			if strings.HasPrefix(t.Value, v) {
				return true
			}
		}
	case "primary-region":
		return sec.multiRegion() && strings.HasPrefix(sec.primaryRegion(), v)
	case "owning-service":
		return false // the sandbox has no secrets managed by another service
	case "all":
		lv := strings.ToLower(v)
		fields := []string{sec.Name, desc}
		for _, t := range sec.Tags {
			fields = append(fields, t.Key, t.Value)
		}
		for _, f := range fields {
			for _, w := range append([]string{f}, strings.Fields(f)...) {
				if strings.HasPrefix(strings.ToLower(w), lv) {
					return true
				}
			}
		}
	}
	return false
}

// sorter orders ListSecrets: by created date, newest first, unless asked.
func sorter(sortBy, sortOrder *string) (func(a, b *secret) bool, *apiError) {
	desc := true
	if sortOrder != nil {
		switch *sortOrder {
		case "asc":
			desc = false
		case "desc":
		default:
			return nil, validationf("sortOrder", "Member must satisfy enum value set: [asc, desc]")
		}
	}
	key := "created-date"
	if sortBy != nil {
		key = *sortBy
	}
	var by func(a, b *secret) int
	switch key {
	case "created-date":
		by = func(a, b *secret) int { return cmp.Compare(a.Seq, b.Seq) }
	case "name":
		by = func(a, b *secret) int { return strings.Compare(a.Name, b.Name) }
	case "last-changed-date":
		by = func(a, b *secret) int { return a.Changed.Compare(b.Changed) }
	case "last-accessed-date":
		by = func(a, b *secret) int { return a.Accessed.Compare(b.Accessed) }
	default:
		return nil, validationf("sortBy", "Member must satisfy enum value set: [created-date, last-accessed-date, last-changed-date, name]")
	}
	return func(a, b *secret) bool {
		c := by(a, b)
		if c == 0 {
			c = cmp.Compare(a.Seq, b.Seq) // stable across pages
		}
		if desc {
			return c > 0
		}
		return c < 0
	}, nil
}
