package lab

import (
	"slices"

	"rotation-tutor/sandbox/account"
)

// dropRule takes out of group the rules whose sources include from (a group or an address).
func dropRule(a *account.Account, group, from string) {
	g := a.Network.SecurityGroups[group]
	if g == nil {
		return
	}
	g.Ingress = slices.DeleteFunc(g.Ingress, func(r account.Rule) bool {
		return slices.Contains(r.Groups, from) || slices.Contains(r.CIDRs, from)
	})
}

// restoreRule puts back the default's rule of group for from, if it is missing.
func restoreRule(a *account.Account, group, from string, port int, cidr bool) {
	g := a.Network.SecurityGroups[group]
	if g == nil {
		return
	}
	for _, r := range g.Ingress {
		if (slices.Contains(r.Groups, from) || slices.Contains(r.CIDRs, from)) && r.FromPort <= port && port <= r.ToPort {
			return
		}
	}
	r := account.Rule{Protocol: "tcp", FromPort: port, ToPort: port, Groups: []string{from}}
	if cidr {
		r.Groups, r.CIDRs = nil, []string{from}
	}
	g.Ingress = append(g.Ingress, r)
}
