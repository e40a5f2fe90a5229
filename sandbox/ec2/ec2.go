// Package ec2 answers the part of EC2's Query API (2016-11-15) that a rotation's network
// lives in, from the sandbox account's set-up: the VPC's interface endpoints
// (DescribeVpcEndpoints, CreateVpcEndpoint, DeleteVpcEndpoints), its routes
// (DescribeRouteTables: the main table, through the NAT gateway when there is one) and its
// security groups (DescribeSecurityGroups, AuthorizeSecurityGroupIngress,
// RevokeSecurityGroupIngress). So the
// doctor reads the network the same way on the sandbox and on AWS, and the commands that fix
// it run with the learner's own aws CLI.
package ec2

import (
	"bytes"
	"crypto/rand"
	"encoding/hex"
	"encoding/xml"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/google/uuid"

	"rotation-tutor/sandbox/account"
	"rotation-tutor/sandbox/sigv4"
)

const namespace = "http://ec2.amazonaws.com/doc/2016-11-15/"

// Handler serves the API for the set-up in st, for account id, checking signatures.
func Handler(st *account.Store, accountID string, secretKey func(string) (string, bool)) http.Handler {
	return &handler{st: st, owner: accountID, verifier: &sigv4.Verifier{Service: "ec2", SecretKey: secretKey, Now: time.Now}}
}

type handler struct {
	st       *account.Store
	owner    string
	verifier *sigv4.Verifier
}

type fault struct{ code, msg string }

func (h *handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	reqID := uuid.NewString()
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, 1<<20))
	if err != nil {
		writeFault(w, reqID, http.StatusBadRequest, fault{"InvalidRequest", "The request body could not be read."})
		return
	}
	if _, f := h.verifier.Verify(r, body); f != nil {
		writeFault(w, reqID, http.StatusUnauthorized, fault{"AuthFailure", f.Message})
		return
	}
	form, err := url.ParseQuery(string(body))
	if err != nil {
		writeFault(w, reqID, http.StatusBadRequest, fault{"InvalidParameterValue", "The request body is not a valid form."})
		return
	}
	var out any
	var f *fault
	switch form.Get("Action") {
	case "DescribeVpcEndpoints":
		out, f = h.describeEndpoints(form)
	case "CreateVpcEndpoint":
		out, f = h.createEndpoint(form)
	case "DeleteVpcEndpoints":
		out, f = h.deleteEndpoints(form)
	case "DescribeSecurityGroups":
		out, f = h.describeGroups(form)
	case "DescribeRouteTables":
		out, f = h.describeRouteTables(form)
	case "AuthorizeSecurityGroupIngress":
		out, f = h.changeIngress(form, true)
	case "RevokeSecurityGroupIngress":
		out, f = h.changeIngress(form, false)
	default:
		f = &fault{"InvalidAction", "The action " + form.Get("Action") + " is not valid for this web service."}
	}
	if f != nil {
		writeFault(w, reqID, http.StatusBadRequest, *f)
		return
	}
	b, _ := xml.Marshal(out) // fixed shapes only
	b = bytes.Replace(b, []byte("REQUESTID"), []byte(reqID), 1)
	w.Header().Set("Content-Type", "text/xml;charset=UTF-8")
	_, _ = w.Write(append([]byte(xml.Header), b...))
}

// list reads Prefix.1, Prefix.2, … from a form.
func list(form url.Values, prefix string) []string {
	var out []string
	for i := 1; ; i++ {
		v, ok := form[prefix+"."+strconv.Itoa(i)]
		if !ok {
			return out
		}
		out = append(out, v[0])
	}
}

// filters reads Filter.N.Name and Filter.N.Value.M.
func filters(form url.Values) map[string][]string {
	out := map[string][]string{}
	for i := 1; ; i++ {
		name := form.Get("Filter." + strconv.Itoa(i) + ".Name")
		if name == "" {
			return out
		}
		out[name] = list(form, "Filter."+strconv.Itoa(i)+".Value")
	}
}

type groupRef struct {
	GroupID   string `xml:"groupId"`
	GroupName string `xml:"groupName"`
}

