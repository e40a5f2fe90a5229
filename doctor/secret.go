package doctor

import (
	"bytes"
	"encoding/json"
	"errors"
	"strconv"
)

// dbSecret is a database secret's value, read for diagnosis: the keys AWS's
// MySQL rotation templates use. It keeps which keys were present so a missing
// key and an empty one can be told apart.
type dbSecret struct {
	Engine, Host, Username, Password, DBName, MasterARN string
	Port                                                int
	present                                             map[string]bool
}

// parseDBSecret reads a secret value. Its errors never quote the value: it
// holds a password.
func parseDBSecret(s string) (*dbSecret, error) {
	var raw map[string]json.RawMessage
	if err := json.NewDecoder(bytes.NewReader([]byte(s))).Decode(&raw); err != nil || raw == nil {
		return nil, errors.New("the value is not a JSON object")
	}
	d := &dbSecret{Port: 3306, present: map[string]bool{}}
	for key, dst := range map[string]*string{
		"engine": &d.Engine, "host": &d.Host, "username": &d.Username,
		"password": &d.Password, "dbname": &d.DBName, "masterarn": &d.MasterARN,
	} {
		v, ok := raw[key]
		if !ok || string(v) == "null" {
			continue
		}
		if err := json.Unmarshal(v, dst); err != nil {
			return nil, errors.New("key " + strconv.Quote(key) + " is not a string")
		}
		d.present[key] = *dst != ""
	}
	if v, ok := raw["port"]; ok && string(v) != "null" {
		// The templates read the port with int(), so "3306" and 3306 both work.
		var n int
		var str string
		switch {
		case json.Unmarshal(v, &n) == nil:
		case json.Unmarshal(v, &str) == nil:
			p, err := strconv.Atoi(str)
			if err != nil {
				return nil, errors.New(`key "port" is not a number`)
			}
			n = p
		default:
			return nil, errors.New(`key "port" is not a number`)
		}
		if n < 1 || n > 65535 {
			return nil, errors.New(`key "port" is out of range`)
		}
		d.Port = n
	}
	return d, nil
}

// missing lists the keys, of those given, that are absent or empty.
func (d *dbSecret) missing(keys ...string) []string {
	var out []string
	for _, k := range keys {
		if !d.present[k] {
			out = append(out, k)
		}
	}
	return out
}
