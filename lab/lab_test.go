package lab_test

import (
	"context"
	"encoding/json"
	"os/exec"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	sm "github.com/aws/aws-sdk-go-v2/service/secretsmanager"
	smtypes "github.com/aws/aws-sdk-go-v2/service/secretsmanager/types"
	"github.com/aws/smithy-go"

	"rotation-tutor/dbclient"
	"rotation-tutor/doctor"
	"rotation-tutor/internal/testenv"
	"rotation-tutor/lab"
	"rotation-tutor/rotation"
	"rotation-tutor/sandbox"
	"rotation-tutor/sandbox/account"
	"rotation-tutor/steps"
	"rotation-tutor/world"
)

const appSecret = "SecretsManagerTutorialAppuser"

// tutorial is a sandbox where the walkthrough has run to its end: appuser and its secret,
// rotation configured with the alternating-users function, rotated once (so the clone exists).
type tutorial struct {
	dir string
	sb  *sandbox.Sandbox
	in  sandbox.Info
	w   *lab.World
}

func newTutorial(t *testing.T) *tutorial {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	dir := t.TempDir()
	sb, err := sandbox.Start(ctx, sandbox.Options{StateDir: dir, ConnectTimeout: 200 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { sb.Close() })
	in := sb.Info()
	w := lab.NewWorld(dir, in, appSecret)
	t.Cleanup(w.Close)
	db, done, err := w.Admin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if err := dbclient.CreateUser(ctx, db, "appuser", "App-pass-0-xyz"); err != nil {
		t.Fatal(err)
	}
	if err := dbclient.GrantSelect(ctx, db, in.Database.Name, "appuser"); err != nil {
		t.Fatal(err)
	}
	done()
	value, _ := json.Marshal(map[string]any{"engine": "mysql", "host": in.Database.Host, "port": in.Database.Port,
		"username": "appuser", "password": "App-pass-0-xyz", "dbname": in.Database.Name, "masterarn": in.Database.AdminSecretARN})
	if _, err := w.Secrets.CreateSecret(ctx, &sm.CreateSecretInput{Name: aws.String(appSecret), SecretString: aws.String(string(value))}); err != nil {
		t.Fatal(err)
	}
	tu := &tutorial{dir: dir, sb: sb, in: in, w: w}
	if err := tu.rotate(ctx, in.RotationFunctionARN); err != nil {
		t.Fatalf("the first rotation: %v", err)
	}
	return tu
}

// rotate rotates the app secret and says whether the rotation succeeded.
func (tu *tutorial) rotate(ctx context.Context, fn string) error {
	in := &sm.RotateSecretInput{SecretId: aws.String(appSecret)}
	if fn != "" {
		in.RotationLambdaARN = aws.String(fn)
		in.RotationRules = &smRules
	}
	out, err := tu.w.Secrets.RotateSecret(ctx, in)
	if err != nil {
		return err
	}
	if err := tu.sb.WaitRotations(ctx); err != nil {
		return err
	}
	for _, r := range tu.sb.Rotations() {
		return &rotationFailed{r.LastError}
	}
	d, err := tu.w.Secrets.DescribeSecret(ctx, &sm.DescribeSecretInput{SecretId: aws.String(appSecret)})
	if err != nil {
		return err
	}
	for _, s := range d.VersionIdsToStages[aws.ToString(out.VersionId)] {
		if s == rotation.StageCurrent {
			return nil
		}
	}
	return &rotationFailed{"the new version is not AWSCURRENT"}
}

var smRules = smRotationRules()

type rotationFailed struct{ why string }

func (e *rotationFailed) Error() string { return "rotation failed: " + e.why }

// diagnose runs the doctor on the sandbox as `rotation-tutor doctor` does: attached to it.
func (tu *tutorial) diagnose(t *testing.T, adjust ...func(*doctor.Target)) doctor.Report {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	wld := world.Sandbox(world.SandboxOptions{StateDir: tu.dir, Attach: true})
	defer wld.Close()
	env, err := wld.Start(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	target := steps.DoctorTarget(env, rotation.AlternatingUsers)
	target.SecretID = appSecret
	target.Timeout = 3 * time.Second
	for _, f := range adjust {
		f(&target)
	}
	return doctor.Run(ctx, target, nil)
}

// diagnosed is the doctor's report and its text.
func (tu *tutorial) diagnosed(t *testing.T, adjust ...func(*doctor.Target)) (doctor.Report, string) {
	t.Helper()
	rep := tu.diagnose(t, adjust...)
	return rep, reportText(rep)
}

// reportText is a report as `rotation-tutor doctor` prints it.
func reportText(rep doctor.Report) string {
	var b strings.Builder
	rep.Text(&b, false)
	return b.String()
}

// commands are the commands a fix quotes, in order.
var quoted = regexp.MustCompile("`([^`]+)`")

// apply runs a fix's command the way a learner would paste it: in a new shell that has only
// run the sandbox's setup line, with Debian's aws CLI. It reports whether it ran one.
func (tu *tutorial) apply(t *testing.T, fix string, skip int) bool {
	t.Helper()
	var cmds []string
	for _, m := range quoted.FindAllStringSubmatch(fix, -1) {
		c := m[1]
		if strings.HasPrefix(c, "aws logs") || !(strings.HasPrefix(c, "aws ") || strings.HasPrefix(c, "ssh-keygen") || strings.HasPrefix(c, "ssh-keyscan")) {
			continue
		}
		cmds = append(cmds, c)
	}
	if skip >= len(cmds) {
		return false
	}
	testenv.RequireTool(t, "/usr/bin/aws")
	cmd := exec.Command("env", "-i", "PATH=/usr/bin:/bin", "HOME="+t.TempDir(), "AWS_PAGER=", "bash", "-c", tu.in.Commands.AWSEnv+"\n"+cmds[skip])
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("the fix's command failed: %v\n%s\n%s", err, cmds[skip], out)
	}
	return true
}

// TestEveryScenario breaks a walked-through sandbox each way; the doctor's first failure must
// be at the scenario's hop, name its AWS heading, and carry a fix that, applied as printed
// (Debian's aws CLI for an aws command; the lab's own repair for a change on the bastion or
// in the database, which no aws command makes), makes the doctor pass and a rotation succeed.
func TestEveryScenario(t *testing.T) {
	for _, s := range lab.All() {
		t.Run(s.Name, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
			defer cancel()
			tu := newTutorial(t)
			if err := lab.Break(ctx, tu.w, s); err != nil {
				t.Fatal(err)
			}
			rep := tu.diagnose(t)
			failed := rep.Failed()
			if len(failed) == 0 {
				t.Fatalf("the doctor found nothing after %s", s.Name)
			}
			first := failed[0]
			if first.Hop != s.Hop || first.Name != s.Check {
				t.Fatalf("first failure at %s/%s, want %s/%s:\n%s", first.Hop, first.Name, s.Hop, s.Check, reportText(rep))
			}
			if s.Hop != doctor.HopBastion && (first.Heading == "" || first.Heading != s.Heading && s.Hop == doctor.HopFunction) {
				t.Errorf("the finding names no (or another) AWS heading than %q: %+v", s.Heading, first)
			}
			var js struct {
				Checks []struct {
					OK, Skipped bool
					Heading     string
				}
			}
			if b, err := rep.JSON(); err != nil || json.Unmarshal(b, &js) != nil {
				t.Fatalf("doctor --json: %v", err)
			}
			for _, c := range js.Checks {
				if !c.OK && !c.Skipped {
					if c.Heading != first.Heading {
						t.Errorf("doctor --json gives the first failure heading %q, want %q", c.Heading, first.Heading)
					}
					break
				}
			}
			t.Logf("found: %s\nfix: %s\nAWS: %s", first.Detail, first.Fix, first.Heading)

			// Follow the doctor: run its command, look again, until it passes.
			usedLab := false
			for try := 0; try < 4 && !rep.OK; try++ {
				f := rep.Failed()[0]
				ran := false
				for skip := 0; !ran; skip++ {
					if !tu.apply(t, f.Fix, skip) {
						break
					}
					if next := tu.diagnose(t); next.OK || len(next.Failed()) == 0 || next.Failed()[0].Name != f.Name || next.Failed()[0].Detail != f.Detail {
						ran = true
						rep = next
					}
				}
				if !ran {
					usedLab = true
					if err := lab.Fix(ctx, tu.w, s); err != nil {
						t.Fatal(err)
					}
					rep = tu.diagnose(t)
				}
			}
			if !rep.OK {
				t.Fatalf("after the fix the doctor still fails:\n%s", reportText(rep))
			}
			// Only a change on the bastion or in the database has no aws command to make it.
			if usedLab && s.Hop != doctor.HopBastion && s.Hop != doctor.HopDatabase {
				t.Errorf("the doctor's printed fix did not repair %s; the lab's own repair was needed", s.Name)
			}
			if err := tu.rotate(ctx, ""); err != nil {
				t.Fatalf("a rotation after the fix: %v", err)
			}
		})
	}
}

