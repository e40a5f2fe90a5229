package secretsmanager

import (
	"net"
	"net/http"
	"strconv"
	"time"

	"rotation-tutor/internal/iampolicy"
	"rotation-tutor/sandbox/sigv4"
)

// request is one call to the API: the operation, who made it (the principal of the key
// that signed it), in which Region, and from which address.
type request struct {
	op        string
	principal iampolicy.Principal
	region    string
	sourceIP  string
	// keys are the condition keys the call's parameters give (e.g.
	// secretsmanager:VersionStage), for a secret's policy to test.
	keys map[string][]string
}

// newRequest is a call to op by the identity whose key signed r (the signature verified),
// in the Region its credential scope names.
func (s *Service) newRequest(op string, signer sigv4.Signer, r *http.Request) *request {
	ip, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		ip = r.RemoteAddr
	}
	return &request{op: op, principal: s.keys[signer.AccessKeyID].principal, region: signer.Region, sourceIP: ip}
}

// with records a condition key the call's parameters give.
func (rq *request) with(key, value string) {
	if rq.keys == nil {
		rq.keys = map[string][]string{}
	}
	rq.keys[key] = []string{value}
}

// foreign reports whether the caller belongs to another account than the service's.
func (s *Service) foreign(rq *request) bool { return rq.principal.Account != s.opts.AccountID }

// maxRefusals is how many refusals PolicyRefusals remembers.
const maxRefusals = 64

// PolicyRefusal is a request that a secret's resource policy refused.
type PolicyRefusal struct {
	Time      time.Time
	Principal string
	// Action is "secretsmanager:" and the operation.
	Action    string
	SecretARN string
	// Statement is the position (from 1) of the Deny statement that refused, and Sid its
	// Sid; Statement is 0 when the refusal was for want of an Allow (a principal of another
	// account that no statement allows).
	Statement int
	Sid       string
	// Message is the AccessDeniedException's message, as the client received it.
	Message string
}

// PolicyRefusals returns the last requests that secrets' resource policies refused, oldest
// first: which statement refused whom, where AWS's message does not say.
func (s *Service) PolicyRefusals() []PolicyRefusal {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]PolicyRefusal(nil), s.refusals...)
}

// authorize applies sec's resource policy to the request. The sandbox has no identity
// policies: a principal of the service's account may do everything its secret policies do
// not explicitly deny; a principal of another account needs a statement that allows it.
// id is the SecretId as the caller gave it, which AWS's message echoes. Call with s.mu held.
func (s *Service) authorize(rq *request, sec *secret, id string, now time.Time) *apiError {
	var d iampolicy.Decision
	if pol := sec.policyDoc(); pol != nil {
		d = pol.Evaluate(iampolicy.Request{
			Principal: rq.principal, Action: "secretsmanager:" + rq.op, Resource: sec.ARN,
			Context: s.conditionKeys(rq, sec, now),
		})
	}
	reason := iampolicy.Reason(0)
	var ident iampolicy.Decision
	managed := false
	if s.opts.IdentityPolicies != nil && !s.foreign(rq) && d.Effect != iampolicy.Deny {
		ident, managed = s.identityDecision(rq, sec, now)
	}
	switch {
	case d.Effect == iampolicy.Deny:
		reason = iampolicy.ExplicitDeny
	case managed && ident.Effect == iampolicy.Deny:
		reason = iampolicy.IdentityDeny
	case s.foreign(rq) && d.Effect != iampolicy.Allow:
		reason = iampolicy.NoResourceAllow
	case managed && ident.Effect != iampolicy.Allow && d.Effect != iampolicy.Allow:
		reason = iampolicy.NoIdentityAllow
	default:
		return nil
	}
	msg := iampolicy.Refusal{Principal: rq.principal.ARN, Action: "secretsmanager:" + rq.op, Resource: id, Reason: reason}.Message()
	r := PolicyRefusal{Time: now, Principal: rq.principal.ARN, Action: "secretsmanager:" + rq.op, SecretARN: sec.ARN, Message: msg}
	if reason == iampolicy.ExplicitDeny {
		r.Statement, r.Sid = d.Statement.Index+1, d.Statement.Sid
	}
	if len(s.refusals) == maxRefusals {
		s.refusals = append(s.refusals[:0], s.refusals[1:]...)
	}
	s.refusals = append(s.refusals, r)
	return errorf(typeAccessDenied, "%s", msg)
}

