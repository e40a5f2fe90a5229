// Package iampolicy reads, checks and evaluates resource-based policies in the IAM policy
// language, as Secrets Manager applies them to a secret: who may do what to it, and which
// statement refused a request. The sandbox's Secrets Manager enforces secrets' policies
// with it; the same code can explain a refusal that AWS itself sent.
//
// What is supported, and what is not, is listed where each element is read: Principal and
// NotPrincipal (parse.go, principal.go), Action/NotAction and Resource/NotResource (globs
// with * and ?), and Condition (condition.go: the string, ARN, numeric, date, Bool, Null and
// IP operators, with IfExists and the ForAnyValue/ForAllValues set qualifiers).
package iampolicy

import "fmt"

// Effect is what a statement does when it applies.
type Effect string

// The two effects, as the policy language spells them.
const (
	Allow Effect = "Allow"
	Deny  Effect = "Deny"
)

// Policy is a parsed policy document.
type Policy struct {
	Version    string
	ID         string
	Statements []Statement
}

// Statement is one statement of a policy. Exactly one of Principal and NotPrincipal, one of
// Action and NotAction, and one of Resource and NotResource is set.
type Statement struct {
	Sid string
	// Index is the statement's position in the policy, from 0: it names a statement that
	// has no Sid.
	Index                 int
	Effect                Effect
	Principal             *Principals
	NotPrincipal          *Principals
	Action, NotAction     []string
	Resource, NotResource []string
	Conditions            []Condition
}

// label names the statement in a sentence: by its Sid, or by its position.
func (st *Statement) label() string {
	if st.Sid != "" {
		return fmt.Sprintf("statement %q", st.Sid)
	}
	return fmt.Sprintf("statement %d (it has no Sid)", st.Index+1)
}

// Principals is the value of a Principal or NotPrincipal element.
type Principals struct {
	// Everyone is "Principal": "*".
	Everyone bool
	// The principals by kind, as written: account ids and IAM ARNs ("*" for every AWS
	// principal), service names, identity providers, S3 canonical user ids.
	AWS, Service, Federated, CanonicalUser []string
}

// Condition is one test of a Condition element: an operator applied to a key and the
// values the policy gives for it.
type Condition struct {
	// Operator is as written, e.g. "ForAnyValue:StringLike" or "ArnEqualsIfExists".
	Operator string
	Key      string
	Values   []string
	op       operator
}

// Finding is something wrong with a policy: the check that found it and what it found.
type Finding struct {
	Check   string
	Message string
}

// The checks a policy is held to. AWS documents that ValidateResourcePolicy checks the
// syntax, broad access and lock-out, but not the names it reports them under.
const (
	CheckSyntax      = "SYNTAX"
	CheckBroadAccess = "BROAD_ACCESS"
	CheckLockout     = "LOCKOUT"
)
