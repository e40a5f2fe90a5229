package steps

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/rds"
	sm "github.com/aws/aws-sdk-go-v2/service/secretsmanager"

	"rotation-tutor/dbclient"
	"rotation-tutor/internal/shell"
	"rotation-tutor/rotation"
)

// The clean-up removes, in an order that works, what the tutorial and its prerequisites
// made. It deletes the secrets (with the shortest recovery window) and the users itself;
// the older tutorial's DB instance too, as that tutorial does (in a real account once the
// learner confirms). The current tutorial's instance and prerequisites are commands: the
// instance may be an operator's, and in the sandbox `u` can still bring the users back. In
// the sandbox, its RDS answers the instance's deletion for real; a command it has nothing
// to answer with says what it would do.

func cleanUpStep() Step {
	return Step{ID: CleanUp, Title: titleCleanUp, Action: actionCleanUp, explain: explainCleanUp,
		commands: cleanUpCommands, run: runCleanUp, look: lookCleanUp}
}

// deletesInstance says whether the clean-up deletes the tutorial's DB instance itself.
func (s *Session) deletesInstance() bool { return s.Choices().Flavour == FlavourClassic }

// tutorialSecrets are the secrets the tutorial made, the app secret first.
func (s *Session) tutorialSecrets(env *Env) []string {
	if t := s.tut(); t.MasterSecret != "" {
		return []string{env.SecretName, t.MasterSecret}
	}
	return []string{env.SecretName}
}

