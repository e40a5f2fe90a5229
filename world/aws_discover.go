package world

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/rds"
	"github.com/aws/aws-sdk-go-v2/service/rds/types"
	"github.com/aws/smithy-go"
)

// discovered is what DescribeDBInstances told about the database.
type discovered struct {
	Instance       string
	Host           string
	Port           int
	AdminSecretARN string // MasterUserSecret.SecretArn; empty when RDS does not manage it
}

// discoverDB finds the database instance: the one named, or else the only
// MySQL instance in the region.
func discoverDB(ctx context.Context, client *rds.Client, instance string) (discovered, error) {
	in := &rds.DescribeDBInstancesInput{}
	if instance != "" {
		in.DBInstanceIdentifier = aws.String(instance)
	}
	var found []types.DBInstance
	p := rds.NewDescribeDBInstancesPaginator(client, in)
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return discovered{}, explainRDS(instance, err)
		}
		for _, db := range page.DBInstances {
			if instance != "" || isMySQL(aws.ToString(db.Engine)) {
				found = append(found, db)
			}
		}
	}
	switch {
	case len(found) == 0 && instance != "":
		return discovered{}, fmt.Errorf("RDS has no instance %q in this region: check --db-instance and the region", instance)
	case len(found) == 0:
		return discovered{}, errors.New("RDS has no MySQL instance in this region: check the region, " +
			"or give the database with --db-host and --admin-secret")
	case len(found) > 1:
		ids := make([]string, len(found))
		for i, db := range found {
			ids[i] = aws.ToString(db.DBInstanceIdentifier)
		}
		return discovered{}, fmt.Errorf("RDS has %d MySQL instances here (%s): choose one with --db-instance",
			len(found), strings.Join(ids, ", "))
	}
	db := found[0]
	d := discovered{Instance: aws.ToString(db.DBInstanceIdentifier)}
	if db.Endpoint != nil {
		d.Host, d.Port = aws.ToString(db.Endpoint.Address), int(aws.ToInt32(db.Endpoint.Port))
	}
	if d.Host == "" {
		return discovered{}, fmt.Errorf("RDS instance %s has no endpoint yet (status %s): wait until it is available, "+
			"or give --db-host", d.Instance, aws.ToString(db.DBInstanceStatus))
	}
	if s := db.MasterUserSecret; s != nil {
		d.AdminSecretARN = aws.ToString(s.SecretArn)
	}
	return d, nil
}

func isMySQL(engine string) bool { return engine == "mysql" || engine == "aurora-mysql" }

func explainRDS(instance string, err error) error {
	var nf *types.DBInstanceNotFoundFault
	if errors.As(err, &nf) {
		return fmt.Errorf("RDS has no instance %q in this region: check --db-instance and the region", instance)
	}
	var api smithy.APIError
	if errors.As(err, &api) && strings.Contains(api.ErrorCode(), "AccessDenied") {
		return fmt.Errorf("discover the database: %s: %s; grant rds:DescribeDBInstances, "+
			"or give --db-host and --admin-secret so no discovery is needed", api.ErrorCode(), api.ErrorMessage())
	}
	return fmt.Errorf("discover the database (rds:DescribeDBInstances): %w; "+
		"or give --db-host and --admin-secret so no discovery is needed", err)
}

// rdsClient is RDS for discovery; the endpoint URL, when given, serves RDS too
// (the sandbox answers DescribeDBInstances beside Secrets Manager).
func rdsClient(cfg aws.Config, endpointURL string) *rds.Client {
	return rds.NewFromConfig(cfg, func(o *rds.Options) {
		if endpointURL != "" {
			o.BaseEndpoint = aws.String(endpointURL)
		}
	})
}
