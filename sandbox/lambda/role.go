package lambda

import (
	"strings"

	smsvc "rotation-tutor/sandbox/secretsmanager"
)

// RoleName is the execution role the tutorial's functions run with, as the role AWS's
// rotation templates create.
const RoleName = "tutorial-rotation-function-role"

// RoleARN is the role's ARN: what a secret's resource policy names to allow or deny the
// rotation functions (it matches every session of the role).
func RoleARN() string { return "arn:aws:iam::" + AccountID + ":role/" + RoleName }

// SessionARN is who the function name appears as to Secrets Manager: a session of the role
// named after the function, as Lambda names it.
func SessionARN(name string) string {
	return "arn:aws:sts::" + AccountID + ":assumed-role/" + RoleName + "/" + name
}

// FunctionKeyID is the id of the access key the function name signs its requests with.
func FunctionKeyID(name string) string {
	return "ASIA" + strings.ToUpper(strings.ReplaceAll(name, "-", ""))
}

// FunctionKeys are the tutorial's functions' access keys, by function name: each signs as
// its session of the role (SessionARN), as Lambda runs a function with its execution role,
// so a secret's policy sees that principal. secret gives each function's secret key; the
// endpoints must accept these keys beside the learner's.
func FunctionKeys(secret func(name string) string) map[string]smsvc.AccessKey {
	keys := map[string]smsvc.AccessKey{}
	for _, name := range []string{AlternatingName, SingleUserName} {
		keys[name] = smsvc.AccessKey{ID: FunctionKeyID(name), Secret: secret(name), Principal: SessionARN(name)}
	}
	return keys
}