func cleanUpCommands(s *Session) []Command {
	env := s.Env()
	if env == nil {
		return nil
	}
	t := s.tut()
	var cmds []Command
	for _, name := range s.tutorialSecrets(env) {
		cmds = append(cmds, Command{Tool: "aws", Note: "schedule " + name + "'s deletion, with the shortest recovery window",
			Text: awsCmd(env, "secretsmanager", "delete-secret", "--secret-id", shell.Quote(name), "--recovery-window-in-days", fmt.Sprint(RecoveryDays))})
	}
	deleteDB := Command{Tool: "aws", Note: "the DB instance, with no final snapshot" + managedNote(t),
		Text: awsCmd(env, "rds", "delete-db-instance", "--db-instance-identifier", shell.Quote(env.DBInstance), "--skip-final-snapshot", "--delete-automated-backups")}
	restore := Command{Tool: "aws", Note: "changed your mind within the window", Text: awsCmd(env, "secretsmanager", "restore-secret", "--secret-id", shell.Quote(env.SecretName))}
	if t.Flavour == FlavourClassic {
		return append(cmds, deleteDB, restore)
	}
	var drops []string
	for _, u := range t.Users() {
		drops = append(drops, "DROP USER IF EXISTS "+sqlUser(u)+";")
	}
	cmds = append(cmds, Command{Tool: "mysql", Note: "as " + t.MasterUser + ": drop both users", Text: mysqlAs(env, adminSecretName(env), "", shell.Quote(strings.Join(drops, " ")))})
	real := onAWS(env)
	sandbox := func(say string, c ...Command) []Command {
		if env.Kind == KindSandbox {
			for i := range c {
				c[i].Reference = "for reference: " + say
			}
		}
		return c
	}
	cmds = append(cmds, sandbox(saySandboxFunction, Command{Tool: "aws", Note: "the rotation function, its role and permission: the stack that made them",
		Text: script(awsCmd(real, "cloudformation", "delete-stack", "--stack-name", functionStack),
			awsCmd(real, "cloudformation", "wait", "stack-delete-complete", "--stack-name", functionStack))})...)
	cmds = append(cmds, deleteDB)
	cmds = append(cmds, sandbox(saySandboxBastion, Command{Tool: "aws", Note: "the bastion", Text: script(
		`INSTANCE="$(`+awsCmd(real, "ec2", "describe-instances", "--filters", "Name=tag:Name,Values="+bastionName, "Name=instance-state-name,Values=running,stopped",
			"--query", shell.Quote("Reservations[0].Instances[0].InstanceId"), "--output", "text")+`)"`,
		awsCmd(real, "ec2", "terminate-instances", "--instance-ids", `"$INSTANCE"`),
		awsCmd(real, "ec2", "wait", "instance-terminated", "--instance-ids", `"$INSTANCE"`))})...)
	cmds = append(cmds, sandbox(saySandboxKey, Command{Tool: "aws", Note: "the key pair, and its private key here", Text: script(
		awsCmd(real, "ec2", "delete-key-pair", "--key-name", keyPairName), "rm -f "+keyPairName+".pem")})...)
	cmds = append(cmds, sandbox(saySandboxGroups, Command{Tool: "aws", Note: "the groups that let the bastion reach the database (once both are gone)", Text: script(
		lookupVPC(real), lookupGroup(real, "EC2", bastionGroup), lookupGroup(real, "RDS", databaseGroup),
		awsCmd(real, "ec2", "revoke-security-group-egress", "--group-id", `"$EC2"`, "--ip-permissions", `"IpProtocol=tcp,FromPort=3306,ToPort=3306,UserIdGroupPairs=[{GroupId=$RDS}]"`),
		awsCmd(real, "ec2", "delete-security-group", "--group-id", `"$RDS"`),
		awsCmd(real, "ec2", "delete-security-group", "--group-id", `"$EC2"`))})...)
	cmds = append(cmds, sandbox(saySandboxEndpoints, Command{Tool: "aws", Note: "the two VPC endpoints", Text: script(
		lookupVPC(real),
		`ENDPOINTS="$(`+awsCmd(real, "ec2", "describe-vpc-endpoints", "--filters", `Name=vpc-id,Values="$VPC"`, "--query", shell.Quote("VpcEndpoints[].VpcEndpointId"), "--output", "text")+`)"`,
		awsCmd(real, "ec2", "delete-vpc-endpoints", "--vpc-endpoint-ids", "$ENDPOINTS"))})...)
	cmds = append(cmds, sandbox(saySandboxVPC, Command{Tool: "aws", Note: "the VPC, last: the database's subnet group, its gateway, subnets and route table first", Text: script(
		awsCmd(real, "rds", "wait", "db-instance-deleted", "--db-instance-identifier", shell.Quote(env.DBInstance)),
		awsCmd(real, "rds", "delete-db-subnet-group", "--db-subnet-group-name", dbSubnetGroup),
		lookupVPC(real),
		`IGW="$(`+awsCmd(real, "ec2", "describe-internet-gateways", "--filters", `Name=attachment.vpc-id,Values="$VPC"`, "--query", shell.Quote("InternetGateways[0].InternetGatewayId"), "--output", "text")+`)"`,
		awsCmd(real, "ec2", "detach-internet-gateway", "--internet-gateway-id", `"$IGW"`, "--vpc-id", `"$VPC"`),
		awsCmd(real, "ec2", "delete-internet-gateway", "--internet-gateway-id", `"$IGW"`),
		`for SUBNET in $(`+awsCmd(real, "ec2", "describe-subnets", "--filters", `Name=vpc-id,Values="$VPC"`, "--query", shell.Quote("Subnets[].SubnetId"), "--output", "text")+`); do `+
			awsCmd(real, "ec2", "delete-subnet", "--subnet-id", `"$SUBNET"`)+`; done`,
		`for RT in $(`+awsCmd(real, "ec2", "describe-route-tables", "--filters", `Name=vpc-id,Values="$VPC"`, "--query", shell.Quote("RouteTables[?!Associations[?Main]].RouteTableId"), "--output", "text")+`); do `+
			awsCmd(real, "ec2", "delete-route-table", "--route-table-id", `"$RT"`)+`; done`,
		awsCmd(real, "ec2", "delete-vpc", "--vpc-id", `"$VPC"`))})...)
	return append(cmds, restore)
}

func managedNote(t Tutorial) string {
	if t.MasterSecret == "" {
		return "; RDS deletes the admin secret it manages with it"
	}
	return ""
}

