package rotation_test

import (
	"context"
	"fmt"
	"net"
	"strconv"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/rds"
	rdstypes "github.com/aws/aws-sdk-go-v2/service/rds/types"

	"rotation-tutor/dbclient"
	"rotation-tutor/rotation"
	"rotation-tutor/sandbox/lambda"
	"rotation-tutor/sandbox/lambda/lambdatest"
)

// An RDS-managed admin secret holds only username and password: the
// function finds its database through the secret's tag and RDS's
// DescribeDBInstances (the sandbox's, over a real socket), as AWS's
// template does, and not from the app secret's host.
func TestRDSManagedAdminSecretIsFoundThroughRDS(t *testing.T) {
	var detail string
	w := lambdatest.New(t, lambdatest.Options{Observe: func(ev rotation.StepEvent) {
		if ev.Done && ev.Step == rotation.StepSet {
			detail = ev.Detail
		}
	}})
	arn := w.AppSecret(t, appSecret, "appuser", lambdatest.RandomPassword(t))
	if r := w.Rotate(t, arn, lambda.AlternatingARN(lambdatest.Region)); r.Err != nil {
		t.Fatal(r.Err)
	}
	want := "DescribeDBInstances found secretsmanagertutorial at " + lambdatest.DBHost + ":3306"
	if !strings.Contains(detail, want) {
		t.Fatalf("setSecret detail %q, want %q", detail, want)
	}

	// An app secret naming another host (one that reaches the same server)
	// is refused: the admin's database is RDS's answer, not the app's host.
	const alias = "alias.sandbox.internal"
	cur, _, _ := w.Value(t, arn, rotation.StageCurrent)
	aliasARN, err := w.Service.Seed("alias", "", strings.Replace(mustJSON(t, cur), lambdatest.DBHost, alias, 1), nil)
	if err != nil {
		t.Fatal(err)
	}
	fn := w.Function(rotation.AlternatingUsers)
	fn.Dial = lambda.VPCDialer(map[string]dbclient.DialFunc{
		net.JoinHostPort(lambdatest.DBHost, "3306"): w.DBRoute,
		net.JoinHostPort(alias, "3306"):             w.DBRoute,
	})
	err = fn.RotateLocally(context.Background(), aliasARN)
	if err == nil || !strings.Contains(err.Error(), "Current database host "+alias+" is not the same host as/rds replica of master "+lambdatest.DBHost) {
		t.Fatalf("another host: %v", err)
	}

	// Without an RDS client the function cannot find the database, and says so.
	fn = w.Function(rotation.AlternatingUsers)
	fn.RDS = nil
	if err := fn.RotateLocally(context.Background(), arn); err == nil || !strings.Contains(err.Error(), "no RDS client") {
		t.Fatalf("no RDS client: %v", err)
	}
}

// A secret of username and password without RDS's tag is not RDS-managed:
// like the template, the function then finds no host in it.
func TestAdminSecretWithoutHost(t *testing.T) {
	w := newWorld(t)
	admin := fmt.Sprintf(`{"username":%q,"password":%q}`, w.AdminUser, w.AdminPassword)
	adminARN, err := w.Service.Seed("handmade-admin", "", admin, nil)
	if err != nil {
		t.Fatal(err)
	}
	arn := w.AppSecret(t, appSecret, "appuser", lambdatest.RandomPassword(t))
	cur, _, _ := w.Value(t, arn, rotation.StageCurrent)
	other, err := w.Service.Seed("app2", "", strings.Replace(mustJSON(t, cur), w.AdminARN, adminARN, 1), nil)
	if err != nil {
		t.Fatal(err)
	}
	err = w.Function(rotation.AlternatingUsers).RotateLocally(context.Background(), other)
	if err == nil || !strings.Contains(err.Error(), "host key is missing from secret JSON") {
		t.Fatalf("err = %v", err)
	}
}

// fakeRDS answers DescribeDBInstances and DescribeDBClusters from maps: the
// seam below which RDS is stood in for, for the Aurora and read-replica
// shapes the sandbox does not model.
type fakeRDS struct {
	instances map[string]rdstypes.DBInstance // by identifier or ARN
	clusters  map[string]rdstypes.DBCluster
}

func (f fakeRDS) DescribeDBInstances(_ context.Context, in *rds.DescribeDBInstancesInput, _ ...func(*rds.Options)) (*rds.DescribeDBInstancesOutput, error) {
	db, ok := f.instances[aws.ToString(in.DBInstanceIdentifier)]
	if !ok {
		return nil, &rdstypes.DBInstanceNotFoundFault{Message: aws.String("DBInstance not found")}
	}
	return &rds.DescribeDBInstancesOutput{DBInstances: []rdstypes.DBInstance{db}}, nil
}

