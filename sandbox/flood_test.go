package sandbox_test

import (
	"bufio"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"net"
	"net/http"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	sm "github.com/aws/aws-sdk-go-v2/service/secretsmanager"

	"rotation-tutor/dbclient"
	"rotation-tutor/sandbox"
	"rotation-tutor/sandbox/lambda"
)

// A process that runs out of descriptors (here: the sandbox's own process opens files until
// none is left) must not lose its servers: their accept loops wait and retry, as net/http's
// does. Connections made meanwhile wait in the kernel's backlog and are served once
// descriptors are free again, and every server (endpoint, bastion, and the database behind
// it) serves new clients as before.
func TestDescriptorExhaustionEveryServerServesAgain(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	c := startChild(t, t.TempDir(), "512:512")
	in := c.Info
	client, closeIdle := lambda.NewSecretsClient(in.Region, in.SecretsManagerEndpoint, in.AccessKey())
	defer closeIdle()

	password := adminPassword(t, ctx, in)

	c.send("exhaust")
	c.waitFor("EXHAUSTED")
	// Clients that come while the process has no descriptor to accept them with.
	read := make(chan error, 1)
	go func() {
		_, err := client.GetSecretValue(ctx, &sm.GetSecretValueInput{SecretId: aws.String(in.Database.AdminSecretARN)})
		read <- err
	}()
	login := make(chan error, 1)
	go func() { login <- adminQueryAs(ctx, in, password) }()
	// Both accept loops meet the shortage (each logs it) and must come through it.
	c.waitForAll("accept on "+bastionAddr(in)+": accept tcp "+bastionAddr(in)+": accept4: too many open files",
		"accept on "+strings.TrimPrefix(in.SecretsManagerEndpoint, "http://")+": accept tcp")
	c.send("release")
	c.waitFor("RELEASED")

	if err := <-read; err != nil {
		t.Errorf("the request made while descriptors ran out: %v", err)
	}
	if err := <-login; err != nil {
		t.Errorf("the login through the bastion made while descriptors ran out: %v", err)
	}
	if _, err := client.ListSecrets(ctx, &sm.ListSecretsInput{}); err != nil {
		t.Errorf("endpoint afterwards: %v", err)
	}
	if err := adminQuery(t, ctx, in); err != nil {
		t.Errorf("bastion and database afterwards: %v", err)
	}
}

// A flood of silent connections to both servers, more than the process has descriptors,
// costs the flooder its oldest connections, not everyone else their turn: while the flood
// holds its connections open, a new client is served by the endpoint and logs in through
// the bastion to the database.
func TestIdleFloodAtTheDescriptorLimit(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	const limit, flood = 512, 300 // 600 connections: more than the sandbox has descriptors, fewer than a test process may have
	c := startChild(t, t.TempDir(), strconv.Itoa(limit)+":"+strconv.Itoa(limit))
	in := c.Info
	for _, addr := range []string{strings.TrimPrefix(in.SecretsManagerEndpoint, "http://"), bastionAddr(in)} {
		for range flood {
			conn, err := net.Dial("tcp", addr)
			if err != nil {
				t.Fatalf("flood %s: %v", addr, err)
			}
			defer conn.Close()
		}
	}
	client, closeIdle := lambda.NewSecretsClient(in.Region, in.SecretsManagerEndpoint, in.AccessKey())
	defer closeIdle()
	if _, err := client.GetSecretValue(ctx, &sm.GetSecretValueInput{SecretId: aws.String(in.Database.AdminSecretARN)}); err != nil {
		t.Errorf("endpoint during the flood: %v", err)
	}
	if err := adminQuery(t, ctx, in); err != nil {
		t.Errorf("bastion and database during the flood: %v", err)
	}
	held := openDescriptors(t, c.cmd.Process.Pid)
	t.Logf("%d connections flooded at the descriptor limit %d: the sandbox holds %d descriptors and serves", 2*flood, limit, held)
	if held >= limit {
		t.Errorf("the sandbox holds %d descriptors, all of its %d", held, limit)
	}
}

