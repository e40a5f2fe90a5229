package rds

import (
	"net/url"
	"slices"
	"strconv"
)

// filter is one of DescribeDBInstances' Filters: a name and the values any of
// which may match.
type filter struct {
	name   string
	values []string
}

// parseFilters reads the Query protocol's flattened list
// Filters.Filter.N.Name / Filters.Filter.N.Values.Value.M (N, M from 1).
func parseFilters(form url.Values) ([]filter, *fault) {
	var out []filter
	for n := 1; ; n++ {
		prefix := "Filters.Filter." + strconv.Itoa(n) + "."
		name, ok := form[prefix+"Name"]
		if !ok {
			return out, nil
		}
		f := filter{name: name[0]}
		for m := 1; ; m++ {
			v, ok := form[prefix+"Values.Value."+strconv.Itoa(m)]
			if !ok {
				break
			}
			f.values = append(f.values, v[0])
		}
		switch f.name {
		case "db-instance-id", "engine", "dbi-resource-id", "db-cluster-id", "domain":
		default:
			return nil, senderFault("InvalidParameterValue", "Unrecognized filter name: "+f.name+".")
		}
		if len(f.values) == 0 {
			return nil, senderFault("InvalidParameterCombination",
				"Filter "+f.name+" must have at least one value.")
		}
		out = append(out, f)
	}
}

// matches reports whether the instance passes one filter. The sandbox has no
// cluster and no directory domain, so those filters never match.
func (in *instance) matches(f filter) bool {
	switch f.name {
	case "db-instance-id":
		return slices.ContainsFunc(f.values, in.is)
	case "engine":
		return slices.Contains(f.values, in.Engine)
	case "dbi-resource-id":
		return slices.Contains(f.values, in.resourceID())
	}
	return false
}