type endpointXML struct {
	ID         string     `xml:"vpcEndpointId"`
	Type       string     `xml:"vpcEndpointType"`
	VpcID      string     `xml:"vpcId"`
	Service    string     `xml:"serviceName"`
	State      string     `xml:"state"`
	Subnets    []string   `xml:"subnetIdSet>item"`
	Groups     []groupRef `xml:"groupSet>item"`
	PrivateDNS bool       `xml:"privateDnsEnabled"`
	Owner      string     `xml:"ownerId"`
}

func (h *handler) endpointXML(a account.Account, e *account.VPCEndpoint) endpointXML {
	x := endpointXML{ID: e.ID, Type: "Interface", VpcID: e.VpcID, Service: e.ServiceName, State: "available",
		Subnets: e.SubnetIDs, PrivateDNS: e.PrivateDNS, Owner: h.owner}
	for _, g := range e.SecurityGroupIDs {
		name := ""
		if sg := a.Network.SecurityGroups[g]; sg != nil {
			name = sg.Name
		}
		x.Groups = append(x.Groups, groupRef{GroupID: g, GroupName: name})
	}
	return x
}

func (h *handler) describeEndpoints(form url.Values) (any, *fault) {
	a := h.st.Get()
	ids := list(form, "VpcEndpointId")
	fl := filters(form)
	out := struct {
		XMLName   xml.Name      `xml:"DescribeVpcEndpointsResponse"`
		Xmlns     string        `xml:"xmlns,attr"`
		RequestID string        `xml:"requestId"`
		Endpoints []endpointXML `xml:"vpcEndpointSet>item"`
	}{Xmlns: namespace, RequestID: "REQUESTID"}
	for _, e := range a.Network.Endpoints {
		if (len(ids) > 0 && !slices.Contains(ids, e.ID)) || !matches(fl, "vpc-id", e.VpcID) ||
			!matches(fl, "service-name", e.ServiceName) || !matches(fl, "vpc-endpoint-id", e.ID) {
			continue
		}
		out.Endpoints = append(out.Endpoints, h.endpointXML(a, e))
	}
	return out, nil
}

func matches(fl map[string][]string, name, value string) bool {
	vs, ok := fl[name]
	return !ok || slices.Contains(vs, value)
}

func (h *handler) createEndpoint(form url.Values) (any, *fault) {
	vpc, service := form.Get("VpcId"), form.Get("ServiceName")
	var created account.VPCEndpoint
	err := h.st.Update(func(a *account.Account) error {
		if vpc != a.Network.VpcID {
			return &fault{"InvalidVpcId.NotFound", fmt.Sprintf("The vpc ID '%s' does not exist", vpc)}
		}
		if !strings.HasPrefix(service, "com.amazonaws.") {
			return &fault{"InvalidServiceName", fmt.Sprintf("The Vpc Endpoint Service '%s' does not exist", service)}
		}
		groups := list(form, "SecurityGroupId")
		for _, g := range groups {
			if a.Network.SecurityGroups[g] == nil {
				return &fault{"InvalidGroup.NotFound", fmt.Sprintf("The security group '%s' does not exist", g)}
			}
		}
		if len(groups) == 0 {
			groups = []string{account.EndpointGroup}
		}
		if a.Network.EndpointFor(vpc, service) != nil {
			return &fault{"InvalidParameter", "private-dns-enabled cannot be set because there is already a conflicting DNS domain for " +
				strings.TrimPrefix(service, "com.amazonaws.") + " in the VPC " + vpc}
		}
		created = account.VPCEndpoint{ID: "vpce-" + randomHex(17), VpcID: vpc, ServiceName: service,
			SubnetIDs: list(form, "SubnetId"), SecurityGroupIDs: groups, PrivateDNS: form.Get("PrivateDnsEnabled") != "false"}
		a.Network.Endpoints = append(a.Network.Endpoints, &created)
		return nil
	})
	if f := asFault(err); f != nil {
		return nil, f
	}
	return struct {
		XMLName   xml.Name    `xml:"CreateVpcEndpointResponse"`
		Xmlns     string      `xml:"xmlns,attr"`
		RequestID string      `xml:"requestId"`
		Endpoint  endpointXML `xml:"vpcEndpoint"`
	}{Xmlns: namespace, RequestID: "REQUESTID", Endpoint: h.endpointXML(h.st.Get(), &created)}, nil
}

