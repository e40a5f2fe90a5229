package rotation

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/rds"
	rdstypes "github.com/aws/aws-sdk-go-v2/service/rds/types"
	sm "github.com/aws/aws-sdk-go-v2/service/secretsmanager"
)

// RDSAPI is the part of the RDS API a rotation function uses: where an
// RDS-managed admin secret's database is, and whether the app's database is
// a replica of the admin's. *rds.Client satisfies it.
type RDSAPI interface {
	DescribeDBInstances(ctx context.Context, in *rds.DescribeDBInstancesInput, optFns ...func(*rds.Options)) (*rds.DescribeDBInstancesOutput, error)
	DescribeDBClusters(ctx context.Context, in *rds.DescribeDBClustersInput, optFns ...func(*rds.Options)) (*rds.DescribeDBClustersOutput, error)
}

// The tags RDS puts on the admin secrets it manages, naming their database
// (compared without case, as the template does).
const (
	tagInstanceARN = "aws:rds:primarydbinstancearn"
	tagClusterARN  = "aws:rds:primarydbclusterarn"
	// maxRDSARNLength is the longest DB instance or cluster ARN the template
	// accepts from a tag.
	maxRDSARNLength = 256
)

// adminEngines are the engines an admin secret's database may have: the
// template's two, and MariaDB, whose own multi-user template is this one
// with its engine name.
var adminEngines = []string{"mysql", "aurora-mysql", "mariadb"}

// adminSecret reads the secret named by masterarn, as AWS's template does:
// one that holds only username and password is managed by RDS, and its
// database is found through the secret's RDS tag and DescribeDBInstances
// (or DescribeDBClusters); then it must be the app secret's database, or
// one the app's database is a read replica of.
func (f *Function) adminSecret(ctx context.Context, cur Secret, n *note) (Secret, error) {
	out, err := f.getValue(ctx, cur.MasterARN, StageCurrent, "")
	if err != nil {
		return Secret{}, fmt.Errorf("read admin secret %s: %w", cur.MasterARN, err)
	}
	admin, err := ReadSecret(*out.SecretString)
	if err != nil {
		return Secret{}, fmt.Errorf("read admin secret %s: %w", cur.MasterARN, err)
	}
	n.handles(admin.Password)
	if admin.onlyCredentials() {
		if err := f.findRDSManaged(ctx, cur.MasterARN, &admin, n); err != nil {
			return Secret{}, err
		}
	}
	for _, k := range []struct{ key, value string }{
		{"host", admin.Host}, {"username", admin.Username}, {"password", admin.Password}, {"engine", admin.Engine},
	} {
		if k.value == "" {
			return Secret{}, fmt.Errorf("admin secret %s: %s key is missing from secret JSON", cur.MasterARN, k.key)
		}
	}
	if !slices.Contains(adminEngines, admin.Engine) {
		return Secret{}, fmt.Errorf("admin secret %s: Database engine must be set to 'mysql' in order to use this rotation lambda", cur.MasterARN)
	}
	admin.DBName = cur.DBName
	if cur.Host != admin.Host {
		replica, err := f.isReplica(ctx, cur, admin)
		if err != nil {
			return Secret{}, err
		}
		if !replica {
			return Secret{}, fmt.Errorf("Current database host %s is not the same host as/rds replica of master %s", cur.Host, admin.Host)
		}
		n.aside(fmt.Sprintf("%s is a read replica of the admin's database %s", cur.Host, admin.Host))
	}
	return admin, nil
}

// onlyCredentials says the secret's keys are exactly username and password:
// the shape of the admin secrets RDS manages (rds!db-…, rds!cluster-…).
func (s Secret) onlyCredentials() bool {
	_, u := s.raw["username"]
	_, p := s.raw["password"]
	return len(s.raw) == 2 && u && p
}