// Go raises the soft descriptor limit to the hard one when a program starts (its syscall
// package does). A sandbox started with a soft limit of 256 and a hard one of 4096 serves
// 400 connections at once, each open to the end.
func TestSoftDescriptorLimitIsRaised(t *testing.T) {
	const conns = 400
	c := startChild(t, t.TempDir(), "256:4096")
	in := c.Info
	addr := strings.TrimPrefix(in.SecretsManagerEndpoint, "http://")
	open := make([]net.Conn, 0, conns)
	for range conns {
		conn, err := net.Dial("tcp", addr)
		if err != nil {
			t.Fatal(err)
		}
		defer conn.Close()
		open = append(open, conn)
	}
	for i, conn := range open {
		req := signedRequest(t, in, "ListSecrets", "{}")
		if err := req.Write(conn); err != nil {
			t.Fatalf("connection %d: %v", i, err)
		}
		resp, err := http.ReadResponse(bufio.NewReader(conn), req)
		if err != nil {
			t.Fatalf("connection %d of %d: %v", i, conns, err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("connection %d: %s", i, resp.Status)
		}
	}
}

// signedRequest is a request to the endpoint signed with the sandbox's key, as the SDK signs.
func signedRequest(t *testing.T, in sandbox.Info, op, body string) *http.Request {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, in.SecretsManagerEndpoint+"/", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-amz-json-1.1")
	req.Header.Set("X-Amz-Target", "secretsmanager."+op)
	sum := sha256.Sum256([]byte(body))
	creds := aws.Credentials{AccessKeyID: in.AccessKeyID, SecretAccessKey: in.SecretAccessKey}
	if err := v4.NewSigner().SignHTTP(context.Background(), creds, req, hex.EncodeToString(sum[:]),
		"secretsmanager", in.Region, time.Now()); err != nil {
		t.Fatal(err)
	}
	return req
}

// adminPassword reads the admin's password from its secret.
func adminPassword(t *testing.T, ctx context.Context, in sandbox.Info) string {
	t.Helper()
	client, closeIdle := lambda.NewSecretsClient(in.Region, in.SecretsManagerEndpoint, in.AccessKey())
	defer closeIdle()
	_, pw := adminCreds(t, ctx, client, in.Database.AdminSecretARN)
	return pw
}

// adminQuery logs in as the admin through the bastion, as the tutorial does, and runs a query.
func adminQuery(t *testing.T, ctx context.Context, in sandbox.Info) error {
	return adminQueryAs(ctx, in, adminPassword(t, ctx, in))
}

func adminQueryAs(ctx context.Context, in sandbox.Info, pw string) error {
	tun, err := dbclient.OpenTunnel(ctx, dbclient.SSHConfig{Addr: bastionAddr(in), User: in.Bastion.User,
		KeyFile: in.Bastion.PrivateKeyFile, KnownHostsFile: in.Bastion.KnownHostsFile, Timeout: time.Minute})
	if err != nil {
		return err
	}
	defer tun.Close()
	db, err := dbclient.Open(ctx, tun.DialContext, dbclient.Target{Host: in.Database.Host, Port: in.Database.Port,
		User: sandbox.AdminUser, Password: pw, Database: in.Database.Name})
	if err != nil {
		return err
	}
	defer db.Close()
	var n int
	return db.QueryRowContext(ctx, "SELECT COUNT(*) FROM items").Scan(&n)
}

func bastionAddr(in sandbox.Info) string {
	return net.JoinHostPort(in.Bastion.Host, strconv.Itoa(in.Bastion.Port))
}

// openDescriptors counts the descriptors process pid holds (Linux).
func openDescriptors(t *testing.T, pid int) int {
	t.Helper()
	entries, err := os.ReadDir("/proc/" + strconv.Itoa(pid) + "/fd")
	if err != nil {
		t.Skipf("cannot count descriptors: %v", err)
	}
	return len(entries)
}