func runCleanUp(ctx context.Context, s *Session) (Result, error) {
	env, err := s.requireEnv()
	if err != nil {
		return Result{}, err
	}
	t := s.tut()
	for _, name := range s.tutorialSecrets(env) {
		d, err := describeSecret(ctx, env, name)
		if err != nil {
			return Result{}, err
		}
		if d != nil && d.DeletedDate == nil {
			if _, err := env.Secrets.DeleteSecret(ctx, &sm.DeleteSecretInput{SecretId: aws.String(name), RecoveryWindowInDays: aws.Int64(RecoveryDays)}); err != nil {
				return Result{}, fail("schedule the deletion of "+name, err)
			}
		}
	}
	s.StopProbe()
	status, err := instanceStatus(ctx, env)
	if err != nil {
		return Result{}, err
	}
	var sqlRun []string
	if t.MasterSecret == "" && status != "gone" && status != "deleting" {
		_, db, err := s.requireAdmin(ctx)
		if err != nil {
			return Result{}, err
		}
		for _, u := range t.Users() {
			if err := dbclient.DropUser(ctx, db, u); err != nil {
				return Result{}, fail("drop the user "+u, err)
			}
			sqlRun = append(sqlRun, "DROP USER IF EXISTS "+sqlUser(u)+";")
		}
	}
	if s.deletesInstance() && status != "gone" && status != "deleting" {
		del, ok := env.RDS.(instanceDeleter)
		if !ok {
			return Result{}, fail("delete the DB instance "+env.DBInstance, errors.New("this world's RDS client cannot delete instances"))
		}
		if _, err := del.DeleteDBInstance(ctx, &rds.DeleteDBInstanceInput{DBInstanceIdentifier: aws.String(env.DBInstance),
			SkipFinalSnapshot: aws.Bool(true), DeleteAutomatedBackups: aws.Bool(true)}); err != nil {
			return Result{}, fail("delete the DB instance "+env.DBInstance, err)
		}
		s.conn.close() // its sessions went with it
	}
	r, err := lookCleanUp(ctx, s)
	r.SQL = sqlRun
	return r, err
}

func lookCleanUp(ctx context.Context, s *Session) (Result, error) {
	env, err := s.requireEnv()
	if err != nil {
		return Result{}, err
	}
	t := s.tut()
	status, err := instanceStatus(ctx, env)
	if err != nil {
		return Result{}, err
	}
	instanceGone := status == "gone" || status == "deleting"
	gone := !s.deletesInstance() || instanceGone
	var users []Fact
	switch {
	case instanceGone:
		users = append(users, Fact{Label: "Users", Value: strings.Join(t.Users(), " and ") + " went with the instance"})
	case t.MasterSecret == "":
		_, db, err := s.requireAdmin(ctx)
		if err != nil {
			return Result{}, err
		}
		var left []string
		for _, u := range t.Users() {
			ok, err := dbclient.UserExists(ctx, db, u)
			if err != nil {
				return Result{}, fail("look for "+u+" in mysql.user", err)
			}
			if ok {
				left = append(left, u)
			}
		}
		if len(left) == 0 {
			users = append(users, Fact{Label: "Users", Value: strings.Join(t.Users(), " and ") + " do not exist"})
		} else {
			gone = false
			users = append(users, Fact{Label: "Users", Value: strings.Join(left, " and ") + " still exist"})
		}
	}
	var facts []Fact
	for _, name := range s.tutorialSecrets(env) {
		d, err := describeSecret(ctx, env, name)
		if err != nil {
			return Result{}, err
		}
		switch {
		case d == nil:
			facts = append(facts, Fact{Label: "Secret", Value: name + " does not exist"})
		case d.DeletedDate != nil:
			facts = append(facts, Fact{Label: "Secret", Value: name + " is scheduled for deletion on " + localTime(*d.DeletedDate) + "; until then restore-secret brings it back"})
		default:
			gone = false
			facts = append(facts, Fact{Label: "Secret", Value: name + " is live"})
		}
	}
	instance := instanceFact(env, status)
	if !s.deletesInstance() && status == "available" {
		instance.Value += "; the command below deletes it" + managedNote(t)
	}
	facts = append(append(facts, users...), instance)
	facts = append(facts, leftFacts(env, t)...)
	r := Result{Holds: gone, Facts: facts, Summary: "not cleaned up: see what is still there"}
	if gone {
		r.Summary = "cleaned up: the secret is deleted or scheduled for deletion, and both users are dropped"
		if t.MasterSecret != "" {
			r.Summary = "cleaned up: both secrets are scheduled for deletion, and " + env.DBInstance + " is deleted"
		}
	}
	return r, nil
}

// instanceFact says what RDS shows of the tutorial's instance.
func instanceFact(env *Env, status string) Fact {
	v := env.DBInstance + " is " + status
	switch status {
	case "gone":
		v = env.DBInstance + " is deleted (RDS no longer knows it)"
		if env.Kind == KindSandbox {
			v += "; the sandbox makes it again, empty, when it next starts"
		}
	case "deleting":
		v = env.DBInstance + " is being deleted"
	case "":
		v = env.DBInstance + ": RDS cannot be asked from here"
	}
	return Fact{Label: "DB instance", Value: v}
}

