// Package rds answers the RDS calls the tutorials make of the sandbox's
// database instances: DescribeDBInstances (discovery, and the rotation
// function finding an RDS-managed admin secret's database),
// DeleteDBInstance (the clean-up), and ModifyDBParameterGroup for
// require_secure_transport (letting plain text in again, when a database
// requires TLS that a client cannot use).
//
// It speaks the AWS Query protocol the way RDS does: a form-encoded request
// (Action=DescribeDBInstances&Version=2014-10-31) and an XML response in the
// RDS 2014-10-31 namespace, with faults in RDS's ErrorResponse shape. That is
// what aws-sdk-go-v2's rds client and `aws rds describe-db-instances
// --endpoint-url` expect, so the real-AWS discovery code is tested unchanged.
package rds

import (
	"context"
	"crypto/sha256"
	"fmt"
	"strings"
)

// APIVersion is the only RDS API version the handler accepts.
const APIVersion = "2014-10-31"

// Instance describes the sandbox's database instance as RDS would report it.
// Zero fields take the values of the tutorial's instance (see withDefaults).
type Instance struct {
	Identifier      string // DBInstanceIdentifier, e.g. secretsmanagertutorial
	Address         string // Endpoint.Address, the name the bastion dials
	Port            int    // Endpoint.Port
	Engine          string // mysql
	EngineVersion   string // e.g. 8.0.40
	MasterUsername  string // admin
	MasterSecretARN string // the RDS-managed admin secret (MasterUserSecret.SecretArn); empty: none
	Region          string
	AccountID       string
	// Delete is what deleting the instance does in the world that holds it
	// (closing its database, removing its data, and the managed secret with
	// it, as RDS does). Nil: the instance cannot be deleted, and reports
	// deletion protection, which is why DeleteDBInstance refuses it.
	Delete func(ctx context.Context) error
	// Status is the instance's status while it is not being deleted (starting, available,
	// failed); nil means available.
	Status func() string
	// SecurityGroups are the instance's VPC security groups (VpcSecurityGroups).
	SecurityGroups []string
	// ParameterGroup is the instance's DB parameter group (DBParameterGroups); nil reports
	// none.
	ParameterGroup *ParameterGroup
}

// ParameterGroup is a custom DB parameter group, with the one parameter the sandbox keeps in
// it: require_secure_transport, which ModifyDBParameterGroup changes.
type ParameterGroup struct {
	Name string // DBParameterGroupName
	// SetRequireSecureTransport applies a new require_secure_transport: a dynamic
	// parameter, so at once.
	SetRequireSecureTransport func(on bool) error
}

// withDefaults fills what the caller left empty with the tutorial's values,
// so a partly filled Instance still describes a plausible RDS MySQL instance.
func (in Instance) withDefaults() Instance {
	if in.Identifier == "" {
		in.Identifier = "secretsmanagertutorial"
	}
	if in.Port == 0 {
		in.Port = 3306
	}
	if in.Engine == "" {
		in.Engine = "mysql"
	}
	if in.EngineVersion == "" {
		in.EngineVersion = "8.0.40"
	}
	if in.MasterUsername == "" {
		in.MasterUsername = "admin"
	}
	if in.Region == "" {
		in.Region = "us-east-1"
	}
	if in.AccountID == "" {
		in.AccountID = "000000000000"
	}
	if in.Address == "" {
		in.Address = in.Identifier + ".sandbox.internal"
	}
	// RDS keeps identifiers in lower case, whatever case they were given in.
	in.Identifier = strings.ToLower(in.Identifier)
	return in
}

// ARN is the instance's DBInstanceArn.
func (in Instance) ARN() string {
	in = in.withDefaults()
	return fmt.Sprintf("arn:aws:rds:%s:%s:db:%s", in.Region, in.AccountID, in.Identifier)
}

// kmsKeyID is the KMS key RDS reports for a managed master secret. RDS uses the
// account's aws/secretsmanager key; the sandbox has no KMS, so the key id is
// derived from the account and region: stable across runs, never a real key.
func (in Instance) kmsKeyID() string {
	sum := sha256.Sum256([]byte("aws/secretsmanager:" + in.AccountID + ":" + in.Region))
	return fmt.Sprintf("arn:aws:kms:%s:%s:key/%x-%x-%x-%x-%x",
		in.Region, in.AccountID, sum[0:4], sum[4:6], sum[6:8], sum[8:10], sum[10:16])
}

// resourceID is the instance's DbiResourceId, derived like kmsKeyID.
func (in Instance) resourceID() string {
	sum := sha256.Sum256([]byte("dbi:" + in.ARN()))
	const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"
	id := make([]byte, 26)
	for i := range id {
		id[i] = alphabet[int(sum[i])%len(alphabet)]
	}
	return "db-" + string(id)
}
