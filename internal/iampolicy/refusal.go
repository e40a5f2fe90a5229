package iampolicy

import (
	"regexp"
	"strings"
)

// Reason is why AWS refused a request, in the words its AccessDeniedException uses.
type Reason int

// The reasons an AccessDeniedException gives.
const (
	// ExplicitDeny: a Deny statement in the resource's policy applies.
	ExplicitDeny Reason = iota + 1
	// NoResourceAllow: a principal of another account, and no statement of the resource's
	// policy allows it.
	NoResourceAllow
	// NoIdentityAllow: no policy of the principal's own allows the action.
	NoIdentityAllow
	// IdentityDeny: a Deny statement in a policy of the principal's own applies.
	IdentityDeny
)

// Refusal is an AccessDeniedException's content. Resource is the secret as the caller
// named it (AWS echoes the SecretId), empty for an action on no resource.
type Refusal struct {
	Principal, Action, Resource string
	Reason                      Reason
}

// Message is the refusal in AWS's words, e.g. "User: arn:aws:iam::111122223333:user/ana is
// not authorized to perform: secretsmanager:GetSecretValue on resource: prod/db with an
// explicit deny in a resource-based policy".
func (r Refusal) Message() string {
	var b strings.Builder
	b.WriteString("User: " + r.Principal + " is not authorized to perform: " + r.Action)
	if r.Resource != "" {
		b.WriteString(" on resource: " + r.Resource)
	}
	switch r.Reason {
	case ExplicitDeny:
		b.WriteString(" with an explicit deny in a resource-based policy")
	case NoResourceAllow:
		b.WriteString(" because no resource-based policy allows the " + r.Action + " action")
	case NoIdentityAllow:
		b.WriteString(" because no identity-based policy allows the " + r.Action + " action")
	case IdentityDeny:
		b.WriteString(" with an explicit deny in an identity-based policy")
	}
	return b.String()
}

var refusalPattern = regexp.MustCompile(`^User: (\S+) is not authorized to perform: (\S+)(?: on resource: (.+?))? (with an explicit deny in a resource-based policy|with an explicit deny in an identity-based policy|because no resource-based policy allows the \S+ action|because no identity-based policy allows the \S+ action)$`)

// ParseRefusal reads an AccessDeniedException's message back into its parts; false when
// the message is not one of the forms Message writes.
func ParseRefusal(msg string) (Refusal, bool) {
	m := refusalPattern.FindStringSubmatch(strings.TrimSpace(msg))
	if m == nil {
		return Refusal{}, false
	}
	r := Refusal{Principal: m[1], Action: m[2], Resource: m[3]}
	switch {
	case strings.HasSuffix(m[4], "identity-based policy"):
		r.Reason = IdentityDeny
	case strings.HasPrefix(m[4], "with an explicit deny"):
		r.Reason = ExplicitDeny
	case strings.Contains(m[4], "resource-based"):
		r.Reason = NoResourceAllow
	default:
		r.Reason = NoIdentityAllow
	}
	return r, true
}
