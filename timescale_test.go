package main

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	sm "github.com/aws/aws-sdk-go-v2/service/secretsmanager"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager/types"

	"rotation-tutor/dbclient"
	"rotation-tutor/sandbox"
	"rotation-tutor/sandbox/lambda"
	"rotation-tutor/sandbox/lambda/lambdatest"
)

// scheduledLine is the sandbox's log line for a rotation its schedule ran.
var scheduledLine = regexp.MustCompile(`scheduled rotation of (\S+) \(version (\S+)\) started (\S+), inside its window (\S+) to (\S+), and finished (\S+)`)

// With `sandbox --json --time-scale 86400`, a secret on rate(1 days) with a
// 2-hour window rotates by itself within real seconds: the only RotateSecret
// is the one that turns rotation on without rotating (RotateImmediately
// false), and the rotation starts inside the window, at midnight UTC on the
// next day of the sandbox's clock. The test waits for the sandbox's own log
// line, then reads the dates back with the SDK and with Debian's aws CLI,
// which see the same clock.
func TestSandboxFastClockRotatesOnSchedule(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	outR, outW := io.Pipe()
	errR, errW := io.Pipe()
	done := make(chan int, 1)
	go func() {
		code := run(ctx, []string{"sandbox", "--json", "--time-scale", "86400", "--state", t.TempDir()}, outW, errW)
		outW.Close()
		errW.Close()
		done <- code
	}()
	t.Cleanup(func() {
		cancel()
		if code := <-done; code != exitOK {
			t.Errorf("sandbox exited %d", code)
		}
	})
	logs := make(chan string, 64)
	go func() {
		sc := bufio.NewScanner(errR)
		for sc.Scan() {
			select {
			case logs <- sc.Text():
			default:
			}
		}
	}()
	var in sandbox.Info
	if err := json.NewDecoder(outR).Decode(&in); err != nil {
		t.Fatalf("decoding sandbox --json: %v", err)
	}
	go io.Copy(io.Discard, outR) //nolint:errcheck // drain
	if in.TimeScale != 86400 {
		t.Fatalf("time_scale %v", in.TimeScale)
	}

	client, closeIdle := lambda.NewSecretsClient(in.Region, in.SecretsManagerEndpoint, in.AccessKey())
	defer closeIdle()
	arn := appSecretThroughTheBastion(t, ctx, client, in)
	test, err := client.RotateSecret(ctx, &sm.RotateSecretInput{SecretId: aws.String(arn), RotationLambdaARN: aws.String(in.RotationFunctionARN),
		RotateImmediately: aws.Bool(false), RotationRules: &types.RotationRulesType{ScheduleExpression: aws.String("rate(1 days)"), Duration: aws.String("2h")}})
	if err != nil {
		t.Fatalf("RotateSecret (turn rotation on, not now): %v", err)
	}
	configured := time.Now()

	var m []string
	deadline := time.After(2 * time.Minute)
	for m == nil {
		select {
		case line := <-logs:
			if got := scheduledLine.FindStringSubmatch(line); got != nil && got[1] == arn {
				m = got
			}
		case <-deadline:
			t.Fatal("no scheduled rotation within two real minutes")
		}
	}
	t.Logf("rotated by its schedule %v after RotateSecret (real time)", time.Since(configured).Round(time.Millisecond))
	at := func(s string) time.Time {
		v, err := time.Parse(time.RFC3339, s)
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	version, started, open, close, finished := m[2], at(m[3]), at(m[4]), at(m[5]), at(m[6])
	if version == aws.ToString(test.VersionId) {
		t.Fatal("the version rotated is the one RotateSecret made for its test")
	}
	if open.Hour() != 0 || open.Minute() != 0 || close.Sub(open) != 2*time.Hour || started.Before(open) || !started.Before(close) {
		t.Fatalf("started %v outside its window %v – %v (rate(1 days) opens at midnight UTC, Duration 2h)", started, open, close)
	}

	d, err := client.DescribeSecret(ctx, &sm.DescribeSecretInput{SecretId: aws.String(arn)})
	if err != nil {
		t.Fatal(err)
	}
	// The clock runs on: by now another rotation may have run, a day later.
	if !d.LastRotatedDate.After(started) {
		t.Fatalf("LastRotatedDate %v, the rotation ran %v – %v", d.LastRotatedDate, started, finished)
	}
	if stages := fmt.Sprint(d.VersionIdsToStages[version]); !strings.Contains(stages, "AWSCURRENT") && !strings.Contains(stages, "AWSPREVIOUS") {
		t.Fatalf("version %s is %v", version, stages)
	}
	// The next one is a day of the sandbox's clock on, or later if the clock ran past it meanwhile.
	if next := *d.NextRotationDate; next.Before(open.Add(24 * time.Hour)) {
		t.Fatalf("NextRotationDate %v, before the next day's window", next)
	}

	// The learner's own aws CLI reads the same clock's dates.
	if _, err := os.Stat("/usr/bin/aws"); err != nil {
		t.Log("no /usr/bin/aws: the CLI's view is not checked")
		return
	}
	// The version's CreatedDate is when the schedule started the rotation (more may
	// have run meanwhile: the version is looked up whatever its labels now).
	cmd := exec.CommandContext(ctx, "/usr/bin/aws", "secretsmanager", "list-secret-version-ids", "--secret-id", arn, "--include-deprecated",
		"--query", "Versions[?VersionId=='"+version+"'].CreatedDate", "--output", "text",
		"--endpoint-url", in.SecretsManagerEndpoint, "--region", in.Region)
	cmd.Env = append(os.Environ(), "AWS_ACCESS_KEY_ID="+in.AccessKeyID, "AWS_SECRET_ACCESS_KEY="+in.SecretAccessKey,
		"AWS_CONFIG_FILE=/dev/null", "AWS_SHARED_CREDENTIALS_FILE=/dev/null", "AWS_PAGER=")
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("aws list-secret-version-ids: %v\n%s", err, out)
	}
	created, err := time.Parse(time.RFC3339Nano, strings.TrimSpace(string(out)))
	if err != nil {
		t.Fatalf("the CLI's CreatedDate %q: %v", out, err)
	}
	if created.Sub(started).Abs() >= time.Second { // the wire carries milliseconds
		t.Fatalf("the CLI says version %s was made %v; the sandbox started its rotation %v", version, created, started)
	}
}