// leftFacts say what the clean-up leaves, and why.
func leftFacts(env *Env, t Tutorial) []Fact {
	switch {
	case env.Kind == KindSandbox && t.MasterSecret == "":
		return []Fact{{Label: "Sandbox", Value: sayStandInsStay}}
	case t.MasterSecret == "":
		return []Fact{{Label: "Not removed", Value: "the database, the bastion, the rotation function's stack, the endpoints and the VPC: the commands below, in order"}}
	case env.Kind == KindSandbox:
		return []Fact{{Label: "Sandbox", Value: "stops when you quit"}}
	}
	return nil
}

// RestoreSecret cancels the scheduled deletion of the tutorial's secrets and, when the
// database is still there, brings back the users the app secret's AWSCURRENT and
// AWSPREVIOUS versions name, with their passwords and the tutorial's grant, so that what
// logged in before the clean-up logs in again. What it could not restore it says, with
// what would.
func (s *Session) RestoreSecret(ctx context.Context) (Result, error) {
	env, err := s.requireEnv()
	if err != nil {
		return Result{}, err
	}
	start := time.Now()
	for _, name := range slices.Backward(s.tutorialSecrets(env)) {
		if d, err := describeSecret(ctx, env, name); err != nil {
			return Result{}, err
		} else if d == nil {
			return Result{}, failFix("restore "+name, "The secret is gone for good: store it again (its step).", errors.New("it does not exist"))
		} else if d.DeletedDate != nil {
			if _, err := env.Secrets.RestoreSecret(ctx, &sm.RestoreSecretInput{SecretId: aws.String(name)}); err != nil {
				return Result{}, fail("restore "+name, err)
			}
		}
	}
	r := Result{Holds: true, At: start}
	if status, err := instanceStatus(ctx, env); err != nil {
		return Result{}, err
	} else if status == "gone" || status == "deleting" {
		r.Summary = strings.Join(s.tutorialSecrets(env), " and ") + " restored; the users went with the DB instance"
		r.Facts = append(r.Facts, instanceFact(env, status))
		r.Took = time.Since(start)
		return r, nil
	}
	_, db, err := s.requireAdmin(ctx)
	if err != nil {
		return Result{}, err
	}
	vs, err := appVersions(ctx, env)
	if err != nil {
		return Result{}, err
	}
	var back []string
	for _, stage := range []string{rotation.StageCurrent, rotation.StagePrevious} {
		v, ok := vs[stage]
		if !ok || v.Username == "" || slices.Contains(back, v.Username) {
			continue
		}
		if err := s.restoreUser(ctx, env, db, v); err != nil {
			r.Holds = false
			p := Explain(err)
			r.Facts = append(r.Facts, Fact{Label: "Not restored", Value: v.Username + " (" + stage + "): " + p.Why},
				Fact{Label: "By hand", Value: "run the store-secret step again: it gives " + v.Username + " the password in AWSCURRENT"})
			continue
		}
		back = append(back, v.Username)
		r.SQL = append(r.SQL, "CREATE USER IF NOT EXISTS "+sqlUser(v.Username)+" IDENTIFIED BY '"+masked+"';", s.tut().grantSQL(env, v.Username))
	}
	r.Summary = env.SecretName + " restored; " + strings.Join(back, " and ") + " log in again with the passwords it holds"
	if len(back) == 0 {
		r.Summary = env.SecretName + " restored; no user could be brought back"
	}
	r.Took = time.Since(start)
	return r, nil
}

// restoreUser makes v's user log in with v's password, creating it with the
// tutorial's grant if it is gone.
func (s *Session) restoreUser(ctx context.Context, env *Env, db dbclient.Queryer, v rotation.Secret) error {
	if s.loginAs(ctx, env, v.Username, v.Password) == nil {
		return nil
	}
	exists, err := dbclient.UserExists(ctx, db, v.Username)
	if err != nil {
		return fail("look for "+v.Username, err)
	}
	if exists {
		err = dbclient.SetPassword(ctx, db, v.Username, v.Password)
	} else {
		err = dbclient.CreateUser(ctx, db, v.Username, v.Password)
	}
	if err != nil {
		return fail("bring back "+v.Username, err)
	}
	if err := s.tut().grant(ctx, db, env, v.Username); err != nil {
		return fail("grant SELECT to "+v.Username, err)
	}
	return nil
}