func (h *handler) deleteEndpoints(form url.Values) (any, *fault) {
	ids := list(form, "VpcEndpointId")
	err := h.st.Update(func(a *account.Account) error {
		a.Network.Endpoints = slices.DeleteFunc(a.Network.Endpoints, func(e *account.VPCEndpoint) bool { return slices.Contains(ids, e.ID) })
		return nil
	})
	if f := asFault(err); f != nil {
		return nil, f
	}
	return struct {
		XMLName   xml.Name `xml:"DeleteVpcEndpointsResponse"`
		Xmlns     string   `xml:"xmlns,attr"`
		RequestID string   `xml:"requestId"`
		Unsuccess struct{} `xml:"unsuccessful"`
	}{Xmlns: namespace, RequestID: "REQUESTID"}, nil
}

type permissionXML struct {
	Protocol string     `xml:"ipProtocol"`
	FromPort *int       `xml:"fromPort,omitempty"`
	ToPort   *int       `xml:"toPort,omitempty"`
	Groups   []pairXML  `xml:"groups>item"`
	Ranges   []rangeXML `xml:"ipRanges>item"`
}

type pairXML struct {
	UserID  string `xml:"userId"`
	GroupID string `xml:"groupId"`
}

type rangeXML struct {
	CIDR string `xml:"cidrIp"`
}

type groupXML struct {
	Owner       string          `xml:"ownerId"`
	ID          string          `xml:"groupId"`
	Name        string          `xml:"groupName"`
	Description string          `xml:"groupDescription"`
	VpcID       string          `xml:"vpcId"`
	Ingress     []permissionXML `xml:"ipPermissions>item"`
	Egress      []permissionXML `xml:"ipPermissionsEgress>item"`
}

func (h *handler) describeGroups(form url.Values) (any, *fault) {
	a := h.st.Get()
	ids := append(list(form, "GroupId"), filters(form)["group-id"]...)
	out := struct {
		XMLName   xml.Name   `xml:"DescribeSecurityGroupsResponse"`
		Xmlns     string     `xml:"xmlns,attr"`
		RequestID string     `xml:"requestId"`
		Groups    []groupXML `xml:"securityGroupInfo>item"`
	}{Xmlns: namespace, RequestID: "REQUESTID"}
	for _, id := range ids {
		if a.Network.SecurityGroups[id] == nil {
			return nil, &fault{"InvalidGroup.NotFound", fmt.Sprintf("The security group '%s' does not exist", id)}
		}
	}
	keys := make([]string, 0, len(a.Network.SecurityGroups))
	for id := range a.Network.SecurityGroups {
		keys = append(keys, id)
	}
	slices.Sort(keys)
	for _, id := range keys {
		if len(ids) > 0 && !slices.Contains(ids, id) {
			continue
		}
		g := a.Network.SecurityGroups[id]
		x := groupXML{Owner: h.owner, ID: g.ID, Name: g.Name, Description: g.Description, VpcID: a.Network.VpcID,
			Egress: []permissionXML{{Protocol: "-1", Ranges: []rangeXML{{CIDR: "0.0.0.0/0"}}}}}
		for _, r := range g.Ingress {
			p := permissionXML{Protocol: r.Protocol}
			if r.Protocol != "-1" {
				from, to := r.FromPort, r.ToPort
				p.FromPort, p.ToPort = &from, &to
			}
			for _, s := range r.Groups {
				p.Groups = append(p.Groups, pairXML{UserID: h.owner, GroupID: s})
			}
			for _, c := range r.CIDRs {
				p.Ranges = append(p.Ranges, rangeXML{CIDR: c})
			}
			x.Ingress = append(x.Ingress, p)
		}
		out.Groups = append(out.Groups, x)
	}
	return out, nil
}

