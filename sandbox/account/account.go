// Package account is the sandbox account's set-up, the part of an AWS account that real
// rotation faults live in: each rotation function's Lambda configuration (its VPC and
// security groups, execution role, resource policy, timeout and environment), the roles'
// permission policies, and the network (the VPC's endpoints and NAT, the security groups of
// the database, the bastion and the functions). The sandbox's servers consult it on every
// request, and the troubleshooting lab changes it.
//
// It is kept in one file of the state directory, so that a change made by another process
// (`rotation-tutor lab break`) is seen by a running sandbox at its next request: Store.Get
// reads the file again whenever it changed on disk.
package account

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"
)

// Account is the whole set-up.
type Account struct {
	Functions map[string]*Function `json:"functions"` // by function name
	// Roles holds each role's inline permission policies, by role name and policy name.
	Roles map[string]map[string]string `json:"roles"`
	// Policies are the account's managed policies' documents, by ARN, and Attached the
	// managed policies attached to each role, by role name: none unless set here.
	Policies map[string]string   `json:"policies,omitempty"`
	Attached map[string][]string `json:"attached,omitempty"`
	Network  Network             `json:"network"`
	Bastion  Bastion             `json:"bastion"`
	Database Database            `json:"database"`
}

// RolePolicies are the permission policies of a role: its inline ones, then the managed
// ones attached to it (an attached ARN the account does not hold grants nothing).
func (a *Account) RolePolicies(role string) []string {
	var docs []string
	for _, d := range a.Roles[role] {
		docs = append(docs, d)
	}
	for _, arn := range a.Attached[role] {
		if d, ok := a.Policies[arn]; ok {
			docs = append(docs, d)
		}
	}
	return docs
}

// Function is a Lambda function's configuration, as GetFunctionConfiguration shows it.
type Function struct {
	Name, Role  string
	Description string
	Timeout     int // seconds
	Environment map[string]string
	VPC         VPCConfig
	// Policy is the function's resource-based policy: who may invoke it.
	Policy []Permission
	// Revision changes with every change of the configuration or the policy.
	Revision     string
	LastModified string
}

// VPCConfig places a function in a VPC.
type VPCConfig struct {
	VpcID            string   `json:"vpc_id"`
	SubnetIDs        []string `json:"subnet_ids"`
	SecurityGroupIDs []string `json:"security_group_ids"`
}

// Permission is one statement of a function's resource policy, as AddPermission makes it.
type Permission struct {
	Sid, Action, Principal string
	SourceArn              string `json:",omitempty"`
	SourceAccount          string `json:",omitempty"`
}

// Network is the VPC the database, the bastion and the functions live in.
type Network struct {
	VpcID   string   `json:"vpc_id"`
	Subnets []string `json:"subnets"`
	// NAT says the private subnets route to the internet through a NAT gateway, which also
	// reaches Secrets Manager's public endpoint.
	NAT            bool                      `json:"nat"`
	SecurityGroups map[string]*SecurityGroup `json:"security_groups"`
	Endpoints      []*VPCEndpoint            `json:"endpoints"`
	// DatabaseGroups are the database instance's security groups; BastionGroups the
	// bastion instance's.
	DatabaseGroups []string `json:"database_groups"`
	BastionGroups  []string `json:"bastion_groups"`
	BastionID      string   `json:"bastion_instance_id"`
	// LearnerCIDR is where the learner's connections come from, as the bastion's security
	// group sees them: the loopback address.
	LearnerCIDR string `json:"learner_cidr"`
}

// SecurityGroup is a VPC security group: what it lets in (everything may go out).
type SecurityGroup struct {
	ID, Name, Description string
	Ingress               []Rule
}

// Rule lets in TCP on a port range from security groups or address ranges.
type Rule struct {
	Protocol string   `json:"protocol"` // "tcp" or "-1" (everything)
	FromPort int      `json:"from_port"`
	ToPort   int      `json:"to_port"`
	Groups   []string `json:"groups,omitempty"`
	CIDRs    []string `json:"cidrs,omitempty"`
}

// VPCEndpoint is an interface endpoint: a service reached from inside the VPC.
type VPCEndpoint struct {
	ID, VpcID, ServiceName string
	SubnetIDs              []string
	SecurityGroupIDs       []string
	PrivateDNS             bool
}

// Bastion is the bastion host's own configuration: its sshd_config and authorized_keys, as
// an administrator would edit them on the instance.
type Bastion struct {
	// AllowTCPForwarding is sshd_config's AllowTcpForwarding.
	AllowTCPForwarding bool `json:"allow_tcp_forwarding"`
	// RevokedKeys are the fingerprints (SHA256:…) of keys taken out of authorized_keys.
	RevokedKeys []string `json:"revoked_keys,omitempty"`
}

// Database is the database server's own settings.
type Database struct {
	// RejectedPasswordCharacters are characters the server refuses in a password (the
	// sandbox's stand-in for an engine's password rules); empty: none.
	RejectedPasswordCharacters string `json:"rejected_password_characters,omitempty"`
	// RequireSecureTransport is require_secure_transport in the instances' DB parameter
	// group: logins without TLS are refused. ON by default on RDS for MySQL 9.7 and RDS for
	// MariaDB 11.8; `aws rds modify-db-parameter-group` changes it, and the embedded database
	// applies it from the next login (a mariadbd takes it at start).
	RequireSecureTransport bool `json:"require_secure_transport,omitempty"`
}

// Admits says whether any of the groups lets TCP on port in from one of the source groups.
func (n Network) Admits(groups []string, port int, from []string) bool {
	return n.admits(groups, port, func(r Rule) bool {
		for _, g := range r.Groups {
			if slices.Contains(from, g) {
				return true
			}
		}
		return false
	})
}

