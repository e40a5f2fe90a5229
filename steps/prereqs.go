package steps

import (
	"fmt"
	"strings"

	"rotation-tutor/internal/shell"
)

// Prerequisite is a piece a tutorial builds (or inherits) before its first step: what it
// is, why rotation needs it, and what stands in for it in this world.
type Prerequisite struct {
	Name    string
	Why     string
	StandIn string // in the sandbox, its stand-in; with --aws, "" (it is yours)
	// Secret is a value the learner owns and sees masked until revealed (the older
	// tutorial's master password, in the sandbox); "" when there is none.
	Secret   string
	commands []Command
}

// The current tutorial's names for its prerequisites.
const (
	tutorialVPC      = "SecretsManagerTutorial-vpc" // what "VPC and more" names it, from SecretsManagerTutorial
	smEndpointName   = "SecretsManagerTutorialEndpoint"
	rdsEndpointName  = "RDSTutorialEndpoint"
	bastionName      = "SecretsManagerTutorialInstance"
	keyPairName      = "SecretsManagerTutorialKeyPair"
	bastionGroup     = "ec2-rds-1" // the groups RDS makes to connect an EC2 instance
	databaseGroup    = "rds-ec2-1"
	bastionImage     = "resolve:ssm:/aws/service/ami-amazon-linux-latest/amzn2-ami-kernel-5.10-hvm-x86_64-gp2"
	functionName     = "tutorial-alternating-users-rotation"
	functionStack    = "serverlessrepo-" + functionName // the Serverless Application Repository prefixes its stacks
	multiUserApp     = "arn:aws:serverlessrepo:us-east-1:297356227824:applications/SecretsManagerRDSMySQLRotationMultiUser"
	dbSubnetGroup    = "secretsmanagertutorial"
	tutorialCIDR     = "10.0.0.0/16"
	publicSubnetCIDR = "10.0.0.0/20"
	secondSubnetCIDR = "10.0.16.0/20"
)

// Shell lines that find the prerequisites by their names, so that no command needs an id
// pasted into it.
func lookupVPC(env *Env) string {
	return `VPC="$(` + awsCmd(env, "ec2", "describe-vpcs", "--filters", "Name=tag:Name,Values="+tutorialVPC, "--query", shell.Quote("Vpcs[0].VpcId"), "--output", "text") + `)"`
}

func lookupSubnets(env *Env) string {
	return `SUBNETS="$(` + awsCmd(env, "ec2", "describe-subnets", "--filters", `Name=vpc-id,Values="$VPC"`, "--query", shell.Quote("Subnets[].SubnetId"), "--output", "text") + `)"`
}

func lookupGroup(env *Env, variable, name string) string {
	return variable + `="$(` + awsCmd(env, "ec2", "describe-security-groups", "--filters", `Name=vpc-id,Values="$VPC"`, "Name=group-name,Values="+name,
		"--query", shell.Quote("SecurityGroups[0].GroupId"), "--output", "text") + `)"`
}

func tags(resource, name string) string {
	return shell.Quote("ResourceType=" + resource + ",Tags=[{Key=Name,Value=" + name + "}]")
}

// script joins shell lines that run one after another, stopping at the first that fails.
func script(lines ...string) string { return strings.Join(lines, " &&\n") }

// onAWS is env as a real account's commands see it: no sandbox endpoint. Commands shown
// for reference are built with it, so that they read as they run on AWS.
func onAWS(env *Env) *Env {
	v := *env
	v.SecretsEndpoint = ""
	return &v
}

// reference marks commands as shown for reference: the sandbox has no such thing (say is
// what stands in for it), or, in a real account, the prerequisites exist already.
func reference(env *Env, say string, cmds ...Command) []Command {
	why := "for reference: the sandbox has " + say
	if env.Kind == KindAWS {
		why = "for reference: how the prerequisites are made; you made them already"
	}
	for i := range cmds {
		cmds[i].Reference = why
	}
	return cmds
}