func smRotationRules() smtypes.RotationRulesType {
	return smtypes.RotationRulesType{ScheduleExpression: aws.String("rate(2 days)"), Duration: aws.String("2h")}
}

// The troubleshooting screen's F is the lab's own repair, alone: after it the doctor passes,
// whatever rotations came before the break (a finished rotation leaves AWSPENDING on the
// current version). One sandbox takes every scenario in turn, rotated before each.
func TestTheLabsRepairAloneLeavesNothingBroken(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 4*time.Minute)
	defer cancel()
	tu := newTutorial(t)
	for _, s := range lab.All() {
		if err := tu.rotate(ctx, ""); err != nil {
			t.Fatalf("before %s: %v", s.Name, err)
		}
		if err := lab.Break(ctx, tu.w, s); err != nil {
			t.Fatal(err)
		}
		if err := lab.Fix(ctx, tu.w, s); err != nil {
			t.Fatal(err)
		}
		if rep := tu.diagnose(t); !rep.OK {
			t.Fatalf("after breaking and repairing %s the doctor fails:\n%s", s.Name, reportText(rep))
		}
	}
}

// Without a Secrets Manager endpoint, a NAT gateway in the function's subnets' routes takes
// its calls to the public endpoint: the doctor reads the route tables and passes, naming the
// gateway, and the rotation goes through.
func TestANATGatewayReachesSecretsManager(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	tu := newTutorial(t)
	i := slices.IndexFunc(lab.All(), func(s lab.Scenario) bool { return s.Name == "no-secrets-manager-endpoint" })
	if err := lab.Break(ctx, tu.w, lab.All()[i]); err != nil {
		t.Fatal(err)
	}
	if err := tu.w.Account(func(a *account.Account) error { a.Network.NAT = true; return nil }); err != nil {
		t.Fatal(err)
	}
	if rep, text := tu.diagnosed(t); !rep.OK || !strings.Contains(text, "through NAT gateway nat-") {
		t.Fatalf("with a NAT gateway and no endpoint, the doctor should pass naming the gateway:\n%s", text)
	}
	if err := tu.rotate(ctx, ""); err != nil {
		t.Fatalf("a rotation through the NAT gateway: %v", err)
	}
}

