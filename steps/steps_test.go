package steps

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"

	"rotation-tutor/dbclient"
	"rotation-tutor/rotation"
)

type cannedWorld struct {
	env *Env
	err error
}

func (w cannedWorld) Start(context.Context, func(string)) (*Env, error) { return w.env, w.err }
func (w cannedWorld) Close() error                                      { return nil }

func TestAllStepsHaveWords(t *testing.T) {
	all := All()
	if len(all) != 13 || len(Visible(FlavourCurrent)) != 11 || len(Visible(FlavourClassic)) != 13 {
		t.Fatalf("%d steps, %d in the current tutorial and %d in the older one; want 13, 11 and 13", len(all), len(Visible(FlavourCurrent)), len(Visible(FlavourClassic)))
	}
	if n, total := Position(RotateTwice, FlavourClassic); n != 9 || total != 13 {
		t.Errorf("rotate-twice is %d of %d in the older tutorial", n, total)
	}
	if n, _ := Position(RotateTwice, FlavourCurrent); n != 0 {
		t.Errorf("rotate-twice is step %d of the current tutorial, which has none", n)
	}
	seen := map[ID]bool{}
	for _, st := range all {
		if seen[st.ID] {
			t.Fatalf("duplicate id %s", st.ID)
		}
		seen[st.ID] = true
	}
	for _, c := range []Choices{{rotation.AlternatingUsers, FlavourCurrent}, {rotation.SingleUser, FlavourClassic}} {
		for _, st := range all {
			if st.Title == "" || st.Action == "" || st.run == nil {
				t.Errorf("%s: missing title, action or run", st.ID)
			}
			if n := strings.Count(st.Explain(c), ". "); n < 1 || n > 4 {
				t.Errorf("%s: explanation should be two or three sentences, got %q", st.ID, st.Explain(c))
			}
		}
	}
}

func TestProgressRoundTripIsPrivateAndAtomic(t *testing.T) {
	dir := t.TempDir()
	p := Progress{Strategy: rotation.SingleUser, Flavour: FlavourClassic, Current: Validate, Done: []ID{Welcome, Connect}}
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
	if err != nil || !ok || got.Current != Validate || !got.Ran(Connect) || got.Ran(CreateUser) || got.Strategy != rotation.SingleUser {
		t.Fatalf("LoadProgress = %+v, %v, %v", got, ok, err)
	}
}

// A version-1 file (results kept per step) still gives the learner their place.
func TestProgressReadsTheOlderFile(t *testing.T) {
	dir := t.TempDir()
	v1 := `{"version":1,"strategy":"single","flavour":"classic","current":"validate","done":{"connect":{"result":{"summary":"x"}},"welcome":{}}}`
	os.WriteFile(filepath.Join(dir, progressFile), []byte(v1), 0o600)
	got, ok, err := LoadProgress(dir)
	if err != nil || !ok || got.Current != Validate || got.Strategy != rotation.SingleUser || !got.Ran(Welcome) || !got.Ran(Connect) {
		t.Fatalf("LoadProgress(v1) = %+v, %v, %v", got, ok, err)
	}
}

func TestDamagedProgressStartsOver(t *testing.T) {
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, progressFile), []byte("{not json"), 0o600)
	if _, ok, err := LoadProgress(dir); ok || err != nil {
		t.Fatalf("damaged file: ok=%v err=%v, want a fresh start", ok, err)
	}
}

// The bookmark survives a quit; a choice given when starting wins over the saved one, and
// one not given keeps it.
func TestSessionResumesAndResets(t *testing.T) {
	dir := t.TempDir()
	s, err := NewSession(cannedWorld{}, Options{StateDir: dir}, false)
	if err != nil {
		t.Fatal(err)
	}
	s.SetChoices(Choices{rotation.SingleUser, FlavourClassic})
	s.markRan(Welcome)
	s.SetCurrent(CreateUser)
	s.Close()

	again, _ := NewSession(cannedWorld{}, Options{StateDir: dir}, false)
	if p := again.Progress(); p.Current != CreateUser || again.Choices().Strategy != rotation.SingleUser || !p.Ran(Welcome) {
		t.Fatalf("resume: %+v, choices %+v", p, again.Choices())
	}
	again.Close()
	given, _ := NewSession(cannedWorld{}, Options{StateDir: dir, Strategy: rotation.AlternatingUsers}, false)
	if c := given.Choices(); c.Strategy != rotation.AlternatingUsers || c.Flavour != FlavourClassic {
		t.Fatalf("a strategy given must win and the tutorial not given stay: %+v", c)
	}
	given.Close()
	fresh, _ := NewSession(cannedWorld{}, Options{StateDir: dir}, true)
	defer fresh.Close()
	if p := fresh.Progress(); p.Current != Welcome || len(p.Done) != 0 {
		t.Fatalf("reset kept progress: %+v", p)
	}
}

