package probe_test

import "time"

// pace is the continuous-traffic test's time between a client's logins: it
// paces load, it synchronises nothing.
const pace = 2 * time.Millisecond