// AdmitsAddress says whether any of the groups lets TCP on port in from the address ip.
func (n Network) AdmitsAddress(groups []string, port int, ip string) bool {
	return n.admits(groups, port, func(r Rule) bool {
		for _, c := range r.CIDRs {
			if cidrHolds(c, ip) {
				return true
			}
		}
		return false
	})
}

func (n Network) admits(groups []string, port int, source func(Rule) bool) bool {
	for _, id := range groups {
		g := n.SecurityGroups[id]
		if g == nil {
			continue
		}
		for _, r := range g.Ingress {
			if (r.Protocol == "-1" || (r.Protocol == "tcp" && r.FromPort <= port && port <= r.ToPort)) && source(r) {
				return true
			}
		}
	}
	return false
}

// EndpointFor returns the VPC's interface endpoint for a service, or nil.
func (n Network) EndpointFor(vpc, service string) *VPCEndpoint {
	for _, e := range n.Endpoints {
		if e.VpcID == vpc && e.ServiceName == service {
			return e
		}
	}
	return nil
}

// SecretsManagerService is the name of Secrets Manager's interface endpoint service in region.
func SecretsManagerService(region string) string {
	return "com.amazonaws." + region + ".secretsmanager"
}

// ReachesSecretsManager says whether a function in its VPC reaches Secrets Manager: through
// the VPC's interface endpoint (whose security group lets the function in on 443), or through
// a NAT gateway to the public endpoint. A function outside any VPC has the internet.
func (a *Account) ReachesSecretsManager(f *Function, region string) bool {
	if f.VPC.VpcID == "" || a.Network.NAT {
		return true
	}
	e := a.Network.EndpointFor(f.VPC.VpcID, SecretsManagerService(region))
	return e != nil && a.Network.Admits(e.SecurityGroupIDs, 443, f.VPC.SecurityGroupIDs)
}

// ReachesDatabase says whether the function's security groups are let in by the database's.
func (a *Account) ReachesDatabase(f *Function, port int) bool {
	return a.Network.Admits(a.Network.DatabaseGroups, port, f.VPC.SecurityGroupIDs)
}

// BastionReachesDatabase says whether the bastion's security groups are let in by the
// database's.
func (a *Account) BastionReachesDatabase(port int) bool {
	return a.Network.Admits(a.Network.DatabaseGroups, port, a.Network.BastionGroups)
}

// LearnerReachesBastion says whether the bastion's security groups let the learner in on 22.
func (a *Account) LearnerReachesBastion() bool {
	ip, _, _ := strings.Cut(a.Network.LearnerCIDR, "/")
	return a.Network.AdmitsAddress(a.Network.BastionGroups, 22, ip)
}

// Allows says whether the function's resource policy lets a service principal invoke it.
func (f *Function) Allows(principal, sourceARN string) bool {
	for _, p := range f.Policy {
		if p.Principal != principal || (p.Action != "lambda:InvokeFunction" && p.Action != "lambda:*") {
			continue
		}
		if p.SourceArn == "" || p.SourceArn == sourceARN {
			return true
		}
	}
	return false
}

// PolicyDocument is the function's resource policy as GetPolicy returns it: a JSON document.
func (f *Function) PolicyDocument(arn string) string {
	type stmt struct {
		Sid       string
		Effect    string
		Principal map[string]string
		Action    string
		Resource  string
		Condition map[string]map[string]string `json:",omitempty"`
	}
	doc := struct {
		Version   string
		Id        string
		Statement []stmt
	}{Version: "2012-10-17", Id: "default"}
	for _, p := range f.Policy {
		s := stmt{Sid: p.Sid, Effect: "Allow", Action: p.Action, Resource: arn, Principal: map[string]string{"Service": p.Principal}}
		if strings.HasPrefix(p.Principal, "arn:") || isAccount(p.Principal) {
			s.Principal = map[string]string{"AWS": p.Principal}
		}
		if p.SourceArn != "" {
			s.Condition = map[string]map[string]string{"ArnLike": {"AWS:SourceArn": p.SourceArn}}
		}
		if p.SourceAccount != "" {
			if s.Condition == nil {
				s.Condition = map[string]map[string]string{}
			}
			s.Condition["StringEquals"] = map[string]string{"AWS:SourceAccount": p.SourceAccount}
		}
		doc.Statement = append(doc.Statement, s)
	}
	b, _ := json.Marshal(doc) // plain strings and maps always encode
	return string(b)
}

func isAccount(s string) bool {
	if len(s) != 12 {
		return false
	}
	for _, c := range s {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}

// cidrHolds says whether ip is in cidr (IPv4 only; the sandbox's addresses are loopback).
func cidrHolds(cidr, ip string) bool {
	base, bits, ok := strings.Cut(cidr, "/")
	if !ok {
		return base == ip
	}
	var n int
	if _, err := fmt.Sscanf(bits, "%d", &n); err != nil || n < 0 || n > 32 {
		return false
	}
	a, okA := ipv4(base)
	b, okB := ipv4(ip)
	if !okA || !okB {
		return false
	}
	mask := uint32(0)
	if n > 0 {
		mask = ^uint32(0) << (32 - n)
	}
	return a&mask == b&mask
}

func ipv4(s string) (uint32, bool) {
	var p [4]int
	if _, err := fmt.Sscanf(s, "%d.%d.%d.%d", &p[0], &p[1], &p[2], &p[3]); err != nil {
		return 0, false
	}
	var v uint32
	for _, x := range p {
		if x < 0 || x > 255 {
			return 0, false
		}
		v = v<<8 | uint32(x)
	}
	return v, true
}