// Saving runs off the caller's goroutine and never races with changes made meanwhile
// (go test -race checks the second part).
func TestProgressSavesConcurrentChanges(t *testing.T) {
	dir := t.TempDir()
	s, err := NewSession(cannedWorld{}, Options{StateDir: dir}, false)
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	for i := range 50 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			s.SetCurrent(All()[i%len(All())].ID)
			s.markRan(All()[i%len(All())].ID)
			_ = s.Progress()
		}()
	}
	wg.Wait()
	s.SetCurrent(Troubleshoot)
	s.Close() // writes what is not yet written
	got, ok, err := LoadProgress(dir)
	if err != nil || !ok || got.Current != Troubleshoot || len(got.Done) != len(All()) {
		t.Fatalf("after concurrent changes: %+v, %v, %v", got, ok, err)
	}
}

// Every command shown carries what it needs to run in a new shell: the sandbox's
// credentials (one export line, first), the endpoint, and secrets read with
// $(aws … get-secret-value …), never pasted in or masked.
func TestCommandsRunInANewShell(t *testing.T) {
	s, _ := NewSession(cannedWorld{}, Options{}, true)
	defer s.Close()
	s.useEnvLocked(&Env{Kind: KindSandbox, Region: "us-east-1", SecretsEndpoint: "http://127.0.0.1:1", DBHost: "db.internal", DBPort: 3306, DBName: "tutorial",
		ShellSetup: "export AWS_SHARED_CREDENTIALS_FILE=/s/aws-credentials AWS_PROFILE=rotation-tutor-sandbox AWS_DEFAULT_REGION=us-east-1", AdminSecretARN: "arn:aws:secretsmanager:us-east-1:000000000000:secret:rds!db-1",
		SSH:     dbclient.SSHConfig{Addr: "127.0.0.1:2222", User: "ec2-user", KeyFile: "/k", KnownHostsFile: "/kh"},
		Classic: &Database{Instance: "MyTestDatabaseInstance", Host: "classic.internal", Port: 3306, MasterPassword: func() string { return "Sup3r-m4ster" }}})
	s.setAppPassword("Sup3r-s3cret%pw")
	for _, st := range All() {
		cmds := st.Commands(s, nil)
		all := joinCommands(cmds)
		if strings.Contains(all, "Sup3r") || strings.Contains(all, masked) || strings.Contains(all, "<") {
			t.Errorf("%s: a command holds a secret, a mask or a placeholder:\n%s", st.ID, all)
		}
		for i, c := range cmds {
			if strings.Contains(c.Text, "aws ") && (c.Needs != cmds[0].Text || !strings.HasPrefix(cmds[0].Text, "export AWS_SHARED_CREDENTIALS_FILE=")) {
				t.Errorf("%s: command %d does not come after the credentials line:\n%s", st.ID, i, all)
			}
			if strings.Contains(c.Text, "aws secretsmanager") && !strings.Contains(c.Text, "--endpoint-url http://127.0.0.1:1") {
				t.Errorf("%s: sandbox command lacks --endpoint-url:\n%s", st.ID, c.Text)
			}
			if strings.Contains(c.Text, " 3306:") || strings.Contains(c.Text, "-P 3306") {
				t.Errorf("%s: the tunnel uses 3306, which a local MySQL takes:\n%s", st.ID, c.Text)
			}
		}
	}
	s.SetChoices(Choices{Strategy: rotation.AlternatingUsers, Flavour: FlavourClassic})
	for _, st := range Visible(FlavourClassic) {
		all := joinCommands(st.Commands(s, nil))
		if strings.Contains(all, "Sup3r") || strings.Contains(all, "appuser") || strings.Contains(all, "SecretsManagerTutorialAppuser") {
			t.Errorf("%s: an older-tutorial command holds the master password or the current tutorial's names:\n%s", st.ID, all)
		}
	}
	s.SetChoices(Choices{Strategy: rotation.AlternatingUsers, Flavour: FlavourCurrent})
	st, _ := ByID(Connect)
	wb := joinCommands(st.Commands(s, nil))
	for _, want := range []string{"Standard TCP/IP over SSH", "SSH Hostname", "127.0.0.1:2222", "MySQL Hostname", "db.internal", "-i /k", "13306:db.internal:3306"} {
		if !strings.Contains(wb, want) {
			t.Errorf("connect commands lack %q:\n%s", want, wb)
		}
	}
}

