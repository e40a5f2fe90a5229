// Package iam answers the part of IAM's Query API (2010-05-08) that holds a rotation
// function's permissions: a role's inline policies (PutRolePolicy, GetRolePolicy,
// DeleteRolePolicy, ListRolePolicies) and the managed policies attached to it, to read
// (ListAttachedRolePolicies, GetPolicy, GetPolicyVersion), kept in the sandbox account's
// set-up, which the sandbox's Secrets Manager applies to the role's sessions.
package iam

import (
	"encoding/xml"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"sort"
	"time"

	"github.com/google/uuid"

	"rotation-tutor/internal/iampolicy"
	"rotation-tutor/sandbox/account"
	"rotation-tutor/sandbox/sigv4"
)

const namespace = "https://iam.amazonaws.com/doc/2010-05-08/"

// Handler serves the API for the set-up in st, checking signatures.
func Handler(st *account.Store, secretKey func(string) (string, bool)) http.Handler {
	return &handler{st: st, verifier: &sigv4.Verifier{Service: "iam", SecretKey: secretKey, Now: time.Now}}
}

type handler struct {
	st       *account.Store
	verifier *sigv4.Verifier
}

type fault struct {
	status    int
	code, msg string
}

func (f *fault) Error() string { return f.code + ": " + f.msg }

func noRole(name string) *fault {
	return &fault{http.StatusNotFound, "NoSuchEntity", "The role with name " + name + " cannot be found."}
}

func (h *handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	reqID := uuid.NewString()
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, 1<<20))
	if err != nil {
		writeFault(w, reqID, &fault{http.StatusBadRequest, "MalformedInput", "The request body could not be read."})
		return
	}
	if _, f := h.verifier.Verify(r, body); f != nil {
		writeFault(w, reqID, &fault{http.StatusForbidden, "SignatureDoesNotMatch", f.Message})
		return
	}
	form, err := url.ParseQuery(string(body))
	if err != nil {
		writeFault(w, reqID, &fault{http.StatusBadRequest, "MalformedInput", "The request body is not a valid form."})
		return
	}
	action := form.Get("Action")
	var result any
	var f *fault
	switch action {
	case "PutRolePolicy":
		f = h.put(form)
	case "DeleteRolePolicy":
		f = h.delete(form)
	case "GetRolePolicy":
		result, f = h.get(form)
	case "ListRolePolicies":
		result, f = h.list(form)
	case "ListAttachedRolePolicies":
		result, f = h.listAttached(form)
	case "GetPolicy":
		result, f = h.getPolicy(form)
	case "GetPolicyVersion":
		result, f = h.getPolicyVersion(form)
	default:
		f = &fault{http.StatusBadRequest, "InvalidAction", "The sandbox's IAM answers a role's policies only, not " + action + "."}
	}
	if f != nil {
		writeFault(w, reqID, f)
		return
	}
	type meta struct {
		RequestID string `xml:"RequestId"`
	}
	b, _ := xml.Marshal(struct {
		XMLName xml.Name
		Xmlns   string `xml:"xmlns,attr"`
		Result  any    `xml:",omitempty"`
		Meta    meta   `xml:"ResponseMetadata"`
	}{XMLName: xml.Name{Local: action + "Response"}, Xmlns: namespace, Result: result, Meta: meta{reqID}})
	w.Header().Set("Content-Type", "text/xml")
	_, _ = w.Write(append([]byte(xml.Header), b...))
}

func (h *handler) put(form url.Values) *fault {
	role, name, doc := form.Get("RoleName"), form.Get("PolicyName"), form.Get("PolicyDocument")
	if name == "" || doc == "" {
		return &fault{http.StatusBadRequest, "ValidationError", "PolicyName and PolicyDocument are required."}
	}
	if _, findings := iampolicy.ParseIdentity(doc); len(findings) > 0 {
		return &fault{http.StatusBadRequest, "MalformedPolicyDocument", findings[0].Message}
	}
	return asFault(h.st.Update(func(a *account.Account) error {
		if a.Roles[role] == nil {
			return noRole(role)
		}
		a.Roles[role][name] = doc
		return nil
	}))
}

func (h *handler) delete(form url.Values) *fault {
	role, name := form.Get("RoleName"), form.Get("PolicyName")
	return asFault(h.st.Update(func(a *account.Account) error {
		if a.Roles[role] == nil {
			return noRole(role)
		}
		if _, ok := a.Roles[role][name]; !ok {
			return &fault{http.StatusNotFound, "NoSuchEntity", fmt.Sprintf("The role policy with name %s cannot be found.", name)}
		}
		delete(a.Roles[role], name)
		return nil
	}))
}

func (h *handler) get(form url.Values) (any, *fault) {
	role, name := form.Get("RoleName"), form.Get("PolicyName")
	a := h.st.Get()
	if a.Roles[role] == nil {
		return nil, noRole(role)
	}
	doc, ok := a.Roles[role][name]
	if !ok {
		return nil, &fault{http.StatusNotFound, "NoSuchEntity", fmt.Sprintf("The role policy with name %s cannot be found.", name)}
	}
	return struct {
		XMLName  xml.Name `xml:"GetRolePolicyResult"`
		Role     string   `xml:"RoleName"`
		Name     string   `xml:"PolicyName"`
		Document string   `xml:"PolicyDocument"`
	}{Role: role, Name: name, Document: url.QueryEscape(doc)}, nil // IAM returns the document URL-encoded
}

func (h *handler) list(form url.Values) (any, *fault) {
	role := form.Get("RoleName")
	a := h.st.Get()
	if a.Roles[role] == nil {
		return nil, noRole(role)
	}
	names := make([]string, 0, len(a.Roles[role]))
	for n := range a.Roles[role] {
		names = append(names, n)
	}
	sort.Strings(names)
	return struct {
		XMLName     xml.Name `xml:"ListRolePoliciesResult"`
		Names       []string `xml:"PolicyNames>member"`
		IsTruncated bool     `xml:"IsTruncated"`
	}{Names: names}, nil
}

func asFault(err error) *fault {
	if err == nil {
		return nil
	}
	if f, ok := err.(*fault); ok {
		return f
	}
	return &fault{http.StatusInternalServerError, "ServiceFailure", err.Error()}
}

func writeFault(w http.ResponseWriter, reqID string, f *fault) {
	typ := "Sender"
	if f.status >= 500 {
		typ = "Receiver"
	}
	b, _ := xml.Marshal(struct {
		XMLName xml.Name `xml:"ErrorResponse"`
		Xmlns   string   `xml:"xmlns,attr"`
		Error   struct {
			Type, Code, Message string
		}
		RequestID string `xml:"RequestId"`
	}{Xmlns: namespace, Error: struct{ Type, Code, Message string }{typ, f.code, f.msg}, RequestID: reqID})
	w.Header().Set("Content-Type", "text/xml")
	w.WriteHeader(f.status)
	_, _ = w.Write(append([]byte(xml.Header), b...))
}
