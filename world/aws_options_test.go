package world_test

import (
	"os"
	"path/filepath"
	"reflect"
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

func TestRemember(t *testing.T) {
	isolate(t)
	got, err := world.LoadRemembered()
	if err != nil || !reflect.DeepEqual(got, world.AWSOptions{}) {
		t.Fatalf("LoadRemembered with nothing stored = %+v, %v", got, err)
	}
	o := world.AWSOptions{
		Profile: "tutorial", Region: testRegion, Bastion: "ec2-user@203.0.113.10", KeyFile: "~/.ssh/tutorial.pem",
		DBInstance: "secretsmanagertutorial", SecretName: "SecretsManagerTutorialAppuser", DBPort: 3306,
		OnUnknownHost: nil,
	}
	if err := world.Remember(o); err != nil {
		t.Fatalf("Remember: %v", err)
	}
	path, _ := world.RememberedPath()
	if want := filepath.Join(os.Getenv("XDG_CONFIG_HOME"), "rotation-tutor", "aws.json"); path != want {
		t.Errorf("path = %s, want %s", path, want)
	}
	st, err := os.Stat(path)
	if err != nil || st.Mode().Perm() != 0o600 {
		t.Fatalf("stat %s: %v, mode %v; want 0600", path, err, st.Mode())
	}
	got, err = world.LoadRemembered()
	if err != nil || !reflect.DeepEqual(got, o) {
		t.Errorf("LoadRemembered = %+v, %v; want %+v", got, err, o)
	}
	entries, _ := os.ReadDir(filepath.Dir(path))
	if len(entries) != 1 {
		t.Errorf("config dir holds %d files, want only aws.json (no temp files left)", len(entries))
	}

	// Flags given on this run win; the rest comes from what was remembered.
	merged := world.AWSOptions{Region: "us-west-2", DBHost: "db.internal"}.Merge(got)
	if merged.Region != "us-west-2" || merged.DBHost != "db.internal" || merged.Bastion != o.Bastion || merged.Profile != "tutorial" {
		t.Errorf("Merge = %+v", merged)
	}

	if err := os.WriteFile(path, []byte("{not json"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := world.LoadRemembered(); err == nil || !strings.Contains(err.Error(), "delete the file") {
		t.Errorf("corrupt file: err = %v", err)
	}
}
