package rotation

import "fmt"

// ParseStrategy reads a strategy as a person types it: "alternating" or
// "single", or the full names. "" means AlternatingUsers, the tutorial's.
func ParseStrategy(s string) (Strategy, error) {
	switch s {
	case "", "alternating", string(AlternatingUsers):
		return AlternatingUsers, nil
	case "single", string(SingleUser):
		return SingleUser, nil
	}
	return "", fmt.Errorf("strategy must be alternating or single, not %q", s)
}

// Other is the other strategy, for switching between the two.
func (s Strategy) Other() Strategy {
	if s == SingleUser {
		return AlternatingUsers
	}
	return SingleUser
}