// Prerequisites are what the chosen tutorial stands on, each with what stands in for it.
func Prerequisites(s *Session) []Prerequisite {
	env := s.Env()
	if env == nil {
		return nil
	}
	if s.Choices().Flavour == FlavourClassic {
		return classicPrerequisites(s, env)
	}
	sandbox := env.Kind == KindSandbox
	standIn := func(text string) string {
		if sandbox {
			return text
		}
		return ""
	}
	sshAddr, fn := env.SSH.User+"@"+env.SSH.Addr, lastPart(functionFor(env, s.Choices().Strategy), ":")
	if fn == "" {
		fn = functionName
	}
	return []Prerequisite{
		{Name: "VPC " + tutorialVPC + ", DNS hostnames and resolution on", Why: whyVPC,
			StandIn: standIn(standInVPC), commands: reference(env, "no VPC", Command{Tool: "aws", Note: "the VPC, two subnets in two zones, a way to the internet for the bastion",
				Text: vpcScript(onAWS(env))})},
		{Name: "Secrets Manager endpoint in the VPC, " + smEndpointName, Why: whySMEndpoint,
			StandIn: standIn("the endpoint " + env.SecretsEndpoint + ": the rotation function calls it from inside this process"),
			commands: reference(env, "no VPC endpoints", Command{Tool: "aws", Note: "an interface endpoint for Secrets Manager in every subnet",
				Text: endpointScript(onAWS(env), "secretsmanager", smEndpointName)})},
		{Name: "RDS endpoint in the VPC, " + rdsEndpointName, Why: whyRDSEndpoint,
			StandIn: standIn("the same listener answers RDS's API (DescribeDBInstances, DeleteDBInstance)"),
			commands: reference(env, "no VPC endpoints", Command{Tool: "aws", Note: "an interface endpoint for RDS in every subnet",
				Text: endpointScript(onAWS(env), "rds", rdsEndpointName)})},
		{Name: "Key pair " + keyPairName + " and the bastion " + bastionName, Why: whyBastion,
			StandIn:  standIn(fmt.Sprintf("an SSH server at %s, logging in with the key %s; it forwards only to the databases and runs no shell", sshAddr, env.SSH.KeyFile)),
			commands: reference(env, "no EC2: its bastion is an SSH server in this process", bastionCommands(onAWS(env))...)},
		{Name: "RDS MySQL instance " + env.DBInstance + ", its admin password in a secret RDS manages", Why: whyManagedSecret,
			StandIn:  standIn(fmt.Sprintf("a MySQL-compatible database at %s:%d, and the admin secret %s", env.DBHost, env.DBPort, adminSecretName(env))),
			commands: databaseCommands(env)},
		{Name: "Security group rules: SSH from your IP; bastion → database; function → database", Why: whyGroups,
			StandIn:  standIn(standInGroups),
			commands: reference(env, "no security groups: only loopback listens, and the bastion forwards only to the databases", groupCommands(onAWS(env))...)},
		{Name: "The rotation function " + fn, Why: whyFunction,
			StandIn: standIn("built in, and registered under its Lambda ARN; the configure-rotation step shows how the console makes it")},
	}
}

