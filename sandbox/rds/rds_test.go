package rds_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/xml"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	"github.com/aws/aws-sdk-go-v2/credentials"
	awsrds "github.com/aws/aws-sdk-go-v2/service/rds"
	"github.com/aws/aws-sdk-go-v2/service/rds/types"
	"github.com/aws/smithy-go"

	"rotation-tutor/sandbox/rds"
)

const adminARN = "arn:aws:secretsmanager:eu-west-1:000000000000:secret:rds!db-1234-AbCdEf"

func tutorialInstance() rds.Instance {
	return rds.Instance{
		Identifier:      "secretsmanagertutorial",
		Address:         "secretsmanagertutorial.sandbox.internal",
		Port:            3306,
		Engine:          "mysql",
		EngineVersion:   "8.0.40",
		MasterUsername:  "admin",
		MasterSecretARN: adminARN,
		Region:          "eu-west-1",
		AccountID:       "000000000000",
	}
}

// serve starts the handler on a real loopback socket and returns an SDK
// client pointed at it, as the real-AWS world builds one with --endpoint-url.
func serve(t *testing.T, in rds.Instance, more ...rds.Instance) (*awsrds.Client, string) {
	t.Helper()
	h := rds.NewHandler(in, func(id string) (string, bool) {
		return "sandbox-secret", id == "AKIDSANDBOX"
	})
	for _, m := range more {
		h.Add(m)
	}
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	cfg := aws.Config{
		Region:      "eu-west-1",
		Credentials: credentials.NewStaticCredentialsProvider("AKIDSANDBOX", "sandbox-secret", ""),
	}
	return awsrds.NewFromConfig(cfg, func(o *awsrds.Options) { o.BaseEndpoint = aws.String(srv.URL) }), srv.URL
}

func TestDescribeWithSDK(t *testing.T) {
	client, _ := serve(t, tutorialInstance())
	ctx := context.Background()
	wantARN := "arn:aws:rds:eu-west-1:000000000000:db:secretsmanagertutorial"

	for _, tc := range []struct {
		name string
		in   *awsrds.DescribeDBInstancesInput
	}{
		{"all", &awsrds.DescribeDBInstancesInput{}},
		{"by identifier", &awsrds.DescribeDBInstancesInput{DBInstanceIdentifier: aws.String("secretsmanagertutorial")}},
		{"by ARN", &awsrds.DescribeDBInstancesInput{DBInstanceIdentifier: aws.String(wantARN)}},
		{"by filter", &awsrds.DescribeDBInstancesInput{Filters: []types.Filter{
			{Name: aws.String("db-instance-id"), Values: []string{"other", "secretsmanagertutorial"}},
			{Name: aws.String("engine"), Values: []string{"mysql"}},
		}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			out, err := client.DescribeDBInstances(ctx, tc.in)
			if err != nil {
				t.Fatalf("DescribeDBInstances: %v", err)
			}
			if len(out.DBInstances) != 1 {
				t.Fatalf("got %d instances, want 1", len(out.DBInstances))
			}
			db := out.DBInstances[0]
			check := map[string][2]string{
				"DBInstanceIdentifier":   {aws.ToString(db.DBInstanceIdentifier), "secretsmanagertutorial"},
				"Endpoint.Address":       {aws.ToString(db.Endpoint.Address), "secretsmanagertutorial.sandbox.internal"},
				"Engine":                 {aws.ToString(db.Engine), "mysql"},
				"EngineVersion":          {aws.ToString(db.EngineVersion), "8.0.40"},
				"MasterUsername":         {aws.ToString(db.MasterUsername), "admin"},
				"DBInstanceStatus":       {aws.ToString(db.DBInstanceStatus), "available"},
				"DBInstanceArn":          {aws.ToString(db.DBInstanceArn), wantARN},
				"MasterUserSecret.Arn":   {aws.ToString(db.MasterUserSecret.SecretArn), adminARN},
				"MasterUserSecret.State": {aws.ToString(db.MasterUserSecret.SecretStatus), "active"},
			}
			for field, got := range check {
				if got[0] != got[1] {
					t.Errorf("%s = %q, want %q", field, got[0], got[1])
				}
			}
			if port := aws.ToInt32(db.Endpoint.Port); port != 3306 {
				t.Errorf("Endpoint.Port = %d, want 3306", port)
			}
			if !strings.HasPrefix(aws.ToString(db.MasterUserSecret.KmsKeyId), "arn:aws:kms:eu-west-1:000000000000:key/") {
				t.Errorf("MasterUserSecret.KmsKeyId = %q, want a KMS key ARN", aws.ToString(db.MasterUserSecret.KmsKeyId))
			}
			if db.InstanceCreateTime == nil {
				t.Error("InstanceCreateTime missing")
			}
		})
	}
}

