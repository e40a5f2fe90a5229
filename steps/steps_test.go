package steps

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"rotation-tutor/dbclient"
)

type cannedWorld struct {
	env *Env
	err error
}

func (w cannedWorld) Start(context.Context, func(string)) (*Env, error) { return w.env, w.err }
func (w cannedWorld) Close() error                                      { return nil }

func TestAllStepsHaveWords(t *testing.T) {
	all := All()
	if len(all) != 11 {
		t.Fatalf("%d steps, want the eleven screens", len(all))
	}
	seen := map[ID]bool{}
	for _, o := range []Options{{}, {Strategy: StrategySingle, Flavour: FlavourClassic}} {
		o = o.withDefaults()
		for _, st := range all {
			if seen[st.ID] && o.Strategy == StrategyAlternating {
				t.Fatalf("duplicate id %s", st.ID)
			}
			seen[st.ID] = true
			if st.Title == "" || st.Action == "" || st.run == nil {
				t.Errorf("%s: missing title, action or run", st.ID)
			}
			if n := strings.Count(st.Explain(o), ". "); n < 1 || n > 4 {
				t.Errorf("%s: explanation should be two or three sentences, got %q", st.ID, st.Explain(o))
			}
		}
	}
}

func TestProgressRoundTripIsPrivateAndAtomic(t *testing.T) {
	dir := t.TempDir()
	p := newProgress(Options{}.withDefaults())
	p.Current = Validate
	p.Done[Connect] = StepRecord{Result: Result{Summary: "logged in", Facts: []Fact{{"Host key", "SHA256:x"}}}}
	if err := SaveProgress(dir, p); err != nil {
		t.Fatal(err)
	}
	fi, err := os.Stat(filepath.Join(dir, progressFile))
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Perm() != 0o600 {
		t.Fatalf("progress file mode %v, want 0600", fi.Mode().Perm())
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 1 {
		t.Fatalf("temp files left behind: %v", entries)
	}
	got, ok, err := LoadProgress(dir)
	if err != nil || !ok || got.Current != Validate || got.Done[Connect].Result.Summary != "logged in" {
		t.Fatalf("LoadProgress = %+v, %v, %v", got, ok, err)
	}
}

func TestDamagedProgressStartsOver(t *testing.T) {
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, progressFile), []byte("{not json"), 0o600)
	if _, ok, err := LoadProgress(dir); ok || err != nil {
		t.Fatalf("damaged file: ok=%v err=%v, want a fresh start", ok, err)
	}
}

func TestSessionResumesAndResets(t *testing.T) {
	dir := t.TempDir()
	s, err := NewSession(cannedWorld{}, Options{StateDir: dir}, false)
	if err != nil {
		t.Fatal(err)
	}
	s.SetChoices(StrategySingle, FlavourClassic)
	s.MarkDone(Welcome, Result{Summary: "chosen"})
	s.SetCurrent(CreateUser)

	again, _ := NewSession(cannedWorld{}, Options{StateDir: dir}, false)
	if p := again.Progress(); p.Current != CreateUser || again.Options().Strategy != StrategySingle {
		t.Fatalf("resume: current %s, options %+v", p.Current, again.Options())
	}
	if _, ok := again.Record(Welcome); !ok {
		t.Fatal("a done step lost its result")
	}
	fresh, _ := NewSession(cannedWorld{}, Options{StateDir: dir}, true)
	if p := fresh.Progress(); p.Current != Welcome || len(p.Done) != 0 {
		t.Fatalf("reset kept progress: %+v", p)
	}
}

func TestCommandsMaskSecretsUnlessRevealed(t *testing.T) {
	s, _ := NewSession(cannedWorld{}, Options{}, true)
	s.env = &Env{Kind: KindSandbox, Region: "us-east-1", SecretsEndpoint: "http://127.0.0.1:1", DBHost: "db.internal", DBPort: 3306, DBName: "tutorial",
		SecretName: DefaultSecretName, AdminSecretARN: "arn:admin", SSH: dbclient.SSHConfig{Addr: "127.0.0.1:2222", User: "ec2-user", KeyFile: "/k"}}
	s.setAppPassword("Sup3r-s3cret%pw")
	for _, id := range []ID{CreateUser, StoreSecret} {
		st, _ := ByID(id)
		hidden := joinCommands(st.Commands(s, false))
		if strings.Contains(hidden, "Sup3r") || !strings.Contains(hidden, masked) {
			t.Errorf("%s: masked commands show the password:\n%s", id, hidden)
		}
		if shown := joinCommands(st.Commands(s, true)); !strings.Contains(shown, "Sup3r-s3cret%pw") {
			t.Errorf("%s: revealed commands hide the password:\n%s", id, shown)
		}
		if !strings.Contains(hidden, "--endpoint-url http://127.0.0.1:1") {
			t.Errorf("%s: sandbox commands lack --endpoint-url:\n%s", id, hidden)
		}
	}
	st, _ := ByID(Connect)
	wb := joinCommands(st.Commands(s, false))
	for _, want := range []string{"Standard TCP/IP over SSH", "SSH Hostname", "127.0.0.1:2222", "MySQL Hostname", "db.internal", "ssh -i /k"} {
		if !strings.Contains(wb, want) {
			t.Errorf("connect commands lack %q:\n%s", want, wb)
		}
	}
}

func joinCommands(cs []Command) string {
	var b strings.Builder
	for _, c := range cs {
		b.WriteString(c.Text + "\n")
	}
	return b.String()
}

func TestExplainUsesTypedErrors(t *testing.T) {
	dbe := &dbclient.Error{Hop: dbclient.HopBastionAuth, What: "the bastion refused the key", Fix: "add the public key to authorized_keys", Err: errors.New("ssh: unable to authenticate")}
	p := Explain(&Failure{Step: Connect, Action: "open the SSH tunnel through b:22", Err: dbe})
	if p.What != "Open the SSH tunnel through b:22" || p.Why != dbe.What || p.Fix != dbe.Fix {
		t.Fatalf("Explain = %+v", p)
	}
	p = Explain(&Failure{Action: "do a thing", Fix: "do it again", Err: errors.New("plain")})
	if p.Why != "plain" || p.Fix != "do it again" {
		t.Fatalf("Explain(plain) = %+v", p)
	}
}

func TestHeadlessRefusesRealAccountWithoutYes(t *testing.T) {
	var out bytes.Buffer
	w := cannedWorld{env: &Env{Kind: KindAWS, Region: "eu-west-1"}}
	err := RunHeadless(context.Background(), w, HeadlessOptions{Out: &out, JSON: true, StateDir: t.TempDir()})
	if !errors.Is(err, ErrNeedYes) {
		t.Fatalf("err = %v, want ErrNeedYes", err)
	}
	for _, line := range strings.Split(strings.TrimSpace(out.String()), "\n") {
		var l headlessLine
		if err := json.Unmarshal([]byte(line), &l); err != nil || !l.OK {
			t.Fatalf("line %q: %v", line, err)
		}
	}
}

func TestHeadlessReportsAFailedStep(t *testing.T) {
	var out bytes.Buffer
	w := cannedWorld{err: errors.New("no sandbox today")}
	err := RunHeadless(context.Background(), w, HeadlessOptions{Out: &out, StateDir: t.TempDir()})
	if err == nil || !strings.Contains(out.String(), "FAIL environment") || !strings.Contains(out.String(), "no sandbox today") {
		t.Fatalf("err = %v, out:\n%s", err, out.String())
	}
}