func classicPrerequisites(s *Session, env *Env) []Prerequisite {
	t := s.tut()
	instance := Prerequisite{Name: fmt.Sprintf("RDS MySQL instance %s: database %s, master user %s", t.Instance, t.DBName, t.MasterUser),
		Why: whyClassicInstance(t)}
	describe := Command{Tool: "aws", Note: "the instance as RDS describes it: its endpoint, and no secret of RDS's",
		Text: awsCmd(env, "rds", "describe-db-instances", "--db-instance-identifier", t.Instance,
			"--query", shell.Quote("DBInstances[0].[DBInstanceStatus,Endpoint.Address,MasterUsername,MasterUserSecret]"))}
	create := Command{Tool: "aws", Note: "how the tutorial before it made the instance (you choose the password; it is not echoed)",
		Text: "read -rsp " + shell.Quote("Choose a master password: ") + " pw && echo && " + awsCmd(onAWS(env), "rds", "create-db-instance",
			"--db-instance-identifier", t.Instance, "--db-name", t.DBName, "--engine", "mysql", "--db-instance-class", "db.t3.micro",
			"--allocated-storage", "20", "--master-username", t.MasterUser, "--master-user-password", `"$pw"`, "--no-publicly-accessible")}
	instance.commands = append([]Command{describe}, reference(env, "made this instance itself, with the password it chose", create)...)
	if env.Kind == KindSandbox {
		instance.StandIn = fmt.Sprintf("the sandbox's second database, at %s:%d, made when the sandbox is; its master password, which the sandbox chose for you:", env.DBHost, env.DBPort)
		if env.MasterPassword != nil {
			instance.Secret = env.MasterPassword()
		}
	}
	bastion := Prerequisite{Name: "A way in: the bastion", Why: whyClassicBastion}
	rotation := Prerequisite{Name: "Secrets Manager, and a rotation function that reaches the database", Why: whyClassicFunction}
	if env.Kind == KindSandbox {
		bastion.StandIn = "an SSH server at " + env.SSH.User + "@" + env.SSH.Addr + ", which forwards only to the databases"
		rotation.StandIn = "the endpoint " + env.SecretsEndpoint + ", and the function " + lastPart(functionFor(env, s.Choices().Strategy), ":") + ", built in"
	}
	return []Prerequisite{instance, bastion, rotation}
}

// PrerequisiteCommands are the commands of every prerequisite, in order.
func PrerequisiteCommands(s *Session) []Command {
	var out []Command
	for _, p := range Prerequisites(s) {
		out = append(out, p.commands...)
	}
	return out
}

func vpcScript(env *Env) string {
	az := func(letter string) string { return env.Region + letter }
	return script(
		`VPC="$(`+awsCmd(env, "ec2", "create-vpc", "--cidr-block", tutorialCIDR, "--tag-specifications", tags("vpc", tutorialVPC), "--query", "Vpc.VpcId", "--output", "text")+`)"`,
		awsCmd(env, "ec2", "modify-vpc-attribute", "--vpc-id", `"$VPC"`, "--enable-dns-support", shell.Quote(`{"Value":true}`)),
		awsCmd(env, "ec2", "modify-vpc-attribute", "--vpc-id", `"$VPC"`, "--enable-dns-hostnames", shell.Quote(`{"Value":true}`)),
		`SUBNET="$(`+awsCmd(env, "ec2", "create-subnet", "--vpc-id", `"$VPC"`, "--cidr-block", publicSubnetCIDR, "--availability-zone", az("a"),
			"--tag-specifications", tags("subnet", tutorialVPC+"-subnet-public1"), "--query", "Subnet.SubnetId", "--output", "text")+`)"`,
		awsCmd(env, "ec2", "create-subnet", "--vpc-id", `"$VPC"`, "--cidr-block", secondSubnetCIDR, "--availability-zone", az("b"),
			"--tag-specifications", tags("subnet", tutorialVPC+"-subnet-private1")),
		`IGW="$(`+awsCmd(env, "ec2", "create-internet-gateway", "--tag-specifications", tags("internet-gateway", tutorialVPC+"-igw"),
			"--query", "InternetGateway.InternetGatewayId", "--output", "text")+`)"`,
		awsCmd(env, "ec2", "attach-internet-gateway", "--internet-gateway-id", `"$IGW"`, "--vpc-id", `"$VPC"`),
		`RT="$(`+awsCmd(env, "ec2", "create-route-table", "--vpc-id", `"$VPC"`, "--query", "RouteTable.RouteTableId", "--output", "text")+`)"`,
		awsCmd(env, "ec2", "create-route", "--route-table-id", `"$RT"`, "--destination-cidr-block", "0.0.0.0/0", "--gateway-id", `"$IGW"`),
		awsCmd(env, "ec2", "associate-route-table", "--route-table-id", `"$RT"`, "--subnet-id", `"$SUBNET"`),
	)
}

