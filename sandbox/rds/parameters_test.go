package rds_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"os"
	"os/exec"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsrds "github.com/aws/aws-sdk-go-v2/service/rds"
	rdstypes "github.com/aws/aws-sdk-go-v2/service/rds/types"
	"github.com/aws/smithy-go"

	"rotation-tutor/sandbox/rds"
)

// withGroup is the tutorial's instance with a custom parameter group whose
// require_secure_transport is held in on.
func withGroup(on *atomic.Bool) rds.Instance {
	in := tutorialInstance()
	in.ParameterGroup = &rds.ParameterGroup{Name: "secretsmanagertutorial-mysql80",
		SetRequireSecureTransport: func(v bool) error { on.Store(v); return nil }}
	return in
}

// The instance names its parameter group, as RDS does, and ModifyDBParameterGroup through the
// SDK sets require_secure_transport in it, at once; a default group, an unknown one, another
// parameter, a value that is not 0 or 1 and a change waiting for a reboot are refused with
// RDS's fault codes.
func TestModifyParameterGroup(t *testing.T) {
	var on atomic.Bool
	on.Store(true)
	client, _ := serve(t, withGroup(&on))
	ctx := context.Background()
	out, err := client.DescribeDBInstances(ctx, &awsrds.DescribeDBInstancesInput{DBInstanceIdentifier: aws.String("secretsmanagertutorial")})
	if err != nil {
		t.Fatal(err)
	}
	if g := out.DBInstances[0].DBParameterGroups; len(g) != 1 || aws.ToString(g[0].DBParameterGroupName) != "secretsmanagertutorial-mysql80" ||
		aws.ToString(g[0].ParameterApplyStatus) != "in-sync" {
		t.Fatalf("DBParameterGroups = %+v", g)
	}
	modify := func(group, name, value string, apply rdstypes.ApplyMethod) error {
		_, err := client.ModifyDBParameterGroup(ctx, &awsrds.ModifyDBParameterGroupInput{DBParameterGroupName: aws.String(group),
			Parameters: []rdstypes.Parameter{{ParameterName: aws.String(name), ParameterValue: aws.String(value), ApplyMethod: apply}}})
		return err
	}
	if err := modify("secretsmanagertutorial-mysql80", "require_secure_transport", "0", rdstypes.ApplyMethodImmediate); err != nil || on.Load() {
		t.Fatalf("set to 0: %v; require_secure_transport is still %v", err, on.Load())
	}
	if err := modify("secretsmanagertutorial-mysql80", "require_secure_transport", "ON", rdstypes.ApplyMethodImmediate); err != nil || !on.Load() {
		t.Fatalf("set to ON: %v; require_secure_transport is %v", err, on.Load())
	}
	for _, tc := range []struct {
		group, name, value string
		apply              rdstypes.ApplyMethod
		code               string
	}{
		{"default.mysql8.0", "require_secure_transport", "0", rdstypes.ApplyMethodImmediate, "InvalidParameterValue"},
		{"other-group", "require_secure_transport", "0", rdstypes.ApplyMethodImmediate, "DBParameterGroupNotFound"},
		{"secretsmanagertutorial-mysql80", "max_connections", "10", rdstypes.ApplyMethodImmediate, "InvalidParameterValue"},
		{"secretsmanagertutorial-mysql80", "require_secure_transport", "maybe", rdstypes.ApplyMethodImmediate, "InvalidParameterValue"},
		{"secretsmanagertutorial-mysql80", "require_secure_transport", "0", rdstypes.ApplyMethodPendingReboot, "InvalidParameterCombination"},
	} {
		var ae smithy.APIError
		if err := modify(tc.group, tc.name, tc.value, tc.apply); !errors.As(err, &ae) || ae.ErrorCode() != tc.code {
			t.Errorf("%s %s=%s %s: %v, want %s", tc.group, tc.name, tc.value, tc.apply, err, tc.code)
		}
	}
	if !on.Load() {
		t.Error("a refused change changed the parameter")
	}
}

// The command the doctor prints to let plain text in, run with Debian's aws CLI as printed.
func TestModifyParameterGroupWithTheCLI(t *testing.T) {
	if _, err := os.Stat(awsCLI); err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("%s is required in CI (apt-get install awscli): %v", awsCLI, err)
		}
		t.Skipf("%s not installed", awsCLI)
	}
	var on atomic.Bool
	on.Store(true)
	_, base := serve(t, withGroup(&on))
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, awsCLI, "rds", "modify-db-parameter-group", "--endpoint-url", base, "--output", "json",
		"--db-parameter-group-name", "secretsmanagertutorial-mysql80",
		"--parameters", "ParameterName=require_secure_transport,ParameterValue=0,ApplyMethod=immediate")
	cmd.Env = append(os.Environ(), "AWS_ACCESS_KEY_ID=AKIDSANDBOX", "AWS_SECRET_ACCESS_KEY=sandbox-secret",
		"AWS_DEFAULT_REGION=eu-west-1", "AWS_CONFIG_FILE=/dev/null", "AWS_SHARED_CREDENTIALS_FILE=/dev/null", "AWS_PAGER=")
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	if err := cmd.Run(); err != nil {
		t.Fatalf("aws rds modify-db-parameter-group: %v\n%s", err, errb.String())
	}
	var got struct{ DBParameterGroupName string }
	if err := json.Unmarshal(out.Bytes(), &got); err != nil || got.DBParameterGroupName != "secretsmanagertutorial-mysql80" || on.Load() {
		t.Fatalf("the CLI printed %s (%v); require_secure_transport is %v", out.String(), err, on.Load())
	}
}