// appSecretThroughTheBastion makes appuser in the sandbox's database through
// its bastion, and the secret for it, as the tutorial's first steps do.
func appSecretThroughTheBastion(t *testing.T, ctx context.Context, client *sm.Client, in sandbox.Info) string {
	t.Helper()
	admin, err := client.GetSecretValue(ctx, &sm.GetSecretValueInput{SecretId: aws.String(in.Database.AdminSecretARN)})
	if err != nil {
		t.Fatal(err)
	}
	var creds struct{ Username, Password string }
	if err := json.Unmarshal([]byte(aws.ToString(admin.SecretString)), &creds); err != nil {
		t.Fatal(err)
	}
	tun, err := dbclient.OpenTunnel(ctx, dbclient.SSHConfig{
		Addr: net.JoinHostPort(in.Bastion.Host, strconv.Itoa(in.Bastion.Port)), User: in.Bastion.User,
		KeyFile: in.Bastion.PrivateKeyFile, KnownHostsFile: in.Bastion.KnownHostsFile, Timeout: 10 * time.Second,
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { tun.Close() })
	db, err := dbclient.Open(ctx, tun.DialContext, dbclient.Target{Host: in.Database.Host, Port: in.Database.Port,
		User: creds.Username, Password: creds.Password, Database: in.Database.Name})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	password := lambdatest.RandomPassword(t)
	if err := dbclient.CreateUser(ctx, db, "appuser", password); err != nil {
		t.Fatal(err)
	}
	if err := dbclient.GrantSelect(ctx, db, in.Database.Name, "appuser"); err != nil {
		t.Fatal(err)
	}
	value, _ := json.Marshal(map[string]any{"engine": "mysql", "host": in.Database.Host, "port": in.Database.Port, "username": "appuser",
		"password": password, "dbname": in.Database.Name, "masterarn": in.Database.AdminSecretARN})
	out, err := client.CreateSecret(ctx, &sm.CreateSecretInput{Name: aws.String("SecretsManagerTutorialAppuser"), SecretString: aws.String(string(value))})
	if err != nil {
		t.Fatal(err)
	}
	return aws.ToString(out.ARN)
}
