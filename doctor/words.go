package doctor

import (
	"fmt"
	"strconv"
	"strings"

	"rotation-tutor/dbclient"
	"rotation-tutor/internal/iampolicy"
	"rotation-tutor/internal/shell"
)

// Every fix the doctor prints is here, so their tone can be reviewed in one
// place. A fix says what to do, with the command when there is one; it never
// contains a secret value.

const (
	fixNoClient = "The app built no Secrets Manager client: this is a bug in the caller, please report it."

	fixNoRegion = "Set a region: --region, AWS_REGION, or `aws configure set region eu-west-1` " +
		"(for a profile: `aws configure set region eu-west-1 --profile NAME`)."

	fixNoCredentials = "Give the app credentials the usual way: AWS_PROFILE=NAME (after `aws sso login --profile NAME` " +
		"for SSO), AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, or an instance role. Check with `aws sts get-caller-identity`."

	fixExpired = "Refresh the credentials: `aws sso login --profile NAME` for SSO, or get a new session token."

	fixCredentialsRejected = "AWS rejected the credentials: they are wrong, expired, or for another partition. " +
		"Check with `aws sts get-caller-identity`; for SSO run `aws sso login`."

	fixSecretsUnreachable = "Check the endpoint and the network path to it: with --endpoint-url, that the URL is right and " +
		"(for a VPC endpoint) its security group allows 443 from here; without it, that this machine reaches " +
		"secretsmanager.REGION.amazonaws.com (proxy, VPN, firewall)."

	fixNoSecretName = "Name the app secret with --secret-name (the walkthrough's step 5 creates SecretsManagerTutorialAppuser)."

	fixUserTooLong = "Use a shorter user name: the alternating strategy creates a second user named NAME_clone, " +
		"and MySQL allows 32 characters (AWS's template allows only 16 unless USERNAME_CHARACTER_LIMIT=32)."

	fixFunctionARN = "Give the rotation function's full ARN: arn:aws:lambda:REGION:ACCOUNT:function:NAME."

	fixBastionRefused = "Nothing is listening at the bastion's address: check the host and port (--bastion user@host:port) " +
		"and that sshd runs there."

	fixBastionTimeout = "The bastion does not answer: check its security group (or NACL) allows port 22 from your IP, " +
		"its public IP or DNS name, and your VPN."

	fixBastionSilent = "Nothing answered on the connection: a security group or network ACL in between drops the traffic " +
		"(check that the bastion's security group allows port 22 from your address, and the subnet's network ACL), " +
		"or the port is not an SSH server's."

	fixBastionDNS = "The bastion's name does not resolve from here: check the spelling, or use its public IP."

	fixNotSSH = "Something answered but did not speak SSH: check the port is the bastion's SSH port, not the database's, " +
		"and that no proxy or firewall sits in between."

	fixAuthRejected = "The bastion rejected the key: check the user name (ec2-user on Amazon Linux, ubuntu on Ubuntu) and " +
		"that the key's public half is in that user's ~/.ssh/authorized_keys. The server does not say which of the two is wrong."

	fixPassphrase = "The key is passphrase-protected: give the passphrase, or load the key into ssh-agent (`ssh-add FILE`) " +
		"and use the agent."

	fixNoKey = "Give a private key (--key FILE) or start ssh-agent with the key loaded (`ssh-add FILE`; SSH_AUTH_SOCK set)."

	fixForwardProhibited = "The bastion does not allow forwarding to the database: ask its administrator to allow it " +
		"(sshd_config: AllowTcpForwarding yes, and PermitOpen listing the database's host:port)."

	fixForwardRefused = "The bastion reached the database host but nothing listens on that port: check the RDS endpoint " +
		"and port (--db-host, or the secret's host), and that the instance is available."

	fixForwardDNS = "The bastion cannot resolve the database host: check the endpoint's spelling and the VPC's DNS settings."

	fixForwardTimeout = "The bastion cannot reach the database: check that the RDS security group allows 3306 " +
		"from the bastion's security group, and the subnets' routes."

	fixNoDBHost = "Name the database host: --db-host, or the app secret's host key."

	fixCloneGrants = "Give both users the same privileges: alternating rotation copies grants only when it creates the " +
		"clone, so a privilege added later must be granted to both users."
)

func fixSecretNotFound(name string) string {
	return fmt.Sprintf("Check the name and the region (`aws secretsmanager list-secrets --query 'SecretList[].Name'`); "+
		"the walkthrough's step 5 creates the app secret. Looked for: %s.", name)
}

