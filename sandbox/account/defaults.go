package account

import (
	"encoding/json"
	"fmt"
)

// The sandbox's fixed identifiers, shaped like AWS's.
const (
	VpcID           = "vpc-0a11ce5a7d0b1e222"
	SubnetA         = "subnet-0aa1b2c3d4e5f6071"
	SubnetB         = "subnet-0bb1b2c3d4e5f6072"
	DatabaseGroup   = "sg-0db0000000000c0de"
	BastionGroup    = "sg-0ba5710000000c0de"
	FunctionGroup   = "sg-0f00c710000000c0d"
	EndpointGroup   = "sg-0e9d901170000c0de"
	SecretsEndpoint = "vpce-0a5ec7e75a7d0b1e2"
	BastionID       = "i-0ba571011ab0c0de1"
	LearnerCIDR     = "127.0.0.1/32"
	DatabasePort    = 3306
)

// MasterSecretPolicy is the name of the role policy that lets the rotation functions read the
// admin secret: AWS cannot grant that itself, so its documentation has the operator add it.
const MasterSecretPolicy = "AllowAccessToMasterSecret"

// RotationPolicy is the name of the role policy AWS's rotation application gives the role:
// the four calls on the secrets the function rotates, and GetRandomPassword.
const RotationPolicy = "SecretsManagerRotationPolicy"

// SecretsManagerPrincipal is Secrets Manager's service principal.
const SecretsManagerPrincipal = "secretsmanager.amazonaws.com"

// InvokeStatementID is the Sid of the permission that lets Secrets Manager invoke a function,
// as AWS's documentation names it.
const InvokeStatementID = "SecretsManagerAccess"

// Setup is what Default needs to know about the sandbox.
type Setup struct {
	Region, AccountID string
	EndpointURL       string // the Secrets Manager endpoint, as the functions' SECRETS_MANAGER_ENDPOINT
	RoleName          string
	AdminSecretARN    string
	// MasterSecretARNs are other master secrets the functions were deployed to read (the
	// older tutorial's, which the learner stores); patterns may end in "-??????".
	MasterSecretARNs []string
	FunctionNames    []string
	FunctionARN      func(name string) string
	Description      func(name string) string
}

// Default is the set-up that works: the functions in the VPC's private subnets with their own
// security group, which the database's lets in; a Secrets Manager interface endpoint in the
// VPC; the role allowed the rotation calls and the admin secret; Secrets Manager allowed to
// invoke each function; the bastion reachable from the learner and let into the database.
func Default(s Setup) Account {
	a := Account{
		Functions: map[string]*Function{},
		Roles:     map[string]map[string]string{s.RoleName: {}},
		Network: Network{
			VpcID: VpcID, Subnets: []string{SubnetA, SubnetB},
			SecurityGroups: map[string]*SecurityGroup{
				DatabaseGroup: {ID: DatabaseGroup, Name: "tutorial-database", Description: "MySQL from the bastion and the rotation functions",
					Ingress: []Rule{
						{Protocol: "tcp", FromPort: DatabasePort, ToPort: DatabasePort, Groups: []string{BastionGroup}},
						{Protocol: "tcp", FromPort: DatabasePort, ToPort: DatabasePort, Groups: []string{FunctionGroup}},
					}},
				BastionGroup: {ID: BastionGroup, Name: "tutorial-bastion", Description: "SSH from the learner",
					Ingress: []Rule{{Protocol: "tcp", FromPort: 22, ToPort: 22, CIDRs: []string{LearnerCIDR}}}},
				FunctionGroup: {ID: FunctionGroup, Name: "tutorial-rotation-functions", Description: "the rotation functions (nothing comes in)"},
				EndpointGroup: {ID: EndpointGroup, Name: "tutorial-secretsmanager-endpoint", Description: "HTTPS from the rotation functions",
					Ingress: []Rule{{Protocol: "tcp", FromPort: 443, ToPort: 443, Groups: []string{FunctionGroup}}}},
			},
			Endpoints: []*VPCEndpoint{{ID: SecretsEndpoint, VpcID: VpcID, ServiceName: SecretsManagerService(s.Region),
				SubnetIDs: []string{SubnetA, SubnetB}, SecurityGroupIDs: []string{EndpointGroup}, PrivateDNS: true}},
			DatabaseGroups: []string{DatabaseGroup},
			BastionGroups:  []string{BastionGroup},
			BastionID:      BastionID,
			LearnerCIDR:    LearnerCIDR,
		},
		Bastion: Bastion{AllowTCPForwarding: true},
	}
	a.Roles[s.RoleName][RotationPolicy] = RotationPolicyDocument(s.FunctionARN)
	a.Roles[s.RoleName][MasterSecretPolicy] = MasterSecretPolicyDocument(append([]string{s.AdminSecretARN}, s.MasterSecretARNs...)...)
	for _, name := range s.FunctionNames {
		a.Functions[name] = DefaultFunction(s, name)
	}
	return a
}

