package probe

import "time"

// Policy is how an application's client caches the secret: when it reads
// the secret again before logging in. Under every policy a client also reads
// it again after a failed login, as AWS advises and its caching clients'
// database wrappers do.
//
// Alternating users keeps every client up on one condition: each refreshes
// at least once between two rotations. A client whose cache outlives two
// rotations still holds the password the second one changed.
type Policy struct {
	// Name is how the screen and the bench call it.
	Name string `json:"name"`
	// EveryLogin reads the secret before every login: no cache.
	EveryLogin bool `json:"every_login,omitempty"`
	// TTL is the cache's lifetime; zero keeps a secret until a login fails.
	TTL time.Duration `json:"ttl_ns,omitempty"`
}

// The policies the live screen and the bench compare.
var (
	// RefreshEveryLogin reads the secret before each login.
	RefreshEveryLogin = Policy{Name: "every login", EveryLogin: true}
	// AgentTTL is the Secrets Manager Agent's default: 300 seconds.
	AgentTTL = Policy{Name: "TTL 300 s", TTL: 300 * time.Second}
	// LibraryTTL is AWS's caching libraries' default: an hour.
	LibraryTTL = Policy{Name: "TTL 1 h", TTL: time.Hour}
	// AfterFailure keeps the secret until a login with it fails, as JDBC
	// wrappers do.
	AfterFailure = Policy{Name: "after a failed login"}

	Policies = []Policy{RefreshEveryLogin, AgentTTL, LibraryTTL, AfterFailure}
)

// Lifetime is how long a cached secret may be used: zero for no cache, and
// -1 for a cache that lives until a login fails.
func (p Policy) Lifetime() time.Duration {
	switch {
	case p.EveryLogin:
		return 0
	case p.TTL <= 0:
		return -1
	}
	return p.TTL
}

// fresh says whether a secret read age ago may still be used.
func (p Policy) fresh(age time.Duration) bool {
	switch l := p.Lifetime(); {
	case l == 0:
		return false
	case l < 0:
		return true
	default:
		return age < l
	}
}

// Outlives says whether a cache under p can live across a gap of d between
// two rotations: then a client can still hold, at the second, the password
// it changes. Zero failures with alternating users needs it false.
func (p Policy) Outlives(d time.Duration) bool {
	l := p.Lifetime()
	return l < 0 || l > d
}
