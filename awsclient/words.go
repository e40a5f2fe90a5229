package awsclient

import (
	"fmt"
	"strings"
)

// Every sentence a person reads from this package, in one place, so the
// tone can be reviewed together and none of them ever carries a secret.
// %s verbs take operation names, ids or profile names, never values.
const (
	whatNoRegion = "no AWS region is set"
	fixNoRegion  = "Pass --region, set AWS_REGION, or add a region line to your profile in ~/.aws/config."

	whatSSOExpired = "your AWS SSO session has expired"
	fixSSOExpired  = "Run `aws sso login%s` and try again."

	whatNoCredentials = "no AWS credentials were found"
	fixNoCredentials  = "Set AWS_PROFILE to a configured profile, run `aws configure` or `aws sso login`, or export AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY."

	whatNoProfile = "the AWS profile %q is not in your AWS configuration"
	fixNoProfile  = "Check the name with `aws configure list-profiles`, or create it with `aws configure --profile %s`."

	whatBadCredentials = "AWS did not accept your credentials"
	fixBadCredentials  = "Check the access key (`aws sts get-caller-identity`), and that this machine's clock is right."

	whatExpiredCredentials = "your temporary AWS credentials have expired"
	fixExpiredCredentials  = "Get new ones: `aws sso login`, or assume the role again."

	whatAccessDenied = "your identity is not allowed to call %s"
	fixAccessDenied  = "Ask for secretsmanager:%s on this secret (and kms:Decrypt on its key if it uses a customer key)."

	whatAccessDeniedSome = "your identity is not allowed to do this"
	fixAccessDeniedSome  = "Check the IAM policy of your user or role, and the secret's resource policy."

	whatLambdaDenied = "Secrets Manager is not allowed to invoke the rotation function"
	fixLambdaDenied  = "Let it: `aws lambda add-permission --function-name FUNCTION --statement-id SecretsManagerAccess --action lambda:InvokeFunction --principal secretsmanager.amazonaws.com`."

	whatNotFound = "there is no secret with that name or ARN in this account and region"
	fixNotFound  = "Check the name or ARN, and the region: a secret lives in one region. `aws secretsmanager list-secrets` shows what exists."

	whatNoVersion = "the secret exists but has no value for that version or staging label"
	fixNoVersion  = "See its versions and labels with `aws secretsmanager list-secret-version-ids --secret-id ID`."

	whatDeleted = "the secret is scheduled for deletion, so it cannot be read or changed"
	fixDeleted  = "Restore it with `aws secretsmanager restore-secret --secret-id ID` (possible until the deletion date)."

	whatPendingRotation = "a previous rotation did not finish: AWSPENDING is still on another version than AWSCURRENT"
	fixPendingRotation  = "Find that version with `aws secretsmanager list-secret-version-ids --secret-id ID`, remove its label with `aws secretsmanager update-secret-version-stage --secret-id ID --version-stage AWSPENDING --remove-from-version-id VERSION`, fix what made the rotation fail (the function's logs say), then rotate again."

	whatNoRotationFunction = "no rotation function is configured for this secret"
	fixNoRotationFunction  = "Pass the function's ARN the first time: `aws secretsmanager rotate-secret --secret-id ID --rotation-lambda-arn ARN`."

	whatNameScheduled = "a secret with this name is scheduled for deletion"
	fixNameScheduled  = "Restore it with `aws secretsmanager restore-secret`, or delete it for good with `--force-delete-without-recovery`, or pick another name."

	whatExists = "a secret with that name already exists"
	fixExists  = "Change its value with `aws secretsmanager put-secret-value`, or pick another name."

	whatTokenInUse = "that ClientRequestToken was already used for a different value"
	fixTokenInUse  = "Use a new token (a fresh UUID) for a new value."

	whatRejected = "Secrets Manager refused the request: %s"

	whatThrottled = "AWS is throttling the requests"
	fixThrottled  = "Wait a moment and try again; the SDK already retried a few times."

	whatUnreachable = "the Secrets Manager endpoint cannot be reached"
	fixUnreachable  = "Check the network and the endpoint URL. Inside a VPC without internet access, Secrets Manager needs a VPC interface endpoint or a NAT gateway. For the sandbox, check that `rotation-tutor sandbox` is still running."

	whatTimeout = "the request timed out or was cancelled"
	fixTimeout  = "Try again; if it keeps happening, the endpoint or the network is too slow."

	whatUnreadable = "the answer from Secrets Manager could not be read"
	fixUnreadable  = "Check that the endpoint URL points to Secrets Manager."

	whatFailed = "the request failed"
)

// AllowPlainDBConnections is the second way out when a database requires TLS
// and a client cannot use it: the aws CLI commands that set
// require_secure_transport to 0 for instance, whose DB parameter group is
// group (of family, e.g. mysql8.0 or mariadb11.8), in region. The parameter
// is dynamic, so a custom group's change applies at once. A default group
// (default.…) cannot be changed: the commands then make a custom group of the
// same family, set the parameter there, attach it, and reboot the instance,
// which a newly attached group needs. Names are as RDS returns them
// (letters, digits, hyphens, dots), which need no quoting.
func AllowPlainDBConnections(region, instance, group, family string) []string {
	set := func(g string) string {
		return fmt.Sprintf("aws rds modify-db-parameter-group --region %s --db-parameter-group-name %s "+
			"--parameters ParameterName=require_secure_transport,ParameterValue=0,ApplyMethod=immediate", region, g)
	}
	if !strings.HasPrefix(group, "default.") {
		return []string{set(group)}
	}
	custom := instance + "-plain-text-allowed"
	return []string{
		fmt.Sprintf("aws rds create-db-parameter-group --region %s --db-parameter-group-name %s "+
			"--db-parameter-group-family %s --description 'require_secure_transport off for %s'", region, custom, family, instance),
		set(custom),
		fmt.Sprintf("aws rds modify-db-instance --region %s --db-instance-identifier %s --db-parameter-group-name %s --apply-immediately",
			region, instance, custom),
		fmt.Sprintf("aws rds wait db-instance-available --region %s --db-instance-identifier %s", region, instance),
		fmt.Sprintf("aws rds reboot-db-instance --region %s --db-instance-identifier %s", region, instance),
	}
}