func endpointScript(env *Env, service, name string) string {
	return script(lookupVPC(env), lookupSubnets(env), lookupGroup(env, "SG", "default"),
		awsCmd(env, "ec2", "create-vpc-endpoint", "--vpc-id", `"$VPC"`, "--vpc-endpoint-type", "Interface",
			"--service-name", "com.amazonaws."+env.Region+"."+service, "--subnet-ids", "$SUBNETS", "--security-group-ids", `"$SG"`,
			"--ip-address-type", "ipv4", "--private-dns-enabled", "--tag-specifications", tags("vpc-endpoint", name)))
}

func bastionCommands(env *Env) []Command {
	publicSubnet := `SUBNET="$(` + awsCmd(env, "ec2", "describe-subnets", "--filters", "Name=tag:Name,Values="+tutorialVPC+"-subnet-public1",
		"--query", shell.Quote("Subnets[0].SubnetId"), "--output", "text") + `)"`
	return []Command{
		{Tool: "aws", Note: "the key pair; its private key is saved once, here", Text: script(
			awsCmd(env, "ec2", "create-key-pair", "--key-name", keyPairName, "--query", "KeyMaterial", "--output", "text")+" > "+keyPairName+".pem",
			"chmod 400 "+keyPairName+".pem")},
		{Tool: "aws", Note: "the bastion: Amazon Linux 2, t2.micro, a public address, the VPC's default group", Text: script(
			lookupVPC(env), publicSubnet, lookupGroup(env, "SG", "default"),
			awsCmd(env, "ec2", "run-instances", "--image-id", bastionImage, "--instance-type", "t2.micro", "--key-name", keyPairName,
				"--subnet-id", `"$SUBNET"`, "--security-group-ids", `"$SG"`, "--associate-public-ip-address",
				"--tag-specifications", tags("instance", bastionName)))},
	}
}

func databaseCommands(env *Env) []Command {
	describe := Command{Tool: "aws", Note: "the database as RDS describes it: its endpoint and the secret it manages",
		Text: awsCmd(env, "rds", "describe-db-instances", "--db-instance-identifier", shell.Quote(env.DBInstance),
			"--query", shell.Quote("DBInstances[0].[Endpoint.Address,MasterUserSecret.SecretArn]"))}
	real := onAWS(env)
	create := Command{Tool: "aws", Note: "the database, with its admin password in a secret RDS manages and rotates", Text: script(
		lookupVPC(real), lookupSubnets(real), lookupGroup(real, "SG", "default"),
		awsCmd(real, "rds", "create-db-subnet-group", "--db-subnet-group-name", dbSubnetGroup,
			"--db-subnet-group-description", shell.Quote("Secrets Manager tutorial"), "--subnet-ids", "$SUBNETS"),
		awsCmd(real, "rds", "create-db-instance", "--db-instance-identifier", shell.Quote(env.DBInstance), "--engine", "mysql",
			"--db-instance-class", "db.t3.micro", "--allocated-storage", "20", "--master-username", "admin", "--manage-master-user-password",
			"--db-subnet-group-name", dbSubnetGroup, "--vpc-security-group-ids", `"$SG"`, "--no-publicly-accessible"))}
	return append([]Command{describe}, reference(env, "made its database itself, with the admin secret RDS would make", create)...)
}