// identityDecision applies the caller's own policies to the request; managed is false when
// the caller has none set (an administrator).
func (s *Service) identityDecision(rq *request, sec *secret, now time.Time) (iampolicy.Decision, bool) {
	docs, managed := s.opts.IdentityPolicies(rq.principal.ARN)
	if !managed {
		return iampolicy.Decision{}, false
	}
	r := iampolicy.Request{Principal: rq.principal, Action: "secretsmanager:" + rq.op, Resource: sec.ARN,
		Context: s.conditionKeys(rq, sec, now)}
	var allow iampolicy.Decision
	for _, doc := range docs {
		pol, _ := iampolicy.ParseIdentity(doc)
		if pol == nil {
			continue
		}
		switch d := pol.Evaluate(r); d.Effect {
		case iampolicy.Deny:
			return d, true
		case iampolicy.Allow:
			allow = d
		}
	}
	return allow, true
}

// conditionKeys are the keys a secret's policy can test, besides the principal's: the
// request's source and time, the secret's identity, tags and rotation function, and what
// the call's parameters give.
func (s *Service) conditionKeys(rq *request, sec *secret, now time.Time) map[string][]string {
	keys := map[string][]string{
		"aws:SourceIp":                       {rq.sourceIP},
		"aws:SecureTransport":                {"false"}, // the endpoint speaks plain HTTP on loopback
		"aws:CurrentTime":                    {now.UTC().Format(time.RFC3339)},
		"aws:EpochTime":                      {strconv.FormatInt(now.Unix(), 10)},
		"aws:RequestedRegion":                {rq.region},
		"aws:ResourceAccount":                {s.opts.AccountID},
		"secretsmanager:SecretId":            {sec.ARN},
		"secretsmanager:SecretPrimaryRegion": {sec.primaryRegion()},
	}
	if sec.RotationLambda != "" {
		keys["secretsmanager:resource/AllowRotationLambdaArn"] = []string{sec.RotationLambda}
	}
	for _, t := range sec.Tags {
		keys["aws:ResourceTag/"+t.Key] = []string{t.Value}
		keys["secretsmanager:ResourceTag/"+t.Key] = []string{t.Value}
	}
	for k, v := range rq.keys {
		keys[k] = v
	}
	return keys
}

// policyCache is a secret's policy as last parsed, with the text it was parsed from.
type policyCache struct {
	text string
	doc  *iampolicy.Policy
}

// policyDoc is the secret's resource policy (its primary's, for a replica), parsed once
// per text; nil when it has none. A stored policy was valid when it was put.
func (sec *secret) policyDoc() *iampolicy.Policy {
	if sec.primary != nil {
		return sec.primary.policyDoc()
	}
	if sec.Policy == nil {
		return nil
	}
	if sec.parsed.doc == nil || sec.parsed.text != *sec.Policy {
		doc, _ := iampolicy.Parse(*sec.Policy)
		sec.parsed = policyCache{text: *sec.Policy, doc: doc}
	}
	return sec.parsed.doc
}

// notInAccount refuses a principal of another account an operation on its own account's
// secrets: the service holds one account's secrets, and gives other accounts' principals
// no identity policy but for that account's secrets (whose policies decide).
func (s *Service) notInAccount(rq *request, resource string) *apiError {
	return errorf(typeAccessDenied, "%s", iampolicy.Refusal{Principal: rq.principal.ARN,
		Action: "secretsmanager:" + rq.op, Resource: resource, Reason: iampolicy.NoIdentityAllow}.Message())
}