// rules reads IpPermissions.N into rules, one per source, as AWS keeps them.
func rules(form url.Values) ([]account.Rule, *fault) {
	var out []account.Rule
	for i := 1; ; i++ {
		p := "IpPermissions." + strconv.Itoa(i) + "."
		proto := form.Get(p + "IpProtocol")
		if proto == "" {
			break
		}
		if proto == "6" {
			proto = "tcp"
		}
		from, _ := strconv.Atoi(form.Get(p + "FromPort"))
		to, _ := strconv.Atoi(form.Get(p + "ToPort"))
		if proto != "tcp" && proto != "-1" {
			return nil, &fault{"InvalidParameterValue", "The sandbox's network carries TCP only: use tcp or -1, not " + proto + "."}
		}
		for _, key := range []string{"Groups", "UserIdGroupPairs"} {
			for j := 1; ; j++ {
				g := form.Get(p + key + "." + strconv.Itoa(j) + ".GroupId")
				if g == "" {
					break
				}
				out = append(out, account.Rule{Protocol: proto, FromPort: from, ToPort: to, Groups: []string{g}})
			}
		}
		for j := 1; ; j++ {
			c := form.Get(p + "IpRanges." + strconv.Itoa(j) + ".CidrIp")
			if c == "" {
				break
			}
			out = append(out, account.Rule{Protocol: proto, FromPort: from, ToPort: to, CIDRs: []string{c}})
		}
	}
	if len(out) == 0 {
		return nil, &fault{"MissingParameter", "The request must contain the parameter ipPermissions"}
	}
	return out, nil
}

func (h *handler) changeIngress(form url.Values, add bool) (any, *fault) {
	id := form.Get("GroupId")
	rs, f := rules(form)
	if f != nil {
		return nil, f
	}
	err := h.st.Update(func(a *account.Account) error {
		g := a.Network.SecurityGroups[id]
		if g == nil {
			return &fault{"InvalidGroup.NotFound", fmt.Sprintf("The security group '%s' does not exist", id)}
		}
		for _, r := range rs {
			i := slices.IndexFunc(g.Ingress, func(x account.Rule) bool { return sameRule(x, r) })
			switch {
			case add && i >= 0:
				return &fault{"InvalidPermission.Duplicate", "the specified rule \"peer: " + source(r) + ", TCP, from port: " +
					strconv.Itoa(r.FromPort) + ", to port: " + strconv.Itoa(r.ToPort) + ", ALLOW\" already exists"}
			case add:
				g.Ingress = append(g.Ingress, r)
			case i < 0:
				return &fault{"InvalidPermission.NotFound", "The specified rule does not exist in this security group."}
			default:
				g.Ingress = slices.Delete(g.Ingress, i, i+1)
			}
		}
		return nil
	})
	if f := asFault(err); f != nil {
		return nil, f
	}
	name := "AuthorizeSecurityGroupIngressResponse"
	if !add {
		name = "RevokeSecurityGroupIngressResponse"
	}
	return struct {
		XMLName   xml.Name
		Xmlns     string `xml:"xmlns,attr"`
		RequestID string `xml:"requestId"`
		Return    bool   `xml:"return"`
	}{XMLName: xml.Name{Local: name}, Xmlns: namespace, RequestID: "REQUESTID", Return: true}, nil
}

func sameRule(a, b account.Rule) bool {
	return a.Protocol == b.Protocol && (a.Protocol == "-1" || (a.FromPort == b.FromPort && a.ToPort == b.ToPort)) &&
		slices.Equal(a.Groups, b.Groups) && slices.Equal(a.CIDRs, b.CIDRs)
}

func source(r account.Rule) string {
	if len(r.Groups) > 0 {
		return r.Groups[0]
	}
	return strings.Join(r.CIDRs, ",")
}

func (f *fault) Error() string { return f.code + ": " + f.msg }

func asFault(err error) *fault {
	if err == nil {
		return nil
	}
	if f, ok := err.(*fault); ok {
		return f
	}
	return &fault{"InternalError", err.Error()}
}

func writeFault(w http.ResponseWriter, reqID string, status int, f fault) {
	type errXML struct {
		Code    string `xml:"Code"`
		Message string `xml:"Message"`
	}
	b, _ := xml.Marshal(struct {
		XMLName   xml.Name `xml:"Response"`
		Errors    []errXML `xml:"Errors>Error"`
		RequestID string   `xml:"RequestID"`
	}{Errors: []errXML{{f.code, f.msg}}, RequestID: reqID})
	w.Header().Set("Content-Type", "text/xml;charset=UTF-8")
	w.WriteHeader(status)
	_, _ = w.Write(append([]byte(xml.Header), b...))
}

func randomHex(n int) string {
	b := make([]byte, (n+1)/2)
	_, _ = rand.Read(b) // crypto/rand.Read never fails on supported platforms
	return hex.EncodeToString(b)[:n]
}
