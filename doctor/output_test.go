package doctor_test

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"rotation-tutor/doctor"
)

func sampleReport() doctor.Report {
	return doctor.Report{OK: false, Checks: []doctor.Check{
		{Hop: doctor.HopAWS, Name: "credentials and region", OK: true, Took: 12300 * time.Microsecond, Detail: "region eu-west-1"},
		{Hop: doctor.HopBastion, Name: "TCP reachable", Took: 3 * time.Second, Detail: "connection refused", Fix: "check the port"},
		{Hop: doctor.HopBastion, Name: "host key", Skipped: true, Detail: "skipped: the bastion is not reachable"},
	}}
}

func TestJSONShape(t *testing.T) {
	b, err := sampleReport().JSON()
	if err != nil {
		t.Fatal(err)
	}
	var got struct {
		OK     bool             `json:"ok"`
		Checks []map[string]any `json:"checks"`
	}
	if err := json.Unmarshal(b, &got); err != nil {
		t.Fatalf("%s: %v", b, err)
	}
	if got.OK || len(got.Checks) != 3 {
		t.Fatalf("got %s", b)
	}
	for _, k := range []string{"hop", "name", "ok", "ms", "detail", "fix"} {
		if _, ok := got.Checks[0][k]; !ok {
			t.Errorf("check lacks %q: %s", k, b)
		}
	}
	if ms := got.Checks[0]["ms"].(float64); ms != 12.3 {
		t.Errorf("ms = %v, want 12.3", ms)
	}
	if _, ok := got.Checks[0]["skipped"]; ok {
		t.Errorf("skipped present on a check that ran: %s", b)
	}
	if got.Checks[2]["skipped"] != true {
		t.Errorf("skipped check not marked: %s", b)
	}
}

func TestTextTable(t *testing.T) {
	var plain, colored strings.Builder
	r := sampleReport()
	r.Text(&plain, false)
	r.Text(&colored, true)
	out := plain.String()
	if strings.Contains(out, "\x1b[") {
		t.Errorf("plain output has ANSI escapes:\n%s", out)
	}
	if !strings.Contains(colored.String(), "\x1b[31m✗") {
		t.Errorf("colored output does not paint the failure red:\n%q", colored.String())
	}
	lines := strings.Split(strings.TrimRight(out, "\n"), "\n")
	want := []string{
		"✓ aws      credentials and region    12 ms  region eu-west-1",
		"✗ bastion  TCP reachable           3000 ms  connection refused",
		"                                            fix: check the port",
		"– bastion  host key                         skipped: the bastion is not reachable",
		"1 passed, 1 failed, 1 skipped: first failure at bastion (TCP reachable)",
	}
	if len(lines) != len(want) {
		t.Fatalf("got %d lines:\n%s", len(lines), out)
	}
	for i := range want {
		if lines[i] != want[i] {
			t.Errorf("line %d:\n got %q\nwant %q", i, lines[i], want[i])
		}
	}
}
