package world_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"rotation-tutor/world"
)

func TestParseBastion(t *testing.T) {
	for _, tc := range []struct {
		in, user, addr, err string
	}{
		{in: "ec2-user@203.0.113.10", user: "ec2-user", addr: "203.0.113.10:22"},
		{in: "ec2-user@bastion.example.com:2222", user: "ec2-user", addr: "bastion.example.com:2222"},
		{in: "ubuntu@[2001:db8::1]:2200", user: "ubuntu", addr: "[2001:db8::1]:2200"},
		{in: "ubuntu@[2001:db8::1]", user: "ubuntu", addr: "[2001:db8::1]:22"},
		{in: "ubuntu@2001:db8::1", user: "ubuntu", addr: "[2001:db8::1]:22"},
		{in: " ec2-user@h ", user: "ec2-user", addr: "h:22"},
		{in: "", err: "no bastion given"},
		{in: "bastion.example.com", err: "no user name"},
		{in: "@bastion.example.com", err: "no user name"},
		{in: "ec2-user@", err: "no host"},
		{in: "ec2-user@h:0", err: "not a port number"},
		{in: "ec2-user@h:ssh", err: "not a port number"},
		{in: "ec2-user@h:70000", err: "not a port number"},
		{in: "ec2-user@:22", err: "not a host"},
	} {
		user, addr, err := world.ParseBastion(tc.in)
		if tc.err != "" {
			if err == nil || !strings.Contains(err.Error(), tc.err) || !strings.Contains(err.Error(), "--bastion") {
				t.Errorf("ParseBastion(%q) err = %v, want %q with usage", tc.in, err, tc.err)
			}
			continue
		}
		if err != nil || user != tc.user || addr != tc.addr {
			t.Errorf("ParseBastion(%q) = %q, %q, %v; want %q, %q", tc.in, user, addr, err, tc.user, tc.addr)
		}
	}
}

// Settings are remembered per environment (profile, region, endpoint): another
// environment's are never applied, and the world says which remembered values it used.
func TestRememberedSettingsAreKeyedByEnvironment(t *testing.T) {
	isolate(t)
	path, err := world.RememberedPath()
	if err != nil {
		t.Fatal(err)
	}
	if want := filepath.Join(os.Getenv("XDG_CONFIG_HOME"), "rotation-tutor", "aws.json"); path != want {
		t.Errorf("path = %s, want %s", path, want)
	}
	if _, ok, err := world.RememberedFor(path, "", testRegion, ""); ok || err != nil {
		t.Fatalf("nothing stored yet: ok %v, %v", ok, err)
	}
	prod := world.AWSOptions{Profile: "prod", Region: testRegion, Bastion: "ec2-user@203.0.113.10", DBHost: "prod-db.internal", DBPort: 3306}
	lab := world.AWSOptions{Profile: "lab", Region: testRegion, Bastion: "ec2-user@198.51.100.7", DBHost: "lab-db.internal"}
	for _, o := range []world.AWSOptions{prod, lab} {
		if err := world.RememberTo(path, o); err != nil {
			t.Fatal(err)
		}
	}
	st, err := os.Stat(path)
	if err != nil || st.Mode().Perm() != 0o600 {
		t.Fatalf("stat %s: %v; want 0600", path, err)
	}
	got, ok, err := world.RememberedFor(path, "lab", testRegion, "")
	if err != nil || !ok || got.DBHost != "lab-db.internal" || got.Bastion != lab.Bastion {
		t.Errorf("lab: %+v, %v, %v", got, ok, err)
	}
	if _, ok, _ := world.RememberedFor(path, "lab", "us-west-2", ""); ok {
		t.Error("another region got the lab's settings")
	}
	if _, ok, _ := world.RememberedFor(path, "lab", testRegion, "http://127.0.0.1:1"); ok {
		t.Error("another endpoint got the lab's settings")
	}
	// Storing the lab again replaces its entry and keeps prod's.
	lab.DBHost = "lab-db2.internal"
	if err := world.RememberTo(path, lab); err != nil {
		t.Fatal(err)
	}
	if got, _, _ := world.RememberedFor(path, "prod", testRegion, ""); got.DBHost != "prod-db.internal" {
		t.Errorf("prod after the lab changed: %+v", got)
	}
	if err := os.WriteFile(path, []byte("{not json"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, _, err := world.RememberedFor(path, "", testRegion, ""); err == nil || !strings.Contains(err.Error(), "delete the file") {
		t.Errorf("corrupt file: err = %v", err)
	}
}
