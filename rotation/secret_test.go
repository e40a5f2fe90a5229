package rotation

import (
	"encoding/json"
	"errors"
	"reflect"
	"strings"
	"testing"

	"rotation-tutor/dbclient"
)

func TestParseSecret(t *testing.T) {
	tests := []struct {
		name, in string
		want     Secret
		err      string
	}{
		{name: "number port", in: `{"engine":"mysql","host":"h","port":3307,"username":"u","password":"p","dbname":"d","masterarn":"arn"}`,
			want: Secret{Engine: "mysql", Host: "h", Port: 3307, Username: "u", Password: "p", DBName: "d", MasterARN: "arn"}},
		{name: "string port", in: `{"engine":"aurora-mysql","host":"h","port":"3308","username":"u","password":"p"}`,
			want: Secret{Engine: "aurora-mysql", Host: "h", Port: 3308, Username: "u", Password: "p"}},
		{name: "default port", in: `{"engine":"mysql","host":"h","username":"u","password":"p"}`,
			want: Secret{Engine: "mysql", Host: "h", Port: 3306, Username: "u", Password: "p"}},
		{name: "wrong engine", in: `{"engine":"postgres","host":"h","username":"u","password":"p"}`,
			err: "Database engine must be set to 'mysql' in order to use this rotation lambda"},
		{name: "missing host", in: `{"engine":"mysql","username":"u","password":"p"}`, err: "host key is missing from secret JSON"},
		{name: "missing engine", in: `{"host":"h","username":"u","password":"p"}`, err: "engine key is missing from secret JSON"},
		{name: "bad port", in: `{"engine":"mysql","host":"h","port":"x","username":"u","password":"p"}`, err: `"port" is not a TCP port`},
		{name: "not json", in: `{"password":"s3cret"`, err: "not a JSON object"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseSecret(tt.in)
			if tt.err != "" {
				if err == nil || !strings.Contains(err.Error(), tt.err) {
					t.Fatalf("err = %v, want %q", err, tt.err)
				}
				if strings.Contains(err.Error(), "s3cret") {
					t.Fatalf("error shows the password: %v", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			got.raw = nil
			if !reflect.DeepEqual(got, tt.want) {
				t.Fatalf("got %+v, want %+v", got, tt.want)
			}
		})
	}
}

func TestSecretCarriesUnknownKeysForward(t *testing.T) {
	in := `{"engine":"mysql","host":"h","port":"3306","username":"appuser","password":"old","ssl":true,"team":{"a":1}}`
	s, err := ParseSecret(in)
	if err != nil {
		t.Fatal(err)
	}
	out, err := s.withCredentials("appuser_clone", `'"\%`).JSON()
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal([]byte(out), &m); err != nil {
		t.Fatal(err)
	}
	if m["username"] != "appuser_clone" || m["password"] != `'"\%` || m["port"] != "3306" || m["ssl"] != true {
		t.Fatalf("value = %s", out)
	}
	if _, ok := m["team"].(map[string]any); !ok {
		t.Fatalf("unknown key lost: %s", out)
	}
	// The original is unchanged.
	if s.Username != "appuser" || !strings.Contains(string(s.raw["password"]), "old") {
		t.Fatalf("original changed: %+v", s)
	}
}

func TestAlternateUsername(t *testing.T) {
	tests := []struct {
		in    string
		limit int
		want  string
		err   string
	}{
		{"appuser", 16, "appuser_clone", ""},
		{"appuser_clone", 16, "appuser", ""},
		{"averylonguser", 16, "", "Unable to clone user, username length with _clone appended would exceed 16 characters"},
		{"averylonguser", 32, "averylonguser_clone", ""},
		{"averylonguser_clone", 16, "averylonguser", ""}, // removing never exceeds
	}
	for _, tt := range tests {
		got, err := AlternateUsername(tt.in, tt.limit)
		if tt.err != "" {
			if err == nil || err.Error() != tt.err {
				t.Errorf("%s: err = %v, want %q", tt.in, err, tt.err)
			}
			continue
		}
		if err != nil || got != tt.want {
			t.Errorf("%s: got %q, %v; want %q", tt.in, got, err, tt.want)
		}
	}
}

func TestPasswordPolicyDefaults(t *testing.T) {
	in := PasswordPolicy{}.input()
	if *in.ExcludeCharacters != `/@"'\` || *in.PasswordLength != 32 || !*in.RequireEachIncludedType ||
		*in.ExcludeNumbers || *in.ExcludePunctuation || *in.ExcludeUppercase || *in.ExcludeLowercase {
		t.Fatalf("defaults = %+v", in)
	}
	no := false
	in = PasswordPolicy{ExcludeCharacters: "abc", Length: 12, ExcludeNumbers: true, RequireEachIncludedType: &no}.input()
	if *in.ExcludeCharacters != "abc" || *in.PasswordLength != 12 || *in.RequireEachIncludedType || !*in.ExcludeNumbers {
		t.Fatalf("custom = %+v", in)
	}
}

func TestRedactMasksPasswords(t *testing.T) {
	n := &note{}
	n.handles("hunter2", "")
	err := n.redact(errors.New("syntax error near 'hunter2'"))
	if strings.Contains(err.Error(), "hunter2") || !strings.Contains(err.Error(), "********") {
		t.Fatalf("err = %v", err)
	}
	plain := errors.New("connection refused")
	if n.redact(plain) != plain {
		t.Fatal("an error without a password must pass through unchanged")
	}
}

func TestNewTokenIsAUUID(t *testing.T) {
	tok, err := newToken()
	if err != nil {
		t.Fatal(err)
	}
	if len(tok) != 36 || tok[14] != '4' || strings.Count(tok, "-") != 4 {
		t.Fatalf("token %q", tok)
	}
}

// The ssl key, read as AWS's MultiUser template reads it.
func TestSecretTLSMode(t *testing.T) {
	for ssl, want := range map[string]dbclient.TLSMode{
		``:                  dbclient.TLSPreferred, // no key
		`,"ssl":true`:       dbclient.TLSRequired,
		`,"ssl":"true"`:     dbclient.TLSRequired,
		`,"ssl":"TRUE"`:     dbclient.TLSRequired,
		`,"ssl":false`:      dbclient.TLSOff,
		`,"ssl":"false"`:    dbclient.TLSOff,
		`,"ssl":"False"`:    dbclient.TLSOff,
		`,"ssl":null`:       dbclient.TLSPreferred,
		`,"ssl":1`:          dbclient.TLSPreferred,
		`,"ssl":0`:          dbclient.TLSPreferred,
		`,"ssl":"yes"`:      dbclient.TLSPreferred,
		`,"ssl":""`:         dbclient.TLSPreferred,
		`,"ssl":{"ca":"x"}`: dbclient.TLSPreferred,
	} {
		s, err := ParseSecret(`{"engine":"mysql","host":"h","username":"u","password":"p"` + ssl + `}`)
		if err != nil {
			t.Fatal(err)
		}
		if got := s.TLSMode(); got != want {
			t.Errorf("%s: %v, want %v", ssl, got, want)
		}
		if got := s.Target(nil).TLS; got != want {
			t.Errorf("%s: Target's TLS %v, want %v", ssl, got, want)
		}
		// A rotation carries the key forward as written.
		out, err := s.withCredentials("u_clone", "q").JSON()
		if err != nil {
			t.Fatal(err)
		}
		if again, _ := ParseSecret(out); again.TLSMode() != want {
			t.Errorf("%s: after a rotation %v, want %v", ssl, again.TLSMode(), want)
		}
	}
}

// WithSSL sets the ssl key as written, or removes it, on a copy: the value stored, and
// every later version the rotation copies from it, carry it.
func TestWithSSL(t *testing.T) {
	base := NewSecret("db.internal", 3306, "tutorial", "appuser", "pw", "")
	on := base.WithSSL(SSLTrue)
	js, err := on.JSON()
	if err != nil {
		t.Fatal(err)
	}
	back, err := ReadSecret(js)
	if err != nil || back.TLSMode() != dbclient.TLSRequired || !strings.Contains(js, `"ssl":true`) {
		t.Fatalf("with ssl true: %s (%v)", js, err)
	}
	if base.TLSMode() != dbclient.TLSPreferred {
		t.Errorf("WithSSL changed the secret it was called on")
	}
	off, _ := back.WithSSL(nil).JSON()
	if strings.Contains(off, "ssl") {
		t.Errorf("WithSSL(nil) kept the key: %s", off)
	}
}