func TestNotFoundWithSDK(t *testing.T) {
	client, _ := serve(t, tutorialInstance())
	_, err := client.DescribeDBInstances(context.Background(),
		&awsrds.DescribeDBInstancesInput{DBInstanceIdentifier: aws.String("nosuchdb")})
	var nf *types.DBInstanceNotFoundFault
	if !errors.As(err, &nf) {
		t.Fatalf("err = %v (%T), want DBInstanceNotFoundFault", err, err)
	}
	if got := nf.ErrorMessage(); got != "DBInstance nosuchdb not found." {
		t.Errorf("message = %q", got)
	}
}

func TestFilterWithoutMatchIsEmptyNotAnError(t *testing.T) {
	client, _ := serve(t, tutorialInstance())
	out, err := client.DescribeDBInstances(context.Background(), &awsrds.DescribeDBInstancesInput{
		Filters: []types.Filter{{Name: aws.String("engine"), Values: []string{"postgres"}}},
	})
	if err != nil {
		t.Fatalf("DescribeDBInstances: %v", err)
	}
	if len(out.DBInstances) != 0 {
		t.Fatalf("got %d instances, want none", len(out.DBInstances))
	}
}

func TestBadRequestsWithSDK(t *testing.T) {
	client, _ := serve(t, tutorialInstance())
	for _, tc := range []struct {
		name, code string
		in         *awsrds.DescribeDBInstancesInput
	}{
		{"unknown filter", "InvalidParameterValue", &awsrds.DescribeDBInstancesInput{
			Filters: []types.Filter{{Name: aws.String("colour"), Values: []string{"blue"}}}}},
		{"MaxRecords too small", "InvalidParameterValue", &awsrds.DescribeDBInstancesInput{MaxRecords: aws.Int32(5)}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := client.DescribeDBInstances(context.Background(), tc.in)
			var api smithy.APIError
			if !errors.As(err, &api) || api.ErrorCode() != tc.code {
				t.Fatalf("err = %v, want %s", err, tc.code)
			}
		})
	}
}

func TestNoManagedSecret(t *testing.T) {
	in := tutorialInstance()
	in.MasterSecretARN = ""
	client, _ := serve(t, in)
	out, err := client.DescribeDBInstances(context.Background(), &awsrds.DescribeDBInstancesInput{})
	if err != nil {
		t.Fatalf("DescribeDBInstances: %v", err)
	}
	if out.DBInstances[0].MasterUserSecret != nil {
		t.Errorf("MasterUserSecret = %+v, want none", out.DBInstances[0].MasterUserSecret)
	}
}