// findRDSManaged fills an RDS-managed admin secret's host, port and engine
// from RDS, finding its database through the secret's tag. A secret without
// the tag is left as it is (and then lacks a host), as in the template.
func (f *Function) findRDSManaged(ctx context.Context, adminARN string, admin *Secret, n *note) error {
	meta, err := f.Secrets.DescribeSecret(ctx, &sm.DescribeSecretInput{SecretId: aws.String(adminARN)})
	if err != nil {
		return fmt.Errorf("describe admin secret %s: %w", adminARN, err)
	}
	var tag, arn string
	for _, t := range meta.Tags {
		if k := strings.ToLower(aws.ToString(t.Key)); k == tagInstanceARN || k == tagClusterARN {
			tag, arn = k, aws.ToString(t.Value)
		}
	}
	switch {
	case tag == "":
		n.aside("the admin secret holds only username and password but has no aws:rds:primaryDBInstanceArn tag: not an RDS-managed secret")
		return nil
	case len(arn) > maxRDSARNLength:
		return fmt.Errorf("%s is not a valid DB Instance ARN. It exceeds the maximum length of %d.", arn, maxRDSARNLength)
	case f.RDS == nil:
		return fmt.Errorf("admin secret %s is managed by RDS (%s): finding its database needs RDS's Describe API, and this function has no RDS client", adminARN, arn)
	}
	if tag == tagClusterARN {
		c, err := f.describeCluster(ctx, arn)
		if err != nil {
			return err
		}
		admin.Host, admin.Port, admin.Engine = aws.ToString(c.Endpoint), int(aws.ToInt32(c.Port)), aws.ToString(c.Engine)
		n.aside(fmt.Sprintf("the admin secret is RDS-managed: DescribeDBClusters found cluster %s at %s:%d", arn, admin.Host, admin.Port))
		return nil
	}
	db, err := f.describeInstance(ctx, arn)
	if err != nil {
		return err
	}
	if db.Endpoint != nil {
		admin.Host, admin.Port = aws.ToString(db.Endpoint.Address), int(aws.ToInt32(db.Endpoint.Port))
	}
	admin.Engine = aws.ToString(db.Engine)
	n.aside(fmt.Sprintf("the admin secret is RDS-managed: DescribeDBInstances found %s at %s:%d",
		aws.ToString(db.DBInstanceIdentifier), admin.Host, admin.Port))
	return nil
}

func (f *Function) describeInstance(ctx context.Context, id string) (rdstypes.DBInstance, error) {
	out, err := f.RDS.DescribeDBInstances(ctx, &rds.DescribeDBInstancesInput{DBInstanceIdentifier: aws.String(id)})
	if err != nil {
		return rdstypes.DBInstance{}, fmt.Errorf("Encountered API error while fetching connection parameters from DescribeDBInstances RDS API: %w", err)
	}
	if len(out.DBInstances) == 0 {
		return rdstypes.DBInstance{}, fmt.Errorf("%s is not a valid DB Instance ARN. No Instances found when using DescribeDBInstances RDS API to get connection params.", id)
	}
	return out.DBInstances[0], nil
}

func (f *Function) describeCluster(ctx context.Context, id string) (rdstypes.DBCluster, error) {
	out, err := f.RDS.DescribeDBClusters(ctx, &rds.DescribeDBClustersInput{DBClusterIdentifier: aws.String(id)})
	if err != nil {
		return rdstypes.DBCluster{}, fmt.Errorf("Encountered API error while fetching connection parameters from DescribeDBClusters RDS API: %w", err)
	}
	if len(out.DBClusters) == 0 {
		return rdstypes.DBCluster{}, fmt.Errorf("%s is not a valid DB Cluster ARN. No Clusters found when using DescribeDBClusters RDS API to get connection params.", id)
	}
	return out.DBClusters[0], nil
}

// isReplica says the app's database is a read replica of the admin's, as
// the template decides it: an RDS instance whose replication source is the
// admin's instance, or an Aurora reader (the cluster's reader endpoint or a
// member that is not the writer). Identifiers are the hosts' first labels.
// A database RDS does not know is no replica; nor is anything without an
// RDS client.
func (f *Function) isReplica(ctx context.Context, cur, admin Secret) (bool, error) {
	if f.RDS == nil {
		return false, nil
	}
	replicaID, masterID := firstLabel(cur.Host), firstLabel(admin.Host)
	switch admin.Engine {
	case "mysql", "mariadb":
		db, err := f.describeInstance(ctx, replicaID)
		if err != nil {
			return false, nil //nolint:nilerr // the template: an unknown host is simply not a replica
		}
		return aws.ToString(db.ReadReplicaSourceDBInstanceIdentifier) == masterID, nil
	case "aurora-mysql":
		c, err := f.clusterOfHost(ctx, admin.Host)
		if err != nil || c == nil {
			return false, nil //nolint:nilerr // as above
		}
		if cur.Host == aws.ToString(c.ReaderEndpoint) {
			return true, nil
		}
		for _, m := range c.DBClusterMembers {
			if aws.ToString(m.DBInstanceIdentifier) == replicaID && !aws.ToBool(m.IsClusterWriter) {
				return true, nil
			}
		}
	}
	return false, nil
}

// clusterOfHost finds the Aurora cluster of an admin host: a cluster
// endpoint (id.cluster-….rds.amazonaws.com) names it; an instance endpoint
// names an instance that belongs to it.
func (f *Function) clusterOfHost(ctx context.Context, host string) (*rdstypes.DBCluster, error) {
	id := firstLabel(host)
	labels := strings.Split(host, ".")
	if len(labels) > 1 && strings.Contains(labels[1], "cluster") {
		c, err := f.describeCluster(ctx, id)
		return &c, err
	}
	db, err := f.describeInstance(ctx, id)
	if err != nil || db.DBClusterIdentifier == nil {
		return nil, err
	}
	c, err := f.describeCluster(ctx, aws.ToString(db.DBClusterIdentifier))
	return &c, err
}

func firstLabel(host string) string {
	first, _, _ := strings.Cut(host, ".")
	return first
}