func fixAccessDenied(op, resource string) string {
	return fmt.Sprintf("Grant the caller secretsmanager:%s on %s (and kms:Decrypt on its key, for a customer-managed key). "+
		"The rotation function's role needs the same on the admin secret: AWS cannot grant that for you.", op, resource)
}

func fixDecrypt(resource string) string {
	return fmt.Sprintf("Secrets Manager could not decrypt %s with its KMS key: grant kms:Decrypt on that key to the caller "+
		"(and to the rotation function's role).", resource)
}

func fixRestore(name string) string {
	return fmt.Sprintf("The secret is scheduled for deletion; restore it: `aws secretsmanager restore-secret --secret-id %s`.", name)
}

func fixAWSGeneric(op string) string {
	return fmt.Sprintf("AWS refused %s; the message above says why. `aws secretsmanager help` lists the permissions each call needs.", op)
}

func fixSecretShape(name string) string {
	return fmt.Sprintf("Store the value as a JSON object with engine, host, port, username, password, dbname and (for "+
		"alternating users) masterarn: `aws secretsmanager put-secret-value --secret-id %s --secret-string file://secret.json`.", name)
}

func fixAdminShape(arn string) string {
	return fmt.Sprintf("The admin secret must be JSON with username and password. For an RDS-managed secret (rds!db-…), "+
		"let RDS repair it: `aws rds modify-db-instance --db-instance-identifier ID --manage-master-user-password`. "+
		"Secret: %s.", shortARN(arn))
}

// whyKeys explains, for the keys that are missing, what reads them.
func whyKeys(missing []string) string {
	for _, k := range missing {
		if k == "masterarn" {
			return "; the alternating-users function reads masterarn to log in as the admin and create the clone " +
				"(CloudFormation's MasterSecretArn does not add it)"
		}
	}
	return "; AWS's MySQL rotation function fails with \"<key> key is missing from secret JSON\""
}

func fixMissingKeys(name string, missing []string, adminARN string) string {
	add := make([]string, 0, len(missing))
	for _, k := range missing {
		v := strings.ToUpper(k)
		switch k {
		case "engine":
			v = "mysql"
		case "masterarn":
			v = "ADMIN_SECRET_ARN"
			if adminARN != "" {
				v = adminARN
			}
		}
		add = append(add, fmt.Sprintf("%q: %q", k, v))
	}
	return fmt.Sprintf("Add the missing keys and store a new version: `aws secretsmanager get-secret-value --secret-id %s "+
		"--query SecretString --output text | jq '. + {%s}' > s.json && aws secretsmanager put-secret-value --secret-id %s "+
		"--secret-string file://s.json; rm s.json`.", name, strings.Join(add, ", "), name)
}

func fixEngine(name string) string {
	return fmt.Sprintf("Set \"engine\": \"mysql\" in %s's value (older templates reject aurora-mysql too); "+
		"put-secret-value stores the corrected JSON.", name)
}

func fixEnableRotation(name, fn string) string {
	if fn == "" {
		fn = "FUNCTION_ARN"
	}
	return fmt.Sprintf("Turn rotation on: `aws secretsmanager rotate-secret --secret-id %s --rotation-lambda-arn %s "+
		"--rotation-rules '{\"ScheduleExpression\":\"rate(2 days)\",\"Duration\":\"2h\"}'`.", name, fn)
}

func fixStuck(name, pendingVersion, fn string) string {
	logs := "the rotation function's log"
	if fn != "" {
		logs = fmt.Sprintf("`aws logs tail /aws/lambda/%s --since 1d`", lambdaName(fn))
	}
	return fmt.Sprintf("First find why it failed in %s; the usual cause is a function that cannot reach Secrets Manager "+
		"or the database. Then clear the half-done rotation: `aws secretsmanager update-secret-version-stage --secret-id %s "+
		"--version-stage AWSPENDING --remove-from-version-id %s` (or `aws secretsmanager cancel-rotate-secret --secret-id %s`, "+
		"which also turns automatic rotation off), and rotate again: `aws secretsmanager rotate-secret --secret-id %s`.",
		logs, name, pendingVersion, name, name)
}

func fixStale(name, pendingVersion string) string {
	return fmt.Sprintf("Take the label off: `aws secretsmanager update-secret-version-stage --secret-id %s --version-stage AWSPENDING "+
		"--remove-from-version-id %s`. Rotations then start again.", name, pendingVersion)
}

