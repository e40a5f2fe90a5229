package iampolicy

import (
	"encoding/json"
	"fmt"
	"io"
	"regexp"
	"slices"
	"strings"
)

// The policy language's versions; a document without one is read as the older.
const (
	Version2012 = "2012-10-17"
	Version2008 = "2008-10-17"
)

var (
	// actionPattern is "*" or "service:Action", the action part possibly with wildcards.
	actionPattern = regexp.MustCompile(`^(\*|[a-z0-9-]+:[A-Za-z0-9*?]+)$`)
	// awsPrincipalPattern is what an "AWS" principal may name: an account (by id or its
	// root ARN), a user, a role, or a role's session. Wildcards are not allowed in it, except
	// "*" alone (handled before).
	awsPrincipalPattern = regexp.MustCompile(`^(\d{12}|arn:aws[a-z-]*:iam::\d{12}:(root|user/[^*?]+|role/[^*?]+)|arn:aws[a-z-]*:sts::\d{12}:assumed-role/[^/*?]+/[^*?]+)$`)
	// servicePrincipalPattern is a service such as lambda.amazonaws.com.
	servicePrincipalPattern = regexp.MustCompile(`^[a-z0-9-]+(\.[a-z0-9-]+)+$`)
)

// Parse reads a policy document. A document that breaks the grammar gives no policy and
// the findings that say what and where; a valid one gives the policy and no findings.
func Parse(doc string) (*Policy, []Finding) { return parse(doc, false) }

// ParseIdentity reads an identity-based policy (a user's or a role's): the same grammar,
// except that it names no Principal, since it applies to whom it is attached to.
func ParseIdentity(doc string) (*Policy, []Finding) { return parse(doc, true) }

func parse(doc string, identity bool) (*Policy, []Finding) {
	dec := json.NewDecoder(strings.NewReader(doc))
	dec.UseNumber()
	var root any
	if err := dec.Decode(&root); err != nil {
		return nil, syntax("The policy is not valid JSON: %v.", err)
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, syntax("The policy has more text after its closing brace.")
	}
	obj, ok := root.(map[string]any)
	if !ok {
		return nil, syntax("A policy is a JSON object with a Version and a Statement list.")
	}
	p := parser{identity: identity}
	pol := &Policy{Version: Version2008}
	for _, k := range sortedKeys(obj) {
		v := obj[k]
		switch k {
		case "Version":
			s, _ := v.(string)
			if s != Version2012 && s != Version2008 {
				p.fail("Version must be %q (or the older %q), not %s.", Version2012, Version2008, show(v))
			}
			pol.Version = s
		case "Id":
			s, ok := v.(string)
			if !ok {
				p.fail("Id must be a string.")
			}
			pol.ID = s
		case "Statement":
			pol.Statements = p.statements(v)
		default:
			p.fail("%q does not belong at the top of a policy: only Version, Id and Statement do.", k)
		}
	}
	if _, ok := obj["Statement"]; !ok {
		p.fail("The policy has no Statement.")
	}
	if len(p.findings) > 0 {
		return nil, p.findings
	}
	return pol, nil
}

type parser struct {
	findings []Finding
	identity bool // an identity-based policy: no Principal
}

func (p *parser) fail(format string, args ...any) {
	p.findings = append(p.findings, Finding{Check: CheckSyntax, Message: fmt.Sprintf(format, args...)})
}

func syntax(format string, args ...any) []Finding {
	var p parser
	p.fail(format, args...)
	return p.findings
}

func (p *parser) statements(v any) []Statement {
	var items []any
	switch v := v.(type) {
	case map[string]any:
		items = []any{v}
	case []any:
		items = v
	default:
		p.fail("Statement must be a statement object or a list of them.")
		return nil
	}
	if len(items) == 0 {
		p.fail("Statement is an empty list: a policy needs at least one statement.")
	}
	out := make([]Statement, 0, len(items))
	for i, item := range items {
		out = append(out, p.statement(i, item))
	}
	return out
}

