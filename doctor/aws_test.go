package doctor_test

import (
	"context"
	"io"
	"net"
	"strings"
	"sync"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	sm "github.com/aws/aws-sdk-go-v2/service/secretsmanager"

	"rotation-tutor/doctor"
	"rotation-tutor/rotation"
)

// firstFailure asserts the report failed and its first failed check is hop/name.
func firstFailure(t *testing.T, r doctor.Report, hop, name string) doctor.Check {
	t.Helper()
	if r.OK || r.ExitCode() != 1 {
		t.Fatalf("report OK=%v exit=%d, want a failure", r.OK, r.ExitCode())
	}
	f := r.Failed()[0]
	if f.Hop != hop || f.Name != name {
		t.Fatalf("first failure %s/%s (%s), want %s/%s", f.Hop, f.Name, f.Detail, hop, name)
	}
	if f.Fix == "" {
		t.Errorf("failure %s/%s has no fix", hop, name)
	}
	return f
}

func TestMissingMasterARN(t *testing.T) {
	w := newAWSWorld(t)
	v := w.appValue("db.internal", 3306)
	delete(v, "masterarn")
	w.createApp(t, v)

	r := doctor.Run(context.Background(), w.target(t, closedAddr(t)), nil)
	f := firstFailure(t, r, doctor.HopSecrets, "app secret")
	if !strings.Contains(f.Detail, `"masterarn"`) {
		t.Errorf("detail %q does not name masterarn", f.Detail)
	}
	if !strings.Contains(f.Fix, "put-secret-value") || !strings.Contains(f.Fix, w.adminARN) {
		t.Errorf("fix %q does not show how to add masterarn with the admin ARN", f.Fix)
	}
	// The admin secret is still checked, from the ARN given instead.
	if c := find(t, r, doctor.HopSecrets, "admin secret"); !c.OK {
		t.Errorf("admin secret check: %+v", c)
	}
}

func TestSingleUserNeedsNoMasterARN(t *testing.T) {
	w := newAWSWorld(t)
	v := w.appValue("db.internal", 3306)
	delete(v, "masterarn")
	w.createApp(t, v)
	tgt := w.target(t, closedAddr(t))
	tgt.Strategy = rotation.SingleUser
	r := doctor.Run(context.Background(), tgt, nil)
	if c := find(t, r, doctor.HopSecrets, "app secret"); !c.OK {
		t.Errorf("app secret check for single-user: %+v", c)
	}
	if c := find(t, r, doctor.HopDatabase, "clone user and grants"); !c.Skipped {
		t.Errorf("clone check for single-user: %+v, want skipped", c)
	}
}

func TestSecretNotFound(t *testing.T) {
	w := newAWSWorld(t)
	r := doctor.Run(context.Background(), w.target(t, closedAddr(t)), nil)
	f := firstFailure(t, r, doctor.HopSecrets, "app secret")
	if !strings.Contains(f.Detail, "ResourceNotFoundException") {
		t.Errorf("detail %q", f.Detail)
	}
	for _, name := range []string{"rotation configured", "last rotation", "rotation function"} {
		if c := find(t, r, doctor.HopRotation, name); !c.Skipped {
			t.Errorf("%s: %+v, want skipped", name, c)
		}
	}
}

func TestSecretsManagerUnreachable(t *testing.T) {
	tgt := doctor.Target{Secrets: smClient("http://" + closedAddr(t)), Region: region, SecretID: appSecret}
	r := doctor.Run(context.Background(), tgt, nil)
	f := firstFailure(t, r, doctor.HopSecrets, "Secrets Manager reachable")
	if !strings.Contains(f.Detail, "connection refused") {
		t.Errorf("detail %q does not say the connection was refused", f.Detail)
	}
	if c := find(t, r, doctor.HopSecrets, "app secret"); !c.Skipped || !strings.Contains(c.Detail, "did not answer") {
		t.Errorf("app secret: %+v, want skipped because Secrets Manager did not answer", c)
	}
}

func TestNoRegion(t *testing.T) {
	w := newAWSWorld(t)
	client := sm.New(sm.Options{BaseEndpoint: aws.String(w.url), Credentials: w.client.Options().Credentials})
	r := doctor.Run(context.Background(), doctor.Target{Secrets: client, SecretID: appSecret}, nil)
	f := firstFailure(t, r, doctor.HopAWS, "credentials and region")
	if !strings.Contains(f.Fix, "AWS_REGION") {
		t.Errorf("fix %q does not say how to set a region", f.Fix)
	}
}