// TestRawProtocol pins the wire details the SDK does not exercise: unsigned
// requests, other actions and versions, and the XML error shape.
func TestRawProtocol(t *testing.T) {
	_, base := serve(t, tutorialInstance())
	for _, tc := range []struct {
		name   string
		form   url.Values
		signed bool
		status int
		code   string
	}{
		{"unsigned", url.Values{"Action": {"DescribeDBInstances"}, "Version": {"2014-10-31"}}, false, 403, "MissingAuthenticationToken"},
		{"other action", url.Values{"Action": {"CreateDBInstance"}, "Version": {"2014-10-31"}}, true, 400, "InvalidAction"},
		{"delete without an instance", url.Values{"Action": {"DeleteDBInstance"}, "Version": {"2014-10-31"}}, true, 400, "MissingParameter"},
		{"no action", url.Values{"Version": {"2014-10-31"}}, true, 400, "MissingAction"},
		{"old version", url.Values{"Action": {"DescribeDBInstances"}, "Version": {"2013-09-09"}}, true, 400, "NoSuchVersion"},
		{"no version", url.Values{"Action": {"DescribeDBInstances"}}, true, 400, "MissingParameter"},
		{"not found", url.Values{"Action": {"DescribeDBInstances"}, "Version": {"2014-10-31"}, "DBInstanceIdentifier": {"x"}}, true, 404, "DBInstanceNotFound"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			req, err := http.NewRequest(http.MethodPost, base, strings.NewReader(tc.form.Encode()))
			if err != nil {
				t.Fatal(err)
			}
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			if tc.signed {
				sum := sha256.Sum256([]byte(tc.form.Encode()))
				creds := aws.Credentials{AccessKeyID: "AKIDSANDBOX", SecretAccessKey: "sandbox-secret"}
				if err := v4.NewSigner().SignHTTP(context.Background(), creds, req, hex.EncodeToString(sum[:]), "rds", "eu-west-1", time.Now()); err != nil {
					t.Fatal(err)
				}
			}
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			body, _ := io.ReadAll(resp.Body)
			if resp.StatusCode != tc.status {
				t.Errorf("status = %d, want %d", resp.StatusCode, tc.status)
			}
			var e struct {
				Error struct {
					Type, Code, Message string
				}
				RequestID string `xml:"RequestId"`
			}
			if err := xml.Unmarshal(body, &e); err != nil {
				t.Fatalf("decode %s: %v", body, err)
			}
			if e.Error.Code != tc.code || e.Error.Type != "Sender" || e.Error.Message == "" || e.RequestID == "" {
				t.Errorf("error = %+v, want code %s from Sender with a message and request id", e, tc.code)
			}
			if resp.Header.Get("x-amzn-RequestId") != e.RequestID {
				t.Errorf("header request id %q != body %q", resp.Header.Get("x-amzn-RequestId"), e.RequestID)
			}
		})
	}
}

// classicInstance is the older tutorial's instance: no managed secret, and
// deletable; deleted counts its deletions.
func classicInstance(deleted *int) rds.Instance {
	return rds.Instance{
		Identifier: "MyTestDatabaseInstance", Address: "mytestdatabaseinstance.sandbox.internal", Port: 3306,
		MasterUsername: "adminuser", Region: "eu-west-1", AccountID: "000000000000",
		Delete: func(context.Context) error { *deleted++; return nil },
	}
}

// Two instances answer side by side; deleting one (by any case of its name) answers it as
// deleting, runs its Delete once, and then only the other is described.
func TestDeleteWithSDK(t *testing.T) {
	deleted := 0
	client, _ := serve(t, tutorialInstance(), classicInstance(&deleted))
	ctx := context.Background()
	out, err := client.DescribeDBInstances(ctx, &awsrds.DescribeDBInstancesInput{})
	if err != nil || len(out.DBInstances) != 2 {
		t.Fatalf("both instances: %+v %v", out, err)
	}
	if c := out.DBInstances[1]; aws.ToString(c.DBInstanceIdentifier) != "mytestdatabaseinstance" || c.MasterUserSecret != nil ||
		aws.ToBool(c.DeletionProtection) || !aws.ToBool(out.DBInstances[0].DeletionProtection) {
		t.Fatalf("the classic instance as described: %+v (and the first's deletion protection %v)", c, out.DBInstances[0].DeletionProtection)
	}

	_, err = client.DeleteDBInstance(ctx, &awsrds.DeleteDBInstanceInput{DBInstanceIdentifier: aws.String("MyTestDatabaseInstance")})
	var api smithy.APIError
	if !errors.As(err, &api) || api.ErrorCode() != "InvalidParameterCombination" || deleted != 0 {
		t.Fatalf("a delete without SkipFinalSnapshot: %v (deleted %d)", err, deleted)
	}
	_, err = client.DeleteDBInstance(ctx, &awsrds.DeleteDBInstanceInput{DBInstanceIdentifier: aws.String("secretsmanagertutorial"), SkipFinalSnapshot: aws.Bool(true)})
	if !errors.As(err, &api) || api.ErrorCode() != "InvalidParameterCombination" || !strings.Contains(api.ErrorMessage(), "deletion protection") {
		t.Fatalf("deleting the protected instance: %v", err)
	}

	del, err := client.DeleteDBInstance(ctx, &awsrds.DeleteDBInstanceInput{DBInstanceIdentifier: aws.String("MYTESTDATABASEINSTANCE"), SkipFinalSnapshot: aws.Bool(true)})
	if err != nil || aws.ToString(del.DBInstance.DBInstanceStatus) != "deleting" || deleted != 1 {
		t.Fatalf("delete: %+v %v (deleted %d)", del, err, deleted)
	}
	_, err = client.DescribeDBInstances(ctx, &awsrds.DescribeDBInstancesInput{DBInstanceIdentifier: aws.String("mytestdatabaseinstance")})
	var nf *types.DBInstanceNotFoundFault
	if !errors.As(err, &nf) {
		t.Fatalf("after the delete: %v, want DBInstanceNotFound", err)
	}
	if out, err := client.DescribeDBInstances(ctx, &awsrds.DescribeDBInstancesInput{}); err != nil || len(out.DBInstances) != 1 {
		t.Fatalf("the other instance stays: %+v %v", out, err)
	}
	if _, err := client.DeleteDBInstance(ctx, &awsrds.DeleteDBInstanceInput{DBInstanceIdentifier: aws.String("mytestdatabaseinstance"), SkipFinalSnapshot: aws.Bool(true)}); !errors.As(err, &nf) || deleted != 1 {
		t.Fatalf("deleting it again: %v (deleted %d)", err, deleted)
	}
}

