package iam

import (
	"encoding/xml"
	"net/http"
	"net/url"
	"slices"
	"strings"

	"rotation-tutor/sandbox/account"
)

// defaultVersion is the only version a managed policy has here.
const defaultVersion = "v1"

type attachedXML struct {
	Name string `xml:"PolicyName"`
	ARN  string `xml:"PolicyArn"`
}

func policyName(arn string) string { return arn[strings.LastIndex(arn, "/")+1:] }

func noPolicy(arn string) *fault {
	return &fault{http.StatusNotFound, "NoSuchEntity", "Policy " + arn + " does not exist or is not attachable."}
}

func (h *handler) listAttached(form url.Values) (any, *fault) {
	role := form.Get("RoleName")
	a := h.st.Get()
	if a.Roles[role] == nil {
		return nil, noRole(role)
	}
	var attached []attachedXML
	for _, arn := range a.Attached[role] {
		attached = append(attached, attachedXML{Name: policyName(arn), ARN: arn})
	}
	return struct {
		XMLName     xml.Name      `xml:"ListAttachedRolePoliciesResult"`
		Attached    []attachedXML `xml:"AttachedPolicies>member"`
		IsTruncated bool          `xml:"IsTruncated"`
	}{Attached: attached}, nil
}

func (h *handler) getPolicy(form url.Values) (any, *fault) {
	arn := form.Get("PolicyArn")
	a := h.st.Get()
	if _, ok := a.Policies[arn]; !ok {
		return nil, noPolicy(arn)
	}
	return struct {
		XMLName xml.Name `xml:"GetPolicyResult"`
		Name    string   `xml:"Policy>PolicyName"`
		ARN     string   `xml:"Policy>Arn"`
		Version string   `xml:"Policy>DefaultVersionId"`
		Count   int      `xml:"Policy>AttachmentCount"`
	}{Name: policyName(arn), ARN: arn, Version: defaultVersion, Count: attachments(a, arn)}, nil
}

func (h *handler) getPolicyVersion(form url.Values) (any, *fault) {
	arn, version := form.Get("PolicyArn"), form.Get("VersionId")
	doc, ok := h.st.Get().Policies[arn]
	if !ok {
		return nil, noPolicy(arn)
	}
	if version != defaultVersion {
		return nil, &fault{http.StatusNotFound, "NoSuchEntity", "Policy " + arn + " version " + version + " does not exist or is not attachable."}
	}
	return struct {
		XMLName  xml.Name `xml:"GetPolicyVersionResult"`
		Document string   `xml:"PolicyVersion>Document"`
		Version  string   `xml:"PolicyVersion>VersionId"`
		Default  bool     `xml:"PolicyVersion>IsDefaultVersion"`
	}{Document: url.QueryEscape(doc), Version: defaultVersion, Default: true}, nil // URL-encoded, as IAM sends it
}

func attachments(a account.Account, arn string) int {
	n := 0
	for _, arns := range a.Attached {
		if slices.Contains(arns, arn) {
			n++
		}
	}
	return n
}
