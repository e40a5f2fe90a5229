package rds

import (
	"net/url"
	"strconv"
	"strings"
)

// requireSecureTransport is the one parameter the sandbox's parameter groups keep.
const requireSecureTransport = "require_secure_transport"

// parameter is one of ModifyDBParameterGroup's Parameters.
type parameter struct{ name, value, applyMethod string }

// parseParameters reads the Query protocol's flattened list
// Parameters.Parameter.N.ParameterName / ParameterValue / ApplyMethod (N from 1), as the SDK
// and the aws CLI send it.
func parseParameters(form url.Values) []parameter {
	var out []parameter
	for n := 1; ; n++ {
		prefix := "Parameters.Parameter." + strconv.Itoa(n) + "."
		name, ok := form[prefix+"ParameterName"]
		if !ok {
			return out
		}
		out = append(out, parameter{name: name[0], value: form.Get(prefix + "ParameterValue"), applyMethod: form.Get(prefix + "ApplyMethod")})
	}
}

// modifyParameterGroup implements ModifyDBParameterGroup for require_secure_transport, a
// dynamic parameter: applied at once (ApplyMethod immediate), to every instance using the
// group. A value is 0 or 1 (ON or OFF are taken too, as MySQL takes them).
func (h *Handler) modifyParameterGroup(form url.Values) (response, *fault) {
	name := form.Get("DBParameterGroupName")
	if name == "" {
		return nil, senderFault("MissingParameter", "The request must contain the parameter DBParameterGroupName.")
	}
	params := parseParameters(form)
	if len(params) == 0 {
		return nil, senderFault("MissingParameter", "The request must contain the parameter Parameters.")
	}
	h.mu.Lock()
	var group *ParameterGroup
	for _, in := range h.instances {
		if in.ParameterGroup != nil && in.ParameterGroup.Name == name {
			group = in.ParameterGroup
		}
	}
	h.mu.Unlock()
	switch {
	case strings.HasPrefix(name, "default."):
		return nil, senderFault("InvalidParameterValue", "Default parameter groups cannot be modified.")
	case group == nil:
		return nil, &fault{status: 404, code: "DBParameterGroupNotFound", message: "DBParameterGroup not found: " + name}
	}
	on := false
	for _, p := range params {
		if p.name != requireSecureTransport {
			return nil, senderFault("InvalidParameterValue", "The sandbox's parameter group "+name+" keeps only "+
				requireSecureTransport+", not "+p.name+".")
		}
		switch strings.ToUpper(p.value) {
		case "1", "ON":
			on = true
		case "0", "OFF":
			on = false
		default:
			return nil, senderFault("InvalidParameterValue", "Invalid parameter value: "+p.value+" for: "+
				requireSecureTransport+" allowed values are: 0,1")
		}
		if p.applyMethod != "" && p.applyMethod != "immediate" {
			// RDS would wait for a reboot, which the sandbox does not model.
			return nil, senderFault("InvalidParameterCombination", "The sandbox applies "+requireSecureTransport+
				" (a dynamic parameter) at once only: use ApplyMethod=immediate.")
		}
	}
	if err := group.SetRequireSecureTransport(on); err != nil {
		return nil, &fault{status: 500, code: "InternalFailure", message: "The parameter could not be applied: " + err.Error()}
	}
	out := &modifyParameterGroupResponse{}
	out.Result.DBParameterGroupName = name
	return out, nil
}