// A role may hold its permissions in managed policies attached to it rather than inline: the
// doctor reads those too (their default version), and the sandbox's Secrets Manager applies
// them, so the rotation goes through.
func TestManagedPoliciesGrantTheRole(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	tu := newTutorial(t)
	const arn = "arn:aws:iam::" + sandbox.AccountID + ":policy/tutorial-rotation"
	if err := tu.w.Account(func(a *account.Account) error {
		for role, inline := range a.Roles {
			if a.Policies == nil {
				a.Policies, a.Attached = map[string]string{}, map[string][]string{}
			}
			for name, doc := range inline {
				a.Policies[arn+"-"+name] = doc
				a.Attached[role] = append(a.Attached[role], arn+"-"+name)
				delete(inline, name)
			}
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if rep, text := tu.diagnosed(t); !rep.OK || !strings.Contains(text, "(0 inline and 2 managed policies;") {
		t.Fatalf("with the role's policies managed and attached, the doctor should pass and count them:\n%s", text)
	}
	if err := tu.rotate(ctx, ""); err != nil {
		t.Fatalf("a rotation with managed policies: %v", err)
	}
	// Detached, they grant nothing: the doctor says the role may not.
	if err := tu.w.Account(func(a *account.Account) error { a.Attached = nil; return nil }); err != nil {
		t.Fatal(err)
	}
	if rep, text := tu.diagnosed(t); rep.OK || rep.Failed()[0].Name != "permissions" {
		t.Fatalf("with no policy left, the doctor should fail at the function's permissions:\n%s", text)
	}
}

// An operator allowed to read a role's inline policies but not the managed ones attached to it
// still gets a verdict: the doctor judges by the inline policies and says what it could not read.
func TestUnreadableManagedPoliciesLeaveTheInlineVerdict(t *testing.T) {
	tu := newTutorial(t)
	rep, text := tu.diagnosed(t, func(tg *doctor.Target) { tg.IAM = attachedDenied{tg.IAM} })
	if !rep.OK || !strings.Contains(text, "the attached managed policies could not be read (iam:ListAttachedRolePolicies") {
		t.Fatalf("the doctor should pass on the inline policies and say the managed ones were not read:\n%s", text)
	}
}

// attachedDenied is IAM as seen by a reader without iam:ListAttachedRolePolicies.
type attachedDenied struct{ doctor.IAMAPI }

func (attachedDenied) ListAttachedRolePolicies(context.Context, *iam.ListAttachedRolePoliciesInput, ...func(*iam.Options)) (*iam.ListAttachedRolePoliciesOutput, error) {
	return nil, &smithy.GenericAPIError{Code: "AccessDenied", Message: "not authorized to perform: iam:ListAttachedRolePolicies"}
}