// answered are the aws CLI operations the sandbox answers: all of Secrets Manager's, and
// RDS's describe and delete (and the waiter that describes).
func answered(service, op string) bool {
	return service == "secretsmanager" || service == "rds" && (op == "describe-db-instances" || op == "delete-db-instance" || op == "wait")
}

// A command the sandbox cannot answer (a VPC, an EC2 instance, CloudFormation) is marked as
// shown for reference, in both tutorials, so that nobody pastes it expecting it to work here;
// one it answers is not.
func TestCommandsTheSandboxCannotAnswerAreMarked(t *testing.T) {
	s, _ := NewSession(cannedWorld{}, Options{}, true)
	defer s.Close()
	s.useEnvLocked(&Env{Kind: KindSandbox, Region: "us-east-1", SecretsEndpoint: "http://127.0.0.1:1", DBHost: "db.internal", DBPort: 3306, DBName: "tutorial",
		DBInstance: "secretsmanagertutorial", AdminSecretARN: "arn:aws:secretsmanager:us-east-1:000000000000:secret:rds!db-1-AbCdEf",
		RotationLambdaARN: "arn:aws:lambda:us-east-1:000000000000:function:tutorial-alternating-users-rotation",
		SSH:               dbclient.SSHConfig{Addr: "127.0.0.1:2222", User: "ec2-user", KeyFile: "/k", KnownHostsFile: "/kh"},
		Classic:           &Database{Instance: "MyTestDatabaseInstance", Host: "classic.internal", Port: 3306, MasterPassword: func() string { return "pw" }}})
	awsOp := regexp.MustCompile(`\baws ([a-z0-9-]+) ([a-z0-9-]+)`)
	references := 0
	for _, flavour := range []string{FlavourCurrent, FlavourClassic} {
		s.SetChoices(Choices{Strategy: rotation.AlternatingUsers, Flavour: flavour})
		for _, st := range Visible(flavour) {
			for _, c := range st.Commands(s, nil) {
				if c.Tool == "workbench" {
					continue // settings to fill in, not a command
				}
				unanswered := ""
				for _, m := range awsOp.FindAllStringSubmatch(c.Text, -1) {
					if !answered(m[1], m[2]) {
						unanswered = m[1] + " " + m[2]
					}
				}
				switch {
				case unanswered != "" && c.Reference == "":
					t.Errorf("%s (%s): `aws %s` is not answered by the sandbox, yet the command is not marked for reference:\n%s", st.ID, flavour, unanswered, c.Text)
				case unanswered == "" && c.Reference != "" && !strings.Contains(c.Text, "create-db-instance"):
					t.Errorf("%s (%s): marked for reference (%s), yet the sandbox answers it:\n%s", st.ID, flavour, c.Reference, c.Text)
				case c.Reference != "":
					references++
					if strings.Contains(c.Text, "--endpoint-url") {
						t.Errorf("%s: a command shown for AWS names the sandbox's endpoint:\n%s", st.ID, c.Text)
					}
				}
			}
		}
	}
	if references < 10 {
		t.Errorf("only %d commands are shown for reference: the prerequisites, the function and the clean-up should be", references)
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
	err := RunHeadless(context.Background(), w, HeadlessOptions{Out: &out, JSON: true, Session: Options{StateDir: t.TempDir()}})
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
	err := RunHeadless(context.Background(), w, HeadlessOptions{Out: &out, Session: Options{StateDir: t.TempDir()}})
	if err == nil || !strings.Contains(out.String(), "FAIL environment") || !strings.Contains(out.String(), "no sandbox today") {
		t.Fatalf("err = %v, out:\n%s", err, out.String())
	}
}
