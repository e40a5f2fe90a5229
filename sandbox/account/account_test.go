package account_test

import (
	"path/filepath"
	"testing"

	"rotation-tutor/sandbox/account"
)

func setup() account.Setup {
	return account.Setup{Region: "us-east-1", AccountID: "000000000000", EndpointURL: "http://127.0.0.1:1", RoleName: "r",
		AdminSecretARN: "arn:aws:secretsmanager:us-east-1:000000000000:secret:admin-AbCdEf", FunctionNames: []string{"f"},
		FunctionARN: func(n string) string { return "arn:aws:lambda:us-east-1:000000000000:function:" + n }}
}

// The default set-up lets everything through that rotation and the learner need; taking a
// rule or the endpoint away cuts exactly that path.
func TestNetworkPaths(t *testing.T) {
	a := account.Default(setup())
	f := a.Functions["f"]
	if !a.ReachesSecretsManager(f, "us-east-1") || !a.ReachesDatabase(f, 3306) || !a.BastionReachesDatabase(3306) || !a.LearnerReachesBastion() {
		t.Fatal("the default set-up blocks a path")
	}
	if a.ReachesDatabase(f, 5432) {
		t.Error("the database's group lets in a port it has no rule for")
	}
	a.Network.Endpoints = nil
	if a.ReachesSecretsManager(f, "us-east-1") {
		t.Error("no endpoint and no NAT, yet Secrets Manager is reached")
	}
	a.Network.NAT = true
	if !a.ReachesSecretsManager(f, "us-east-1") {
		t.Error("a NAT gateway reaches the public endpoint")
	}
	a.Network.SecurityGroups[account.BastionGroup].Ingress[0].CIDRs = []string{"10.0.0.0/8"}
	if a.LearnerReachesBastion() {
		t.Error("127.0.0.1 is let in by 10.0.0.0/8")
	}
	a.Network.SecurityGroups[account.BastionGroup].Ingress[0].CIDRs = []string{"127.0.0.0/8"}
	if !a.LearnerReachesBastion() {
		t.Error("127.0.0.1 is not let in by 127.0.0.0/8")
	}
	if !f.Allows(account.SecretsManagerPrincipal, "") {
		t.Error("Secrets Manager may not invoke the default function")
	}
}

// openCounting opens a store on a new default set-up, counting its change hooks' calls.
func openCounting(t *testing.T) (*account.Store, string, *int) {
	t.Helper()
	path := filepath.Join(t.TempDir(), account.FileName)
	st, err := account.Open(path, account.Default(setup()))
	if err != nil {
		t.Fatal(err)
	}
	changed := new(int)
	st.OnChange(func() { *changed++ })
	return st, path, changed
}

// A change written to the file by another process is what the next Get returns.
func TestStoreSeesEditsFromOutside(t *testing.T) {
	st, path, changed := openCounting(t)
	if err := account.Edit(path, func(a *account.Account) error { a.Bastion.AllowTCPForwarding = false; return nil }); err != nil {
		t.Fatal(err)
	}
	if st.Get().Bastion.AllowTCPForwarding || *changed != 1 {
		t.Fatalf("the edit is not seen: forwarding %v, %d change hooks", st.Get().Bastion.AllowTCPForwarding, *changed)
	}
	// What Get returns is a copy: changing it changes nothing.
	a := st.Get()
	a.Functions["f"].Timeout = 1
	if st.Get().Functions["f"].Timeout != 30 {
		t.Fatal("a caller's copy changed the set-up")
	}
}

// Read, the copy-free look the bastion and the database take on every login, sees an edit
// from outside at once, and an Update after it does not change what it was shown.
func TestReadSeesEditsWithoutACopy(t *testing.T) {
	st, path, changed := openCounting(t)
	if err := account.Edit(path, func(a *account.Account) error { a.Database.RejectedPasswordCharacters = "@"; return nil }); err != nil {
		t.Fatal(err)
	}
	var seen *account.Account
	st.Read(func(a *account.Account) { seen = a })
	if seen.Database.RejectedPasswordCharacters != "@" || *changed != 1 {
		t.Fatalf("the edit is not seen: rejected %q, %d change hooks", seen.Database.RejectedPasswordCharacters, *changed)
	}
	if err := st.Update(func(a *account.Account) error { a.Functions["f"].Timeout = 1; return nil }); err != nil {
		t.Fatal(err)
	}
	if seen.Functions["f"].Timeout != 30 {
		t.Fatal("Update changed the set-up a Read was shown, in place")
	}
	st.Read(func(a *account.Account) { seen = a })
	if seen.Functions["f"].Timeout != 1 {
		t.Fatal("Read does not see the Update")
	}
}
