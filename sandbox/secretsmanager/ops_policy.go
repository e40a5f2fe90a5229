package secretsmanager

import (
	"strconv"

	"rotation-tutor/internal/iampolicy"
)

// maxPolicyLen is the model's limit for a resource policy.
const maxPolicyLen = 20480

// Messages for policies. The first was recorded from AWS (a policy of a wrong Version);
// the sandbox adds what it found. The second is the model's description of the error.
const (
	msgMalformedPolicy = "This policy has invalid syntax."
	msgPublicPolicy    = "The BlockPublicPolicy parameter is set to true, and the resource policy did not prevent broad access to the secret."
)

type putPolicyInput struct {
	SecretId          *string
	ResourcePolicy    *string
	BlockPublicPolicy *bool
}

type policyOutput struct {
	ARN            string  `json:"ARN"`
	Name           string  `json:"Name"`
	ResourcePolicy *string `json:"ResourcePolicy,omitempty"`
}

func validatePolicyText(p *string) *apiError {
	if p == nil || *p == "" || len(*p) > maxPolicyLen {
		return validationf("resourcePolicy", "Member must have length between 1 and 20480")
	}
	return nil
}

// putResourcePolicy attaches a policy, replacing any. It refuses a policy that breaks the
// grammar, and, with BlockPublicPolicy, one that gives broad access.
func (s *Service) putResourcePolicy(rq *request, body []byte) (any, *apiError) {
	var in putPolicyInput
	if e := decode(body, &in); e != nil {
		return nil, e
	}
	if e := validatePolicyText(in.ResourcePolicy); e != nil {
		return nil, e
	}
	block := in.BlockPublicPolicy != nil && *in.BlockPublicPolicy
	rq.with("secretsmanager:BlockPublicPolicy", strconv.FormatBool(block))
	pol, findings := iampolicy.Parse(*in.ResourcePolicy)
	if pol == nil {
		return nil, errorf(typeMalformedPolicy, "%s %s", msgMalformedPolicy, findings[0].Message)
	}
	if broad := pol.Broad(); block && len(broad) > 0 {
		return nil, errorf(typePublicPolicy, "%s %s", msgPublicPolicy, broad[0].Message)
	}
	now := s.clock.Now()
	s.mu.Lock()
	defer s.mu.Unlock()
	sec, e := s.lookupLive(rq, in.SecretId, now)
	if e != nil {
		return nil, e
	}
	text := *in.ResourcePolicy
	sec.Policy = &text
	sec.Changed = now
	s.changed(sec)
	return policyOutput{ARN: sec.ARN, Name: sec.Name}, nil
}

// getResourcePolicy answers with the policy as it was put; a secret with none answers
// with its ARN and name only, as AWS does. A replica answers with its primary's.
func (s *Service) getResourcePolicy(rq *request, body []byte) (any, *apiError) {
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
	return policyOutput{ARN: sec.ARN, Name: sec.Name, ResourcePolicy: sec.Policy}, nil
}

// deleteResourcePolicy removes the policy; a secret with none is answered the same.
func (s *Service) deleteResourcePolicy(rq *request, body []byte) (any, *apiError) {
	var in secretIDInput
	if e := decode(body, &in); e != nil {
		return nil, e
	}
	now := s.clock.Now()
	s.mu.Lock()
	defer s.mu.Unlock()
	sec, e := s.lookupLive(rq, in.SecretId, now)
	if e != nil {
		return nil, e
	}
	if sec.Policy != nil {
		sec.Policy = nil
		sec.Changed = now
		s.changed(sec)
	}
	return policyOutput{ARN: sec.ARN, Name: sec.Name}, nil
}

type validatePolicyInput struct {
	SecretId       *string
	ResourcePolicy *string
}

type validationEntry struct {
	CheckName    string `json:"CheckName"`
	ErrorMessage string `json:"ErrorMessage"`
}

type validatePolicyOutput struct {
	PolicyValidationPassed bool              `json:"PolicyValidationPassed"`
	ValidationErrors       []validationEntry `json:"ValidationErrors"`
}

// validateResourcePolicy runs the three checks AWS documents (syntax, broad access, and
// that the policy would not lock the caller out of changing it) and reports findings
// rather than failing. With a SecretId, the checks are against that secret, which must
// exist and which the caller must be allowed to validate a policy for.
func (s *Service) validateResourcePolicy(rq *request, body []byte) (any, *apiError) {
	var in validatePolicyInput
	if e := decode(body, &in); e != nil {
		return nil, e
	}
	if e := validatePolicyText(in.ResourcePolicy); e != nil {
		return nil, e
	}
	resource := ""
	if in.SecretId != nil {
		now := s.clock.Now()
		s.mu.Lock()
		sec, e := s.lookup(rq, in.SecretId, now)
		if e == nil {
			resource = sec.ARN
		}
		s.mu.Unlock()
		if e != nil {
			return nil, e
		}
	}
	out := validatePolicyOutput{PolicyValidationPassed: true, ValidationErrors: []validationEntry{}}
	for _, f := range iampolicy.Validate(*in.ResourcePolicy, rq.principal, resource) {
		out.PolicyValidationPassed = false
		out.ValidationErrors = append(out.ValidationErrors, validationEntry{CheckName: f.Check, ErrorMessage: f.Message})
	}
	return out, nil
}