// DefaultFunction is a function as AWS's rotation application deploys it, in the VPC.
func DefaultFunction(s Setup, name string) *Function {
	desc := ""
	if s.Description != nil {
		desc = s.Description(name)
	}
	return &Function{
		Name: name, Role: "arn:aws:iam::" + s.AccountID + ":role/" + s.RoleName, Description: desc,
		Timeout:     30,
		Environment: map[string]string{"SECRETS_MANAGER_ENDPOINT": s.EndpointURL, "EXCLUDE_CHARACTERS": DefaultExcludeCharacters},
		VPC:         VPCConfig{VpcID: VpcID, SubnetIDs: []string{SubnetA, SubnetB}, SecurityGroupIDs: []string{FunctionGroup}},
		Policy:      []Permission{{Sid: InvokeStatementID, Action: "lambda:InvokeFunction", Principal: SecretsManagerPrincipal}},
		Revision:    newRevision(),
	}
}

// DefaultExcludeCharacters is what AWS's rotation application sets EXCLUDE_CHARACTERS to:
// characters that break connection strings and shell quoting.
const DefaultExcludeCharacters = `/@"'\`

// RotationPolicyDocument lets the functions make the rotation calls on the secrets that name
// them as their rotation function (the condition AWS's rotation application uses), and
// GetRandomPassword.
func RotationPolicyDocument(functionARN func(string) string) string {
	return mustJSON(map[string]any{
		"Version": "2012-10-17",
		"Statement": []any{
			map[string]any{
				"Sid":    "RotateTheSecretsThatNameTheFunction",
				"Effect": "Allow",
				"Action": []string{"secretsmanager:DescribeSecret", "secretsmanager:GetSecretValue",
					"secretsmanager:PutSecretValue", "secretsmanager:UpdateSecretVersionStage"},
				"Resource": "*",
				"Condition": map[string]any{"StringLike": map[string]any{
					"secretsmanager:resource/AllowRotationLambdaArn": functionARN("*")}},
			},
			map[string]any{"Sid": "GenerateRandomPassword", "Effect": "Allow", "Action": "secretsmanager:GetRandomPassword", "Resource": "*"},
		},
	})
}

// MasterSecretPolicyDocument lets the functions read the admin secrets (and describe them:
// an RDS-managed secret's tags name its database).
func MasterSecretPolicyDocument(adminARNs ...string) string {
	return mustJSON(map[string]any{
		"Version": "2012-10-17",
		"Statement": []any{map[string]any{
			"Sid": "AllowAccessToMasterSecret", "Effect": "Allow",
			"Action":   []string{"secretsmanager:GetSecretValue", "secretsmanager:DescribeSecret"},
			"Resource": adminARNs,
		}},
	})
}

func mustJSON(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		panic(fmt.Sprintf("account: encode a fixed document: %v", err))
	}
	return string(b)
}