func groupCommands(env *Env) []Command {
	bastion := `INSTANCE="$(` + awsCmd(env, "ec2", "describe-instances", "--filters", "Name=tag:Name,Values="+bastionName,
		"Name=instance-state-name,Values=running", "--query", shell.Quote("Reservations[0].Instances[0].InstanceId"), "--output", "text") + `)"`
	createGroup := func(variable, name, what string) string {
		return variable + `="$(` + awsCmd(env, "ec2", "create-security-group", "--group-name", name, "--description", shell.Quote(what),
			"--vpc-id", `"$VPC"`, "--query", "GroupId", "--output", "text") + `)"`
	}
	return []Command{
		{Tool: "aws", Note: "bastion → database: the two groups RDS makes to connect the bastion, and their rules", Text: script(
			lookupVPC(env), lookupGroup(env, "SG", "default"), bastion,
			createGroup("EC2", bastionGroup, "The bastion may reach the database"),
			createGroup("RDS", databaseGroup, "The database admits the bastion"),
			awsCmd(env, "ec2", "authorize-security-group-ingress", "--group-id", `"$RDS"`, "--protocol", "tcp", "--port", "3306", "--source-group", `"$EC2"`),
			awsCmd(env, "ec2", "authorize-security-group-egress", "--group-id", `"$EC2"`, "--ip-permissions",
				`"IpProtocol=tcp,FromPort=3306,ToPort=3306,UserIdGroupPairs=[{GroupId=$RDS}]"`),
			awsCmd(env, "ec2", "modify-instance-attribute", "--instance-id", `"$INSTANCE"`, "--groups", `"$SG"`, `"$EC2"`),
			awsCmd(env, "rds", "modify-db-instance", "--db-instance-identifier", shell.Quote(env.DBInstance), "--vpc-security-group-ids", `"$SG"`, `"$RDS"`, "--apply-immediately"))},
		{Tool: "aws", Note: "SSH from your IP address only, to the bastion", Text: script(
			lookupVPC(env), lookupGroup(env, "EC2", bastionGroup),
			awsCmd(env, "ec2", "authorize-security-group-ingress", "--group-id", `"$EC2"`, "--protocol", "tcp", "--port", "22",
				"--cidr", `"$(curl -s https://checkip.amazonaws.com)/32"`))},
		{Tool: "aws", Note: "function → database: the default group admits its own members (the function, the database, the endpoints)", Text: script(
			lookupVPC(env), lookupGroup(env, "SG", "default"),
			awsCmd(env, "ec2", "describe-security-group-rules", "--filters", `Name=group-id,Values="$SG"`,
				"--query", shell.Quote("SecurityGroupRules[?ReferencedGroupInfo].[IsEgress,IpProtocol,ReferencedGroupInfo.GroupId]"), "--output", "text"))},
	}
}

// functionCommands make the rotation function as the console's "Create a rotation
// function" does: AWS's alternating-users template from the Serverless Application
// Repository, deployed by CloudFormation in the database's subnets with the VPC's default
// security group.
func functionCommands(env *Env) []Command {
	real := onAWS(env)
	// The template's parameters, as JSON: the subnet list holds commas, which the CLI's
	// shorthand would split on.
	params := `"$(jq -cn --arg subnets "$(echo $SUBNETS | tr ' ' ,)" --arg sg "$SG" ` + shell.Quote(`[{Name:"endpoint",Value:"https://secretsmanager.`+
		env.Region+`.amazonaws.com"},{Name:"functionName",Value:"`+functionName+`"},{Name:"vpcSubnetIds",Value:$subnets},{Name:"vpcSecurityGroupIds",Value:$sg}]`) + `)"`
	return reference(env, "this function built in, registered under its Lambda ARN", Command{Tool: "aws",
		Note: "the rotation function, from AWS's template, through CloudFormation (what the console's \"Create a rotation function\" does)",
		Text: script(lookupVPC(real), lookupSubnets(real), lookupGroup(real, "SG", "default"),
			`CHANGES="$(`+awsCmd(real, "serverlessrepo", "create-cloud-formation-change-set", "--application-id", multiUserApp,
				"--stack-name", functionName, "--capabilities", "CAPABILITY_IAM", "CAPABILITY_RESOURCE_POLICY",
				"--parameter-overrides", params, "--query", "ChangeSetId", "--output", "text")+`)"`,
			awsCmd(real, "cloudformation", "wait", "change-set-create-complete", "--change-set-name", `"$CHANGES"`),
			awsCmd(real, "cloudformation", "execute-change-set", "--change-set-name", `"$CHANGES"`),
			awsCmd(real, "cloudformation", "wait", "stack-create-complete", "--stack-name", functionStack),
			awsCmd(real, "cloudformation", "describe-stacks", "--stack-name", functionStack,
				"--query", shell.Quote("Stacks[0].Outputs[?OutputKey=='RotationLambdaARN'].OutputValue"), "--output", "text"))})
}
