package steps

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/rds"
	rdstypes "github.com/aws/aws-sdk-go-v2/service/rds/types"
)

// The tutorial's DB instance as RDS describes it: whether to wait for it before logging
// in, and whether the clean-up has deleted it.

// instanceDeleter is the RDS call the clean-up makes; *rds.Client has it.
type instanceDeleter interface {
	DeleteDBInstance(ctx context.Context, in *rds.DeleteDBInstanceInput, optFns ...func(*rds.Options)) (*rds.DeleteDBInstanceOutput, error)
}

// instanceStatus is the tutorial's DB instance as RDS describes it now: its status, or
// "gone". "" when RDS cannot be asked here.
func instanceStatus(ctx context.Context, env *Env) (string, error) {
	if env.RDS == nil || env.DBInstance == "" {
		return "", nil
	}
	out, err := env.RDS.DescribeDBInstances(ctx, &rds.DescribeDBInstancesInput{DBInstanceIdentifier: aws.String(env.DBInstance)})
	var nf *rdstypes.DBInstanceNotFoundFault
	switch {
	case errors.As(err, &nf):
		return "gone", nil
	case err != nil:
		return "", fail("describe the DB instance "+env.DBInstance, err)
	case len(out.DBInstances) == 0:
		return "gone", nil
	}
	return aws.ToString(out.DBInstances[0].DBInstanceStatus), nil
}

// availableWithin bounds the wait for an instance that RDS says is on its way up.
const availableWithin = 3 * time.Minute

// awaitAvailable waits while RDS says the database is on its way up (starting, creating,
// rebooting…), as `aws rds wait db-instance-available` would: the sandbox starts the older
// tutorial's instance beside itself, and a real instance may be rebooting. RDS that cannot
// be asked, or an instance that is gone or failed, is left to the login to report.
func awaitAvailable(ctx context.Context, env *Env) error {
	ctx, cancel := context.WithTimeout(ctx, availableWithin)
	defer cancel()
	for delay := 50 * time.Millisecond; ; delay = min(2*delay, 2*time.Second) {
		status, err := instanceStatus(ctx, env)
		switch {
		case err != nil && ctx.Err() != nil:
			return fail("wait for the DB instance "+env.DBInstance+" to be available", ctx.Err())
		case err != nil, !waitFor(status):
			return nil
		}
		t := time.NewTimer(delay)
		select {
		case <-ctx.Done():
			t.Stop()
			return fail("wait for the DB instance "+env.DBInstance+" to be available", fmt.Errorf("it is still %s: %w", status, ctx.Err()))
		case <-t.C:
		}
	}
}

// waitFor says whether an instance in this status will be available by itself soon.
func waitFor(status string) bool {
	switch status {
	case "starting", "creating", "rebooting", "modifying", "backing-up", "resetting-master-credentials", "configuring-enhanced-monitoring":
		return true
	}
	return false
}
