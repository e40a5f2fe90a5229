package doctor

import "strings"

// TroubleshootURL is AWS's "Troubleshoot rotation" page; each heading below is one of its
// sections, which a finding names so that the operator can read AWS's own word on it.
const TroubleshootURL = "https://docs.aws.amazon.com/secretsmanager/latest/userguide/troubleshoot_rotation.html"

// The page's headings, as AWS words them.
const (
	HeadingFindLogs         = "I want to find the diagnostic logs for my Lambda rotation function"
	HeadingTimeout          = "Rotation fails and the CloudTrail log shows timeout"
	HeadingConfigureDenied  = `I get "access denied" when trying to configure rotation for my secret`
	HeadingFirstRotation    = "My first rotation fails after I enable rotation"
	HeadingFormat           = "Rotation fails because the secret value is not formatted as expected by the rotation function"
	HeadingNotRotating      = "Secrets Manager says I successfully configured rotation, but the password isn't rotating"
	HeadingInternalFailure  = `Rotation fails with an "Internal failure" error message`
	HeadingAccessDenied     = "CloudTrail shows access-denied errors during rotation"
	HeadingTLS              = "My database requires an SSL/TLS connection but the Lambda rotation function isn't using SSL/TLS"
	HeadingNoActivityCreds  = `No activity after "Found credentials in environment variables"`
	HeadingNoActivityCreate = `No activity after "createSecret"`
	HeadingKeyMissing       = `Error: "Key is missing from secret JSON"`
	HeadingSetSecretLogin   = `Error: "setSecret: Unable to log into database"`
)

// headingForLog is the heading a rotation function's error line belongs under, or "".
func headingForLog(msg string) string {
	switch {
	case strings.Contains(msg, "Task timed out"):
		return HeadingTimeout
	case strings.Contains(msg, "key is missing from secret JSON"):
		return HeadingKeyMissing
	case strings.Contains(msg, "does not satisfy the current policy"):
		return HeadingInternalFailure
	case strings.Contains(msg, "AccessDenied") || strings.Contains(msg, "not authorized to perform"):
		if strings.Contains(msg, "rds!") || strings.Contains(msg, "master") || strings.Contains(msg, "admin secret") {
			return HeadingFirstRotation
		}
		return HeadingAccessDenied
	case strings.Contains(msg, "Unable to log into database"):
		return HeadingSetSecretLogin
	}
	return HeadingFindLogs
}

// defaultHeading is the section a failed check belongs under when the check did not say.
func defaultHeading(hop, name string) string {
	switch {
	case hop == HopSecrets && name == "app secret":
		return HeadingFormat
	case hop == HopSecrets && name == "admin secret":
		return HeadingFirstRotation
	case hop == HopDatabase:
		return HeadingSetSecretLogin
	case hop == HopRotation:
		return HeadingFindLogs
	}
	return ""
}
