package iampolicy

import (
	"fmt"
	"regexp"
	"strings"
)

// Principal is who signed a request: an IAM user, a role's session, or an account's root
// user.
type Principal struct {
	// ARN is as AWS shows it in a refusal: arn:aws:iam::111122223333:user/NAME,
	// arn:aws:sts::111122223333:assumed-role/ROLE/SESSION or arn:aws:iam::111122223333:root.
	ARN     string
	Account string
	kind    principalKind
	// role is the role's name, for a session.
	role string
}

type principalKind int

const (
	kindRoot principalKind = iota
	kindUser
	kindSession
)

var (
	userARN    = regexp.MustCompile(`^arn:(aws[a-z-]*):iam::(\d{12}):user/(\S+)$`)
	rootARN    = regexp.MustCompile(`^arn:(aws[a-z-]*):iam::(\d{12}):root$`)
	sessionARN = regexp.MustCompile(`^arn:(aws[a-z-]*):sts::(\d{12}):assumed-role/([^/]+)/(\S+)$`)
	roleARN    = regexp.MustCompile(`^arn:(aws[a-z-]*):iam::(\d{12}):role/(\S+)$`)
)

// ParsePrincipal reads a principal's ARN.
func ParsePrincipal(arn string) (Principal, error) {
	if m := userARN.FindStringSubmatch(arn); m != nil {
		return Principal{ARN: arn, Account: m[2], kind: kindUser}, nil
	}
	if m := rootARN.FindStringSubmatch(arn); m != nil {
		return Principal{ARN: arn, Account: m[2], kind: kindRoot}, nil
	}
	if m := sessionARN.FindStringSubmatch(arn); m != nil {
		return Principal{ARN: arn, Account: m[2], kind: kindSession, role: m[3]}, nil
	}
	return Principal{}, fmt.Errorf("%q is not a principal: use arn:aws:iam::ACCOUNT:user/NAME, arn:aws:sts::ACCOUNT:assumed-role/ROLE/SESSION or arn:aws:iam::ACCOUNT:root", arn)
}

// AccountRoot is the root user of an account: whom a request signed with no key the
// sandbox knows stands for.
func AccountRoot(account string) Principal {
	return Principal{ARN: "arn:aws:iam::" + account + ":root", Account: account, kind: kindRoot}
}

// contextKeys are the condition keys AWS sets from the principal: aws:PrincipalArn (a
// session's role, for a session), aws:PrincipalAccount, aws:PrincipalType and, for a user,
// aws:username.
func (p Principal) contextKeys() map[string][]string {
	arn, typ := p.ARN, "Account"
	switch p.kind {
	case kindUser:
		typ = "User"
	case kindSession:
		arn, typ = "arn:aws:iam::"+p.Account+":role/"+p.role, "AssumedRole"
	}
	keys := map[string][]string{
		"aws:principalarn":     {arn},
		"aws:principalaccount": {p.Account},
		"aws:principaltype":    {typ},
	}
	if p.kind == kindUser {
		name := p.ARN[strings.LastIndex(p.ARN, "/")+1:]
		keys["aws:username"] = []string{name}
	}
	return keys
}

// includes reports whether the element names p: everyone, every AWS principal, p's
// account, p itself or, for a session, its role. An account stands for every principal of
// it in Principal, but only for its root user in NotPrincipal (AWS's rule, which is why a
// NotPrincipal that spares a user names the user's account too).
func (ps *Principals) includes(p Principal, not bool) bool {
	if ps.Everyone {
		return true
	}
	for _, a := range ps.AWS {
		account := a
		if rootARN.MatchString(a) {
			account = strings.Split(a, ":")[4]
		}
		switch {
		case a == "*", a == p.ARN:
			return true
		case account == p.Account && (!not || p.kind == kindRoot):
			return true
		case p.kind == kindSession:
			// A role's ARN may carry a path; its sessions' ARNs never do.
			if m := roleARN.FindStringSubmatch(a); m != nil && m[2] == p.Account &&
				m[3][strings.LastIndex(m[3], "/")+1:] == p.role {
				return true
			}
		}
	}
	return false
}

// everyAWSPrincipal reports whether the element opens to every principal: "*", or "*"
// among the AWS principals.
func (ps *Principals) everyAWSPrincipal() bool {
	if ps.Everyone {
		return true
	}
	for _, a := range ps.AWS {
		if a == "*" {
			return true
		}
	}
	return false
}