func (f fakeRDS) DescribeDBClusters(_ context.Context, in *rds.DescribeDBClustersInput, _ ...func(*rds.Options)) (*rds.DescribeDBClustersOutput, error) {
	c, ok := f.clusters[aws.ToString(in.DBClusterIdentifier)]
	if !ok {
		return nil, &rdstypes.DBClusterNotFoundFault{Message: aws.String("DBCluster not found")}
	}
	return &rds.DescribeDBClustersOutput{DBClusters: []rdstypes.DBCluster{c}}, nil
}

// The template's other two shapes: an Aurora cluster's admin secret (tagged
// with the cluster), with the app on the cluster's reader endpoint; and an
// RDS instance's, with the app on its read replica.
func TestAdminSecretOfAClusterOrAReplicaSource(t *testing.T) {
	const (
		writer = "tutorial.cluster-c1.us-east-1.rds.amazonaws.com"
		reader = "tutorial.cluster-ro-c1.us-east-1.rds.amazonaws.com"
		source = "primary.c1.us-east-1.rds.amazonaws.com"
	)
	clusterARN := "arn:aws:rds:us-east-1:000000000000:cluster:tutorial"
	sourceARN := "arn:aws:rds:us-east-1:000000000000:db:primary"
	replicaID, _, _ := strings.Cut(lambdatest.DBHost, ".")
	fake := fakeRDS{
		instances: map[string]rdstypes.DBInstance{
			sourceARN: {DBInstanceIdentifier: aws.String("primary"), Engine: aws.String("mysql"),
				Endpoint: &rdstypes.Endpoint{Address: aws.String(source), Port: aws.Int32(3306)}},
			replicaID: {DBInstanceIdentifier: aws.String(replicaID), Engine: aws.String("mysql"),
				ReadReplicaSourceDBInstanceIdentifier: aws.String("primary")},
		},
		clusters: map[string]rdstypes.DBCluster{
			clusterARN: {Endpoint: aws.String(writer), ReaderEndpoint: aws.String(reader), Port: aws.Int32(3306), Engine: aws.String("aurora-mysql")},
			"tutorial": {Endpoint: aws.String(writer), ReaderEndpoint: aws.String(reader), Port: aws.Int32(3306), Engine: aws.String("aurora-mysql")},
		},
	}
	for _, tc := range []struct {
		name, tag, arn, appHost, adminHost string
	}{
		{"aurora reader", "aws:rds:primaryDBClusterArn", clusterARN, reader, writer},
		{"read replica", "aws:rds:primaryDBInstanceArn", sourceARN, lambdatest.DBHost, source},
	} {
		t.Run(tc.name, func(t *testing.T) {
			w := newWorld(t)
			admin := fmt.Sprintf(`{"username":%q,"password":%q}`, w.AdminUser, w.AdminPassword)
			adminARN, err := w.Service.Seed("rds!cluster-x", "", admin, map[string]string{tc.tag: tc.arn})
			if err != nil {
				t.Fatal(err)
			}
			arn := w.AppSecret(t, appSecret, "appuser", lambdatest.RandomPassword(t))
			cur, _, _ := w.Value(t, arn, rotation.StageCurrent)
			value := strings.Replace(strings.Replace(mustJSON(t, cur), w.AdminARN, adminARN, 1), lambdatest.DBHost, tc.appHost, 1)
			app, err := w.Service.Seed("app-"+strings.ReplaceAll(tc.name, " ", "-"), "", value, nil)
			if err != nil {
				t.Fatal(err)
			}
			fn := w.Function(rotation.AlternatingUsers)
			fn.RDS = fake
			hosts := map[string]dbclient.DialFunc{}
			for _, h := range []string{tc.appHost, tc.adminHost} {
				hosts[net.JoinHostPort(h, strconv.Itoa(lambdatest.DBPort))] = w.DBRoute
			}
			fn.Dial = lambda.VPCDialer(hosts)
			var detail string
			fn.Observe = func(ev rotation.StepEvent) {
				if ev.Done && ev.Step == rotation.StepSet {
					detail = ev.Detail
				}
			}
			if err := fn.RotateLocally(context.Background(), app); err != nil {
				t.Fatal(err)
			}
			if !strings.Contains(detail, "is a read replica of the admin's database "+tc.adminHost) {
				t.Fatalf("setSecret detail: %q", detail)
			}
		})
	}
}