// TestRotationLeftPending leaves AWSPENDING on a version other than
// AWSCURRENT's, as a rotation that failed after createSecret does.
func TestRotationLeftPending(t *testing.T) {
	w := newAWSWorld(t)
	w.createApp(t, w.appValue("db.internal", 3306))
	pending := "b7c1e0d2-0f5e-4e8a-9a43-5c2d7e1f0a99"
	_, err := w.client.PutSecretValue(context.Background(), &sm.PutSecretValueInput{
		SecretId: aws.String(appSecret), ClientRequestToken: aws.String(pending),
		SecretString:  aws.String(mustJSON(t, w.appValue("db.internal", 3306))),
		VersionStages: []string{"AWSPENDING"},
	})
	if err != nil {
		t.Fatalf("PutSecretValue AWSPENDING: %v", err)
	}

	r := doctor.Run(context.Background(), w.target(t, closedAddr(t)), nil)
	c := find(t, r, doctor.HopRotation, "last rotation")
	if c.OK || c.Skipped {
		t.Fatalf("last rotation: %+v, want a failure", c)
	}
	if !strings.Contains(c.Detail, "AWSPENDING") || !strings.Contains(c.Detail, pending[:8]) {
		t.Errorf("detail %q does not name the pending version", c.Detail)
	}
	for _, want := range []string{"update-secret-version-stage", "--remove-from-version-id " + pending, "cancel-rotate-secret"} {
		if !strings.Contains(c.Fix, want) {
			t.Errorf("fix %q lacks %q", c.Fix, want)
		}
	}
}

// TestClosedBastionPort: nothing listens at the bastion's address. The
// doctor names the bastion's TCP hop and skips everything behind it.
func TestClosedBastionPort(t *testing.T) {
	w := newAWSWorld(t)
	w.createApp(t, w.appValue("db.internal", 3306))
	tgt := w.target(t, "db.internal:3306")
	tgt.SSH.Addr = closedAddr(t)
	tgt.SSH.User = "ec2-user"

	var streamed []doctor.Check
	r := doctor.Run(context.Background(), tgt, func(c doctor.Check) { streamed = append(streamed, c) })
	f := firstFailure(t, r, doctor.HopBastion, "TCP reachable")
	if !strings.Contains(f.Detail, "connection refused") || !strings.Contains(f.Fix, "sshd") {
		t.Errorf("check = %+v", f)
	}
	for _, name := range []string{"host key", "SSH auth", "forward to database"} {
		if c := find(t, r, doctor.HopBastion, name); !c.Skipped || !strings.Contains(c.Detail, "not reachable") && !strings.Contains(c.Detail, "not verified") && !strings.Contains(c.Detail, "no SSH session") {
			t.Errorf("%s: %+v, want skipped naming the cause", name, c)
		}
	}
	if c := find(t, r, doctor.HopDatabase, "login as app user"); !c.Skipped {
		t.Errorf("app login: %+v, want skipped", c)
	}
	if len(streamed) != len(r.Checks) {
		t.Errorf("streamed %d checks, report has %d", len(streamed), len(r.Checks))
	}
}

// TestBastionThatDoesNotSpeakSSH: something accepts TCP at the bastion's address, but says
// nothing (traffic dropped in between: a security group, a network ACL) or speaks another
// protocol (the database's port given for the bastion's). The doctor stops at the TCP hop,
// with the fix for each; an SSH server's greeting after other lines still counts.
func TestBastionThatDoesNotSpeakSSH(t *testing.T) {
	w := newAWSWorld(t)
	w.createApp(t, w.appValue("db.internal", 3306))
	for _, tc := range []struct {
		name, says, detail, fix string
	}{
		{"silent", "", "sent nothing", "security group"},
		{"another protocol", "HTTP/1.0 400 Bad Request\r\n", `answered "HTTP/1.0 400 Bad Request"`, "did not speak SSH"},
		{"greeting after other lines", "welcome\r\nSSH-2.0-Test_1\r\n", "", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tgt := w.target(t, "db.internal:3306")
			tgt.SSH.Addr = answering(t, tc.says)
			tgt.SSH.User = "ec2-user"
			r := doctor.Run(context.Background(), tgt, nil)
			c := find(t, r, doctor.HopBastion, "TCP reachable")
			if tc.detail == "" {
				if !c.OK || !strings.Contains(c.Detail, "answers as SSH-2.0-Test_1") {
					t.Errorf("check = %+v, want it passed, naming the greeting", c)
				}
				return
			}
			if c.OK || !strings.Contains(c.Detail, tc.detail) || !strings.Contains(c.Fix, tc.fix) {
				t.Errorf("check = %+v, want %q and a fix saying %q", c, tc.detail, tc.fix)
			}
			if hk := find(t, r, doctor.HopBastion, "host key"); !hk.Skipped {
				t.Errorf("host key: %+v, want skipped", hk)
			}
		})
	}
}

// answering listens on loopback and, to each connection, sends says and then nothing more
// until the test ends.
func answering(t *testing.T, says string) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	var conns []net.Conn
	t.Cleanup(func() {
		ln.Close()
		mu.Lock()
		defer mu.Unlock()
		for _, c := range conns {
			c.Close()
		}
	})
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			mu.Lock()
			conns = append(conns, c)
			mu.Unlock()
			_, _ = io.WriteString(c, says)
		}
	}()
	return ln.Addr().String()
}
