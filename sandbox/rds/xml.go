package rds

import (
	"encoding/xml"
	"strconv"
	"time"
)

// namespace is the XML namespace of every RDS 2014-10-31 response.
const namespace = "http://rds.amazonaws.com/doc/2014-10-31/"

// response is an action's answer; stamp fills what every answer carries.
type response interface{ stamp(requestID string) }

type describeResponse struct {
	XMLName xml.Name `xml:"DescribeDBInstancesResponse"`
	Xmlns   string   `xml:"xmlns,attr"`
	Result  struct {
		// A struct, not a bare slice, so an empty result still carries
		// <DBInstances/> as RDS's does (the CLI then prints "DBInstances": []).
		DBInstances struct {
			Items []dbInstance `xml:"DBInstance"`
		} `xml:"DBInstances"`
	} `xml:"DescribeDBInstancesResult"`
	RequestID string `xml:"ResponseMetadata>RequestId"`
}

func (r *describeResponse) stamp(id string) { r.Xmlns, r.RequestID = namespace, id }

type deleteResponse struct {
	XMLName xml.Name `xml:"DeleteDBInstanceResponse"`
	Xmlns   string   `xml:"xmlns,attr"`
	Result  struct {
		DBInstance dbInstance
	} `xml:"DeleteDBInstanceResult"`
	RequestID string `xml:"ResponseMetadata>RequestId"`
}

func (r *deleteResponse) stamp(id string) { r.Xmlns, r.RequestID = namespace, id }

type dbInstance struct {
	DBInstanceIdentifier             string
	DBInstanceClass                  string
	Engine                           string
	DBInstanceStatus                 string
	MasterUsername                   string
	Endpoint                         endpoint
	AllocatedStorage                 int
	InstanceCreateTime               string
	BackupRetentionPeriod            int
	AvailabilityZone                 string
	MultiAZ                          bool
	EngineVersion                    string
	AutoMinorVersionUpgrade          bool
	LicenseModel                     string
	PubliclyAccessible               bool
	StorageType                      string
	StorageEncrypted                 bool
	DbiResourceId                    string
	CACertificateIdentifier          string
	DBInstanceArn                    string
	IAMDatabaseAuthenticationEnabled bool
	DeletionProtection               bool
	MasterUserSecret                 *masterUserSecret  `xml:",omitempty"`
	VpcSecurityGroups                []vpcSecurityGroup `xml:"VpcSecurityGroups>VpcSecurityGroupMembership"`
	DBParameterGroups                []dbParameterGroup `xml:"DBParameterGroups>DBParameterGroup"`
}

type dbParameterGroup struct {
	DBParameterGroupName string
	ParameterApplyStatus string
}

type modifyParameterGroupResponse struct {
	XMLName xml.Name `xml:"ModifyDBParameterGroupResponse"`
	Xmlns   string   `xml:"xmlns,attr"`
	Result  struct {
		DBParameterGroupName string
	} `xml:"ModifyDBParameterGroupResult"`
	RequestID string `xml:"ResponseMetadata>RequestId"`
}

func (r *modifyParameterGroupResponse) stamp(id string) { r.Xmlns, r.RequestID = namespace, id }

type vpcSecurityGroup struct {
	VpcSecurityGroupId string
	Status             string
}

type endpoint struct {
	Address      string
	Port         int
	HostedZoneId string
}

type masterUserSecret struct {
	SecretArn    string
	SecretStatus string
	KmsKeyId     string
}

type errorResponse struct {
	XMLName xml.Name `xml:"ErrorResponse"`
	Xmlns   string   `xml:"xmlns,attr"`
	Error   struct {
		Type    string
		Code    string
		Message string
	}
	RequestID string `xml:"RequestId"`
}

// describe renders the instance the way RDS reports a private, single-AZ
// MySQL instance (with an RDS-managed master secret when it has one) in the
// given status.
func (in Instance) describe(created time.Time, status string) dbInstance {
	var groups []vpcSecurityGroup
	for _, g := range in.SecurityGroups {
		groups = append(groups, vpcSecurityGroup{VpcSecurityGroupId: g, Status: "active"})
	}
	d := dbInstance{
		VpcSecurityGroups:       groups,
		DBInstanceIdentifier:    in.Identifier,
		DBInstanceClass:         "db.t3.micro",
		Engine:                  in.Engine,
		DBInstanceStatus:        status,
		MasterUsername:          in.MasterUsername,
		Endpoint:                endpoint{Address: in.Address, Port: in.Port, HostedZoneId: "Z2R2ITUGPM61AM"},
		AllocatedStorage:        20,
		InstanceCreateTime:      created.UTC().Format("2006-01-02T15:04:05.000Z"),
		BackupRetentionPeriod:   1,
		AvailabilityZone:        in.Region + "a",
		EngineVersion:           in.EngineVersion,
		AutoMinorVersionUpgrade: true,
		LicenseModel:            "general-public-license",
		StorageType:             "gp2",
		StorageEncrypted:        true,
		DbiResourceId:           in.resourceID(),
		CACertificateIdentifier: "rds-ca-rsa2048-g1",
		DBInstanceArn:           in.ARN(),
		DeletionProtection:      in.Delete == nil,
	}
	if in.ParameterGroup != nil {
		d.DBParameterGroups = []dbParameterGroup{{DBParameterGroupName: in.ParameterGroup.Name, ParameterApplyStatus: "in-sync"}}
	}
	if in.MasterSecretARN != "" {
		d.MasterUserSecret = &masterUserSecret{
			SecretArn:    in.MasterSecretARN,
			SecretStatus: "active",
			KmsKeyId:     in.kmsKeyID(),
		}
	}
	return d
}

// fault is an RDS error: its HTTP status, code and message.
type fault struct {
	status  int
	code    string
	message string
}

func (f *fault) Error() string { return f.code + ": " + f.message }

func senderFault(code, message string) *fault {
	return &fault{status: 400, code: code, message: message}
}

func instanceNotFound(id string) *fault {
	return &fault{status: 404, code: "DBInstanceNotFound", message: "DBInstance " + id + " not found."}
}

func invalidMaxRecords(v string) *fault {
	return senderFault("InvalidParameterValue",
		"Invalid value "+strconv.Quote(v)+" for MaxRecords. Must be between 20 and 100")
}