func (p *parser) statement(i int, v any) Statement {
	st := Statement{Index: i}
	obj, ok := v.(map[string]any)
	if !ok {
		p.fail("Statement %d is not a JSON object.", i+1)
		return st
	}
	if sid, ok := obj["Sid"]; ok {
		s, isString := sid.(string)
		if !isString {
			p.fail("Statement %d: Sid must be a string.", i+1)
		}
		st.Sid = s
	}
	where := fmt.Sprintf("Statement %d", i+1)
	if st.Sid != "" {
		where += fmt.Sprintf(" (%s)", st.Sid)
	}
	for _, k := range sortedKeys(obj) {
		v := obj[k]
		switch k {
		case "Sid":
		case "Effect":
			switch e := Effect(fmt.Sprint(v)); {
			case e == Allow || e == Deny:
				st.Effect = e
			default:
				p.fail("%s: Effect must be \"Allow\" or \"Deny\", not %s.", where, show(v))
			}
		case "Principal":
			st.Principal = p.principals(where, k, v)
		case "NotPrincipal":
			st.NotPrincipal = p.principals(where, k, v)
		case "Action", "NotAction":
			list := p.stringList(where, k, v)
			for _, a := range list {
				if !actionPattern.MatchString(a) {
					p.fail("%s: %q in %s is not an action: write \"secretsmanager:GetSecretValue\", \"secretsmanager:*\" or \"*\".", where, a, k)
				}
			}
			if k == "Action" {
				st.Action = list
			} else {
				st.NotAction = list
			}
		case "Resource", "NotResource":
			list := p.stringList(where, k, v)
			for _, r := range list {
				if r != "*" && !strings.HasPrefix(r, "arn:") {
					p.fail("%s: %q in %s is neither \"*\" nor an ARN.", where, r, k)
				}
			}
			if k == "Resource" {
				st.Resource = list
			} else {
				st.NotResource = list
			}
		case "Condition":
			st.Conditions = p.conditions(where, v)
		default:
			p.fail("%s: %q is not an element of a statement.", where, k)
		}
	}
	if _, ok := obj["Effect"]; !ok {
		p.fail("%s has no Effect.", where)
	}
	if p.identity {
		if _, ok := obj["Principal"]; ok {
			p.fail("%s has a Principal: an identity-based policy applies to whom it is attached to.", where)
		}
	} else {
		p.exactlyOne(obj, where, "Principal", "NotPrincipal", "a policy attached to a secret must say whom it applies to")
	}
	p.exactlyOne(obj, where, "Action", "NotAction", "it must say which actions it is about")
	p.exactlyOne(obj, where, "Resource", "NotResource", `write "Resource": "*" for the secret the policy is attached to`)
	return st
}

func (p *parser) exactlyOne(obj map[string]any, where, a, b, why string) {
	_, hasA := obj[a]
	_, hasB := obj[b]
	switch {
	case !hasA && !hasB:
		p.fail("%s has no %s: %s.", where, a, why)
	case hasA && hasB:
		p.fail("%s has both %s and %s; keep one.", where, a, b)
	}
}