// While an instance's Delete runs, DescribeDBInstances reports it deleting; a Delete that
// fails leaves it available.
func TestDeletingThenGoneOrBack(t *testing.T) {
	inDelete, release := make(chan struct{}), make(chan error)
	in := classicInstance(new(int))
	in.Delete = func(context.Context) error { close(inDelete); return <-release }
	client, _ := serve(t, tutorialInstance(), in)
	ctx := context.Background()
	done := make(chan error, 1)
	go func() {
		// One attempt: the SDK would retry the 500 a failed Delete answers.
		_, err := client.DeleteDBInstance(ctx, &awsrds.DeleteDBInstanceInput{DBInstanceIdentifier: aws.String("mytestdatabaseinstance"), SkipFinalSnapshot: aws.Bool(true)},
			func(o *awsrds.Options) { o.Retryer = aws.NopRetryer{} })
		done <- err
	}()
	<-inDelete
	out, err := client.DescribeDBInstances(ctx, &awsrds.DescribeDBInstancesInput{DBInstanceIdentifier: aws.String("mytestdatabaseinstance")})
	if err != nil || aws.ToString(out.DBInstances[0].DBInstanceStatus) != "deleting" {
		t.Fatalf("during the delete: %+v %v", out, err)
	}
	release <- errors.New("disk on fire")
	if err := <-done; err == nil || !strings.Contains(err.Error(), "disk on fire") {
		t.Fatalf("a failed delete answered %v", err)
	}
	out, err = client.DescribeDBInstances(ctx, &awsrds.DescribeDBInstancesInput{DBInstanceIdentifier: aws.String("mytestdatabaseinstance")})
	if err != nil || aws.ToString(out.DBInstances[0].DBInstanceStatus) != "available" {
		t.Fatalf("after a failed delete: %+v %v", out, err)
	}
}

// An instance's own status shows until its deletion begins: the sandbox's older-tutorial
// instance reports starting while its database starts beside the sandbox.
func TestDescribeReportsTheInstancesStatus(t *testing.T) {
	status := "starting"
	in := classicInstance(new(int))
	in.Status = func() string { return status }
	client, _ := serve(t, tutorialInstance(), in)
	ctx := context.Background()
	for _, want := range []string{"starting", "available"} {
		status = want
		out, err := client.DescribeDBInstances(ctx, &awsrds.DescribeDBInstancesInput{DBInstanceIdentifier: aws.String("mytestdatabaseinstance")})
		if err != nil || aws.ToString(out.DBInstances[0].DBInstanceStatus) != want {
			t.Fatalf("described %+v, %v; want %s", out, err, want)
		}
	}
}
