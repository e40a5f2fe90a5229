package rotation

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"rotation-tutor/dbclient"
)

// DefaultPort is the port the templates use when a secret names none.
const DefaultPort = 3306

// Secret is a database secret's value: the JSON keys AWS's MySQL templates
// read. Keys it does not know are kept and written back unchanged, because a
// rotation copies the current value and changes only username and password.
type Secret struct {
	Engine    string
	Host      string
	Port      int
	Username  string
	Password  string
	DBName    string
	MasterARN string
	// SSL is the ssl key as written (nil when absent): whether logins with
	// this secret use TLS. TLSMode reads it.
	SSL json.RawMessage

	raw map[string]json.RawMessage // every key as read, for carrying forward
}

// ParseSecret reads a database secret and checks the keys the templates
// require (engine, host, username, password), with the templates' messages.
func ParseSecret(s string) (Secret, error) {
	sec, err := ReadSecret(s)
	if err != nil {
		return Secret{}, err
	}
	for _, k := range []string{"host", "username", "password", "engine"} {
		if _, ok := sec.raw[k]; !ok {
			return Secret{}, fmt.Errorf("%s key is missing from secret JSON", k)
		}
	}
	if sec.Engine != "mysql" && sec.Engine != "aurora-mysql" {
		return Secret{}, errors.New("Database engine must be set to 'mysql' in order to use this rotation lambda")
	}
	return sec, nil
}

// ReadSecret reads a secret without requiring any key: an admin secret that
// RDS manages (rds!db-…) holds only username and password, and a diagnosis
// wants to say which keys are missing rather than stop at the first. Its
// errors never quote the value: it holds a password.
func ReadSecret(s string) (Secret, error) {
	var raw map[string]json.RawMessage
	dec := json.NewDecoder(bytes.NewReader([]byte(s)))
	if err := dec.Decode(&raw); err != nil || raw == nil {
		// The decoder's message may quote the value, which holds a password.
		return Secret{}, errors.New("secret value is not a JSON object")
	}
	sec := Secret{raw: raw, Port: DefaultPort}
	fields := []struct {
		key string
		dst *string
	}{
		{"engine", &sec.Engine}, {"host", &sec.Host}, {"username", &sec.Username},
		{"password", &sec.Password}, {"dbname", &sec.DBName}, {"masterarn", &sec.MasterARN},
	}
	for _, f := range fields {
		v, ok := raw[f.key]
		if !ok || string(v) == "null" {
			continue
		}
		if err := json.Unmarshal(v, f.dst); err != nil {
			return Secret{}, fmt.Errorf("secret key %q is not a string", f.key)
		}
	}
	if v, ok := raw["ssl"]; ok {
		sec.SSL = v
	}
	if v, ok := raw["port"]; ok && string(v) != "null" {
		p, err := parsePort(v)
		if err != nil {
			return Secret{}, err
		}
		sec.Port = p
	}
	return sec, nil
}

// parsePort accepts a number or a string holding one: the template reads the
// port with int(), and RDS-written secrets use a number.
func parsePort(v json.RawMessage) (int, error) {
	var n json.Number
	if err := json.Unmarshal(v, &n); err != nil {
		var s string
		if err := json.Unmarshal(v, &s); err != nil {
			return 0, errors.New("secret key \"port\" is neither a number nor a string")
		}
		n = json.Number(s)
	}
	p, err := strconv.Atoi(string(n))
	if err != nil || p <= 0 || p > 65535 {
		return 0, fmt.Errorf("secret key \"port\" is not a TCP port: %q", string(n))
	}
	return p, nil
}

// NewSecret is a value for a new database secret, with the keys the
// templates read; masterARN "" leaves masterarn out (single user).
func NewSecret(host string, port int, dbname, username, password, masterARN string) Secret {
	s := Secret{Engine: "mysql", Host: host, Port: port, DBName: dbname, MasterARN: masterARN,
		raw: map[string]json.RawMessage{"engine": jsonString("mysql"), "host": jsonString(host),
			"port": json.RawMessage(strconv.Itoa(port)), "dbname": jsonString(dbname)}}
	if masterARN != "" {
		s.raw["masterarn"] = jsonString(masterARN)
	}
	return s.withCredentials(username, password)
}

// SSLTrue is the ssl key that makes every login with a secret use TLS or fail.
var SSLTrue = json.RawMessage("true")

// WithSSL returns a copy whose ssl key is v as written (SSLTrue, or a value read from
// another secret), or has none when v is nil.
func (s Secret) WithSSL(v json.RawMessage) Secret {
	c := s.withCredentials(s.Username, s.Password)
	c.SSL = v
	if v == nil {
		delete(c.raw, "ssl")
	} else {
		c.raw["ssl"] = v
	}
	return c
}

// Missing lists the keys, of those given, that the value lacks or holds
// empty: what a rotation function would refuse.
func (s Secret) Missing(keys ...string) []string {
	var out []string
	for _, k := range keys {
		v, ok := s.raw[k]
		if !ok || string(v) == "null" || string(v) == `""` {
			out = append(out, k)
		}
	}
	return out
}

// withCredentials returns a copy whose username and password are replaced;
// every other key stays as it was.
func (s Secret) withCredentials(username, password string) Secret {
	c := s
	c.Username, c.Password = username, password
	c.raw = make(map[string]json.RawMessage, len(s.raw)+2)
	for k, v := range s.raw {
		c.raw[k] = v
	}
	c.raw["username"] = jsonString(username)
	c.raw["password"] = jsonString(password)
	return c
}

// JSON is the value to store: the keys read, with username and password as
// they are now.
func (s Secret) JSON() (string, error) {
	out := make(map[string]json.RawMessage, len(s.raw)+2)
	for k, v := range s.raw {
		out[k] = v
	}
	out["username"] = jsonString(s.Username)
	out["password"] = jsonString(s.Password)
	b, err := json.Marshal(out)
	if err != nil {
		return "", errors.New("secret value cannot be encoded as JSON")
	}
	return string(b), nil
}

// TLSMode says whether logins with this secret use TLS, reading the ssl key
// exactly as AWS's MySQL templates do: true, or a string that is "true" in
// any case, means TLS only; false, or "false" in any case, plain text only;
// no key, or any other value (null, a number, "yes"), TLS first with plain
// text as the fallback.
func (s Secret) TLSMode() dbclient.TLSMode {
	var v any
	if json.Unmarshal(s.SSL, &v) != nil {
		return dbclient.TLSPreferred // no key
	}
	switch v := v.(type) {
	case bool:
		if v {
			return dbclient.TLSRequired
		}
		return dbclient.TLSOff
	case string:
		switch strings.ToLower(v) {
		case "true":
			return dbclient.TLSRequired
		case "false":
			return dbclient.TLSOff
		}
	}
	return dbclient.TLSPreferred
}

// Target is where and as whom these credentials log in, with the TLS the
// ssl key asks for. ca verifies the server's certificate (nil: unverified).
func (s Secret) Target(ca *dbclient.CABundle) dbclient.Target {
	return dbclient.Target{Host: s.Host, Port: s.Port, User: s.Username, Password: s.Password, Database: s.DBName,
		TLS: s.TLSMode(), CA: ca}
}

func jsonString(s string) json.RawMessage {
	b, _ := json.Marshal(s) // a Go string always encodes
	return b
}
