package iampolicy

import (
	"fmt"
	"net/netip"
	"strings"
)

// Validate holds a policy document to the three checks AWS's ValidateResourcePolicy
// describes: its syntax, broad access (Broad), and that it does not lock caller out of the
// secret's policy (Lockout). resource is the ARN of the secret the policy would be attached
// to. No findings means the policy passes.
func Validate(doc string, caller Principal, resource string) []Finding {
	p, findings := Parse(doc)
	if p == nil {
		return findings
	}
	return append(p.Broad(), p.Lockout(caller, resource)...)
}

// restrictingKeys are the condition keys that, tested against fixed values, narrow a
// statement open to every principal down to known ones: AWS does not count such a
// statement as broad access.
var restrictingKeys = map[string]bool{
	"aws:principalaccount": true, "aws:principalarn": true, "aws:principalorgid": true,
	"aws:principalorgpaths": true, "aws:sourceaccount": true, "aws:sourcearn": true,
	"aws:sourceowner": true, "aws:sourcevpc": true, "aws:sourcevpce": true,
	"aws:sourceip": true, "aws:userid": true, "aws:username": true,
}

// Broad returns a finding for each Allow statement that opens the secret to every AWS
// principal (Principal "*", an "AWS": "*" among its principals, or NotPrincipal) without a
// condition that pins the caller to fixed accounts, principals, organizations, networks or
// source resources.
func (p *Policy) Broad() []Finding {
	var out []Finding
	for i := range p.Statements {
		st := &p.Statements[i]
		if st.broad() {
			out = append(out, Finding{Check: CheckBroadAccess, Message: fmt.Sprintf(
				"The %s allows every AWS principal (anyone with an AWS account) to use the secret. Name the accounts, roles or users that need it in Principal, or narrow the statement with a condition on aws:PrincipalAccount, aws:PrincipalArn or aws:PrincipalOrgID.",
				st.label())})
		}
	}
	return out
}

func (st *Statement) broad() bool {
	if st.Effect != Allow {
		return false
	}
	if st.NotPrincipal == nil && (st.Principal == nil || !st.Principal.everyAWSPrincipal()) {
		return false
	}
	for i := range st.Conditions {
		if st.Conditions[i].restricts() {
			return false
		}
	}
	return true
}

// restricts reports whether the condition pins a restricting key to fixed values.
func (c *Condition) restricts() bool {
	if c.op.negated() || c.op.ifExists || c.op.set == allValues || !restrictingKeys[strings.ToLower(c.Key)] {
		return false
	}
	switch c.op.base {
	case "StringEquals", "StringEqualsIgnoreCase", "StringLike", "ArnEquals", "ArnLike":
		for _, v := range c.Values {
			if strings.ContainsAny(v, "*?") {
				return false
			}
		}
		return true
	case "IpAddress":
		for _, v := range c.Values {
			if p, err := netip.ParsePrefix(v); err == nil && p.Bits() == 0 {
				return false
			}
		}
		return true
	}
	return false
}

// lockoutActions are the actions whose refusal would leave a caller unable to change or
// remove the policy.
var lockoutActions = []string{"secretsmanager:PutResourcePolicy", "secretsmanager:DeleteResourcePolicy"}

// Lockout returns a finding for each action that changes or removes the policy and that
// the policy explicitly denies caller: once attached, caller could not undo it.
func (p *Policy) Lockout(caller Principal, resource string) []Finding {
	var out []Finding
	for _, action := range lockoutActions {
		d := p.Evaluate(Request{Principal: caller, Action: action, Resource: resource})
		if d.Effect == Deny {
			out = append(out, Finding{Check: CheckLockout, Message: fmt.Sprintf(
				"The %s denies %s the action %s: once the policy is attached, that identity could not change or remove it. Exclude it from the statement (for example with a condition on aws:PrincipalArn).",
				d.Statement.label(), caller.ARN, action)})
		}
	}
	return out
}