func fixOverdue(name, fn string) string {
	logs := "the rotation function's log"
	if fn != "" {
		logs = fmt.Sprintf("`aws logs tail /aws/lambda/%s --since 2d`", lambdaName(fn))
	}
	return fmt.Sprintf("Look for the failed attempts in %s, fix the cause, then retry now: "+
		"`aws secretsmanager rotate-secret --secret-id %s`.", logs, name)
}

func fixFunctionRegion(region string) string {
	return fmt.Sprintf("Deploy the rotation function in %s (from the Serverless Application Repository: "+
		"SecretsManagerRDSMySQLRotationMultiUser) and configure rotation with its ARN.", region)
}

func fixFunctionNetwork(fn string) string {
	return fmt.Sprintf("Check that %s can reach both ends: a Lambda in a VPC needs a Secrets Manager VPC endpoint (or a NAT) "+
		"and the SECRETS_MANAGER_ENDPOINT variable, and the RDS security group must allow 3306 from the function's security "+
		"group. Its role needs GetSecretValue on the admin secret. `aws logs tail /aws/lambda/%s --since 1d` shows which step failed.",
		fn, fn)
}

func fixHostKeyChanged(file string, line int, host string) string {
	return fmt.Sprintf("If the bastion was rebuilt, remove the old key (%s:%d) and trust the new one after checking its "+
		"fingerprint with the bastion's administrator: `ssh-keygen -R '%s' -f %s`. If it was not rebuilt, stop: "+
		"someone may be intercepting the connection.", file, line, host, file)
}

func fixHostKeyUnknown(file, host, port string) string {
	return fmt.Sprintf("Compare the fingerprint with the bastion's own (on the bastion: `ssh-keygen -lf "+
		"/etc/ssh/ssh_host_ed25519_key.pub`), then trust it: answer yes in the walkthrough, or "+
		"`ssh-keyscan -p %s %s >> %s`.", port, host, file)
}

func fixDBLogin(user, secret string, admin bool) string {
	if admin {
		return fmt.Sprintf("The admin secret's password does not match the database's: if RDS manages it (rds!db-…), "+
			"check the secret's status with `aws rds describe-db-instances --query 'DBInstances[].MasterUserSecret'`; "+
			"otherwise reset it with `aws rds modify-db-instance --db-instance-identifier ID --master-user-password …` "+
			"and store the same in %s.", secret)
	}
	return fmt.Sprintf("The database rejected %s with the password in %s (AWSCURRENT). If a rotation failed between "+
		"setSecret and finishSecret the two disagree: see the rotation checks below. The host part MySQL sees is the "+
		"bastion's address, so a user created only for 'localhost' does not match: create it for '%%'.", user, secret)
}

// fixTLSRequired is both ways out of a plain-text login a database refuses because it
// requires TLS: the secret's ssl key, verified with bundle (the one the check used; "" for
// RDS's, to download); or allowPlain, the commands that let plain text in again ("the
// parameter group" in words when RDS could not be asked which).
func fixTLSRequired(secret, bundle string, allowPlain []string) string {
	withTLS := fmt.Sprintf("Log in with TLS: %s says \"ssl\": false; remove the key (AWS's template then tries TLS first) "+
		"or set it to true, ", secret)
	if bundle != "" {
		withTLS += "and verify the certificate with " + bundle + " (mysql: --ssl-ca " + shell.Quote(bundle) + ")."
	} else {
		withTLS += "and verify the certificate with RDS's CA bundle (`curl -O " + dbclient.RDSBundleURL +
			"`, then --db-ca-bundle global-bundle.pem; mysql: --ssl-ca global-bundle.pem)."
	}
	if len(allowPlain) == 0 {
		return withTLS + dbclient.FixTLSRequiredServer
	}
	quoted := make([]string, len(allowPlain))
	for i, c := range allowPlain {
		quoted[i] = "`" + c + "`"
	}
	return withTLS + " Or let plain text in again: set require_secure_transport to 0 in the instance's DB parameter " +
		"group (dynamic: no reboot unless the group is a default one, which cannot be changed): " + strings.Join(quoted, " then ") + "."
}

func fixCloneMissing(clone, base string) string {
	return fmt.Sprintf("The last rotation should have created %s: rotate again (setSecret creates it, copying %s's grants), "+
		"or create it yourself with the same grants as %s.", clone, base, base)
}

const fixAWSGenericDB = "The admin could log in but not read the user tables: it needs SELECT on mysql.user " +
	"(RDS's master user has it)."

