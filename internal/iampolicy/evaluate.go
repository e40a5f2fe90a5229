package iampolicy

import "strings"

// Request is what a policy is asked: may this principal do this action to this resource?
type Request struct {
	Principal Principal
	// Action is "service:Operation", e.g. "secretsmanager:GetSecretValue".
	Action string
	// Resource is the ARN of the resource the policy is attached to.
	Resource string
	// Context holds the request's condition keys (any case) and their values. The
	// principal's own keys (aws:PrincipalArn, aws:PrincipalAccount, aws:PrincipalType,
	// aws:username) are added from Principal.
	Context map[string][]string
}

// Decision is a policy's answer: Deny if a Deny statement applies, else Allow if an Allow
// statement does, else no effect (""), and the statement that decided.
type Decision struct {
	Effect    Effect
	Statement *Statement
}

// Evaluate applies the policy to r. An explicit Deny wins over any Allow.
func (p *Policy) Evaluate(r Request) Decision {
	ctx := r.Principal.contextKeys()
	for k, v := range r.Context {
		ctx[strings.ToLower(k)] = v
	}
	var allow *Statement
	for i := range p.Statements {
		st := &p.Statements[i]
		if !st.applies(r, ctx) {
			continue
		}
		if st.Effect == Deny {
			return Decision{Effect: Deny, Statement: st}
		}
		if allow == nil {
			allow = st
		}
	}
	if allow != nil {
		return Decision{Effect: Allow, Statement: allow}
	}
	return Decision{}
}

func (st *Statement) applies(r Request, ctx map[string][]string) bool {
	switch {
	case st.Principal != nil && !st.Principal.includes(r.Principal, false):
		return false
	case st.NotPrincipal != nil && st.NotPrincipal.includes(r.Principal, true):
		return false
	case st.Action != nil && !anyGlob(st.Action, r.Action, true):
		return false
	case st.NotAction != nil && anyGlob(st.NotAction, r.Action, true):
		return false
	case st.Resource != nil && !anyGlob(st.Resource, r.Resource, false):
		return false
	case st.NotResource != nil && anyGlob(st.NotResource, r.Resource, false):
		return false
	}
	for i := range st.Conditions {
		if !st.Conditions[i].holds(ctx) {
			return false
		}
	}
	return true
}

// anyGlob reports whether one of the patterns matches s. Actions match without regard to
// case, resources with it.
func anyGlob(patterns []string, s string, fold bool) bool {
	for _, p := range patterns {
		if glob(p, s, fold) {
			return true
		}
	}
	return false
}
