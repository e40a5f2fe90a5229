package secretsmanager

import "sort"

// BatchGetSecretValue's limits: 20 secrets by id, or pages of up to 20 by filter.
const maxBatch = 20

// Messages for a request that asks in both ways, or neither, or limits a list by id.
const (
	msgBatchBothOrNeither = "Provide either SecretIdList or Filters, not both and not neither."
	msgBatchMaxResults    = "MaxResults applies to Filters only: with SecretIdList every secret listed is answered at once."
)

type batchGetInput struct {
	SecretIdList []string
	Filters      []filterJSON
	MaxResults   *int64
	NextToken    *string
}

// apiErrorEntry is one secret that could not be read, in a BatchGetSecretValue answer.
type apiErrorEntry struct {
	SecretId  string `json:"SecretId"`
	ErrorCode string `json:"ErrorCode"`
	Message   string `json:"Message"`
}

type batchGetOutput struct {
	SecretValues []getSecretValueOutput `json:"SecretValues"`
	Errors       []apiErrorEntry        `json:"Errors"`
	NextToken    string                 `json:"NextToken,omitempty"`
}

// batchGetSecretValue reads the AWSCURRENT value of up to 20 secrets, named in
// SecretIdList or chosen by Filters (as ListSecrets filters, newest first, in pages). Each
// secret is read as GetSecretValue reads it, under its policy for GetSecretValue; a
// secret that cannot be read is reported in Errors, and the call still succeeds.
func (s *Service) batchGetSecretValue(rq *request, body []byte) (any, *apiError) {
	var in batchGetInput
	if e := decode(body, &in); e != nil {
		return nil, e
	}
	if (in.SecretIdList == nil) == (in.Filters == nil) {
		return nil, errorf(typeInvalidParameter, msgBatchBothOrNeither)
	}
	if in.SecretIdList != nil && (len(in.SecretIdList) == 0 || len(in.SecretIdList) > maxBatch) {
		return nil, validationf("secretIdList", "Member must have length between 1 and 20")
	}
	for _, id := range in.SecretIdList {
		if id == "" || len(id) > 2048 {
			return nil, validationf("secretIdList.member", "Member must have length between 1 and 2048")
		}
	}
	size := maxBatch
	if in.MaxResults != nil {
		if *in.MaxResults < 1 || *in.MaxResults > maxBatch {
			return nil, validationf("maxResults", "Member must have value between 1 and 20")
		}
		if in.Filters == nil {
			return nil, errorf(typeInvalidParameter, msgBatchMaxResults)
		}
		size = int(*in.MaxResults)
	}
	filters, e := parseFilters(in.Filters)
	if e != nil {
		return nil, e
	}
	get := *rq
	get.op = "GetSecretValue"

	now := s.clock.Now()
	s.mu.Lock()
	defer s.mu.Unlock()
	out := batchGetOutput{SecretValues: []getSecretValueOutput{}, Errors: []apiErrorEntry{}}
	fail := func(id string, e *apiError) {
		out.Errors = append(out.Errors, apiErrorEntry{SecretId: id, ErrorCode: e.Type, Message: e.Message})
	}
	if in.SecretIdList != nil {
		page, next, e := paginate(in.SecretIdList, in.NextToken, size)
		if e != nil {
			return nil, e
		}
		for _, id := range page {
			sec, e := s.lookupLive(&get, &id, now)
			if e == nil {
				var v getSecretValueOutput
				if v, e = s.readValue(sec, nil, nil, now); e == nil {
					out.SecretValues = append(out.SecretValues, v)
				}
			}
			if e != nil {
				fail(id, e)
			}
		}
		out.NextToken = next
		return out, nil
	}
	matched := s.listed(rq, filters, false, now)
	newestFirst, _ := sorter(nil, nil)
	sort.Slice(matched, func(i, j int) bool { return newestFirst(matched[i], matched[j]) })
	page, next, e := paginate(matched, in.NextToken, size)
	if e != nil {
		return nil, e
	}
	for _, sec := range page {
		e := s.authorize(&get, sec, sec.ARN, now)
		if e == nil {
			var v getSecretValueOutput
			if v, e = s.readValue(sec, nil, nil, now); e == nil {
				out.SecretValues = append(out.SecretValues, v)
			}
		}
		if e != nil {
			fail(sec.ARN, e)
		}
	}
	out.NextToken = next
	return out, nil
}