func fixTimeout(fn string) string {
	return fmt.Sprintf("Give the function time for a database login that has to wait (AWS's templates use 30 s): "+
		"`aws lambda update-function-configuration --function-name %s --timeout 30`.", fn)
}

// fixEnvironment sets the variables AWS's template reads back to what works, keeping the others.
func fixEnvironment(fn string, env map[string]string, region, endpoint string) string {
	vars := map[string]string{}
	for k, v := range env {
		vars[k] = v
	}
	if vars["SECRETS_MANAGER_ENDPOINT"] == "" {
		vars["SECRETS_MANAGER_ENDPOINT"] = endpoint
		if !strings.Contains(endpoint, "://") {
			vars["SECRETS_MANAGER_ENDPOINT"] = "https://" + endpoint
		}
	}
	vars["EXCLUDE_CHARACTERS"] = defaultExclude + strings.Trim(vars["EXCLUDE_CHARACTERS"], defaultExclude)
	if n, err := strconv.Atoi(vars["PASSWORD_LENGTH"]); vars["PASSWORD_LENGTH"] != "" && (err != nil || n < 8 || n > 4096) {
		vars["PASSWORD_LENGTH"] = "32"
	}
	return fmt.Sprintf("Set the variables AWS's template reads (SECRETS_MANAGER_ENDPOINT; EXCLUDE_CHARACTERS with at least %s, which "+
		"break connection strings and many engines' rules; PASSWORD_LENGTH 8-4096), keeping the others: "+
		"`aws lambda update-function-configuration --region %s --function-name %s --environment %s`.",
		defaultExclude, region, fn, quoteJSON(map[string]any{"Variables": vars}))
}

func fixSecretsEndpoint(region, vpc, service string, subnets []string) string {
	return fmt.Sprintf("Give the VPC an interface endpoint for Secrets Manager, with private DNS so that the function's calls go to it "+
		"(a default route through a NAT gateway in each of the function's subnets would do too): `aws ec2 create-vpc-endpoint --region %s --vpc-id %s --vpc-endpoint-type Interface "+
		"--service-name %s --subnet-ids %s --private-dns-enabled`. Its security group must let the function in on 443.",
		region, vpc, service, strings.Join(subnets, " "))
}

func fixIngress(region, group string, port int, from string) string {
	return fmt.Sprintf("Let the function's security group in: `aws ec2 authorize-security-group-ingress --region %s --group-id %s "+
		"--protocol tcp --port %d --source-group %s`.", region, group, port, from)
}

func fixRolePolicy(role, secret string, admin bool) string {
	if admin {
		doc := map[string]any{"Version": "2012-10-17", "Statement": []any{map[string]any{
			"Sid": "AllowAccessToMasterSecret", "Effect": "Allow",
			"Action":   []string{"secretsmanager:GetSecretValue", "secretsmanager:DescribeSecret"},
			"Resource": secret}}}
		return fmt.Sprintf("AWS cannot grant this itself: let the role read the admin secret: "+
			"`aws iam put-role-policy --role-name %s --policy-name AllowAccessToMasterSecret --policy-document %s`.", role, quoteJSON(doc))
	}
	doc := map[string]any{"Version": "2012-10-17", "Statement": []any{map[string]any{
		"Sid": "AllowRotationCalls", "Effect": "Allow",
		"Action": []string{"secretsmanager:DescribeSecret", "secretsmanager:GetSecretValue", "secretsmanager:PutSecretValue",
			"secretsmanager:UpdateSecretVersionStage"},
		"Resource": secret}}}
	return fmt.Sprintf("Let the role make the rotation's calls on the secret: "+
		"`aws iam put-role-policy --role-name %s --policy-name AllowRotationCalls --policy-document %s`.", role, quoteJSON(doc))
}

func fixResourcePolicyDeny(secret string, st *iampolicy.Statement) string {
	return fmt.Sprintf("A Deny in a secret's policy wins over every Allow. Look at it with "+
		"`aws secretsmanager get-resource-policy --secret-id %s`, and take out %s (put the rest back with put-resource-policy), "+
		"or remove the whole policy: `aws secretsmanager delete-resource-policy --secret-id %s`.",
		shell.Quote(secret), statementName(st), shell.Quote(secret))
}

func fixInvokePermission(fn string) string {
	return fmt.Sprintf("Let Secrets Manager invoke the function: `aws lambda add-permission --function-name %s "+
		"--principal secretsmanager.amazonaws.com --action lambda:InvokeFunction --statement-id SecretsManagerAccess`.", fn)
}