// principals reads a Principal or NotPrincipal element.
func (p *parser) principals(where, elem string, v any) *Principals {
	if s, ok := v.(string); ok {
		if s != "*" {
			p.fail(`%s: %s is either "*" or an object such as {"AWS": "arn:aws:iam::111122223333:root"}, not %q.`, where, elem, s)
		}
		return &Principals{Everyone: true}
	}
	obj, ok := v.(map[string]any)
	if !ok || len(obj) == 0 {
		p.fail(`%s: %s must be "*" or an object such as {"AWS": "arn:aws:iam::111122223333:root"}.`, where, elem)
		return &Principals{}
	}
	ps := &Principals{}
	for _, kind := range sortedKeys(obj) {
		list := p.stringList(where, elem+"."+kind, obj[kind])
		switch kind {
		case "AWS":
			for _, a := range list {
				if a != "*" && !awsPrincipalPattern.MatchString(a) {
					p.fail(`%s: %q is not a principal: name an account (111122223333 or arn:aws:iam::111122223333:root), a user or a role by its ARN, or "*" (narrowed by a condition such as aws:PrincipalArn; wildcards inside an ARN are not allowed).`, where, a)
				}
			}
			ps.AWS = list
		case "Service":
			for _, s := range list {
				if !servicePrincipalPattern.MatchString(s) {
					p.fail("%s: %q is not a service principal such as lambda.amazonaws.com.", where, s)
				}
			}
			ps.Service = list
		case "Federated":
			ps.Federated = list
		case "CanonicalUser":
			ps.CanonicalUser = list
		default:
			p.fail("%s: %s names principals of kind %q; the kinds are AWS, Service, Federated and CanonicalUser.", where, elem, kind)
		}
	}
	return ps
}

// stringList reads a string or a non-empty list of strings.
func (p *parser) stringList(where, elem string, v any) []string {
	switch v := v.(type) {
	case string:
		return []string{v}
	case []any:
		if len(v) == 0 {
			p.fail("%s: %s is an empty list.", where, elem)
			return nil
		}
		out := make([]string, 0, len(v))
		for _, item := range v {
			s, ok := item.(string)
			if !ok {
				p.fail("%s: %s must hold strings only, not %s.", where, elem, show(item))
				continue
			}
			out = append(out, s)
		}
		return out
	}
	p.fail("%s: %s must be a string or a list of strings.", where, elem)
	return nil
}

// conditions reads a Condition element: {operator: {key: value or values}}.
func (p *parser) conditions(where string, v any) []Condition {
	obj, ok := v.(map[string]any)
	if !ok {
		p.fail(`%s: Condition must be an object such as {"StringEquals": {"aws:PrincipalAccount": "111122223333"}}.`, where)
		return nil
	}
	var out []Condition
	for _, name := range sortedKeys(obj) {
		op, err := parseOperator(name)
		if err != nil {
			p.fail("%s: %v", where, err)
			continue
		}
		keys, ok := obj[name].(map[string]any)
		if !ok || len(keys) == 0 {
			p.fail("%s: %s must map condition keys to values.", where, name)
			continue
		}
		for _, key := range sortedKeys(keys) {
			values := p.conditionValues(where, name, key, keys[key])
			if key == "" {
				p.fail("%s: %s has an empty condition key.", where, name)
			}
			out = append(out, Condition{Operator: name, Key: key, Values: values, op: op})
		}
	}
	return out
}

// conditionValues reads a condition's value: a string, number or boolean, or a non-empty
// list of them.
func (p *parser) conditionValues(where, op, key string, v any) []string {
	scalar := func(v any) (string, bool) {
		switch v := v.(type) {
		case string:
			return v, true
		case json.Number:
			return v.String(), true
		case bool:
			if v {
				return "true", true
			}
			return "false", true
		}
		return "", false
	}
	if s, ok := scalar(v); ok {
		return []string{s}
	}
	list, ok := v.([]any)
	if !ok || len(list) == 0 {
		p.fail("%s: %s %s needs a value or a non-empty list of values.", where, op, key)
		return nil
	}
	out := make([]string, 0, len(list))
	for _, item := range list {
		s, ok := scalar(item)
		if !ok {
			p.fail("%s: %s %s: %s is not a string, number or boolean.", where, op, key, show(item))
			continue
		}
		out = append(out, s)
	}
	return out
}

func sortedKeys(m map[string]any) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// show renders a JSON value briefly for a message.
func show(v any) string {
	b, err := json.Marshal(v)
	if err != nil || len(b) > 60 {
		return fmt.Sprintf("a %T", v)
	}
	return string(b)
}
