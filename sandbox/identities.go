package sandbox

import (
	"maps"
	"slices"

	"rotation-tutor/sandbox/secretsmanager"
)

// LearnerARN is who the sandbox's access key stands for: the tutorial's user, an
// administrator of the account. A secret's resource policy names it to allow or deny the
// learner; lambda.RoleARN names the rotation functions.
const LearnerARN = "arn:aws:iam::" + AccountID + ":user/learner"

// accessKeys are the keys the endpoints accept: the learner's, and each rotation function's,
// which signs as its session of the functions' role.
func (id identity) accessKeys() []secretsmanager.AccessKey {
	return append([]secretsmanager.AccessKey{id.accessKey}, slices.Collect(maps.Values(id.functionKeys))...)
}

// PolicyRefusals returns the last requests that secrets' resource policies refused, oldest
// first, with the statement that refused each: what AWS's AccessDeniedException does not
// say.
func (s *Sandbox) PolicyRefusals() []secretsmanager.PolicyRefusal { return s.sm.PolicyRefusals() }
