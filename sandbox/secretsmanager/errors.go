package secretsmanager

import (
	"fmt"
	"net/http"
)

// apiError is an error the endpoint answers with: AWS's error type name, the
// HTTP status and a message that says what was wrong. Messages never contain
// a secret value.
type apiError struct {
	Type    string
	Status  int
	Message string
}

func (e *apiError) Error() string { return e.Type + ": " + e.Message }

func errorf(typ string, format string, args ...any) *apiError {
	return &apiError{Type: typ, Status: http.StatusBadRequest, Message: fmt.Sprintf(format, args...)}
}

// Error type names, as AWS spells them.
const (
	typeResourceNotFound   = "ResourceNotFoundException"
	typeInvalidRequest     = "InvalidRequestException"
	typeInvalidParameter   = "InvalidParameterException"
	typeResourceExists     = "ResourceExistsException"
	typeLimitExceeded      = "LimitExceededException"
	typeInternal           = "InternalServiceError"
	typeValidation         = "ValidationException"
	typeAccessDenied       = "AccessDeniedException"
	typeMalformedPolicy    = "MalformedPolicyDocumentException"
	typePublicPolicy       = "PublicPolicyException"
	typeInvalidNextToken   = "InvalidNextTokenException"
	typeSerialization      = "SerializationException"
	typeUnknownOperation   = "UnknownOperationException"
	typeMissingAuth        = "MissingAuthenticationTokenException"
	typeIncompleteSig      = "IncompleteSignatureException"
	typeUnrecognizedClient = "UnrecognizedClientException"
	typeInvalidSignature   = "InvalidSignatureException"
	typeEntityTooLarge     = "RequestEntityTooLargeException"
	typeMethodNotAllowed   = "MethodNotAllowedException"
)

// Messages recorded from AWS (see research/rotation-and-api.md §3.2); the
// ones AWS was not observed to send follow the same tone.
const (
	msgSecretNotFound       = "Secrets Manager can't find the specified secret."
	msgMarkedForDeletion    = "You can't perform this operation on the secret because it was marked for deletion."
	msgAlreadyScheduled     = "You can't perform this operation on the secret because it was already scheduled for deletion."
	msgNameScheduled        = "You can't create this secret because a secret with this name is already scheduled for deletion."
	msgSecretExists         = "The operation failed because the secret %s already exists."
	msgTokenInUse           = "You can't use ClientRequestToken %s because that value is already in use for a version of secret %s."
	msgNoLambda             = "No Lambda rotation function ARN is associated with this secret."
	msgCannotInvoke         = "Secrets Manager cannot invoke the specified Lambda function. Ensure that the function policy grants access to the principal secretsmanager.amazonaws.com."
	msgRotationIncomplete   = "A previous rotation isn't complete. That rotation will be reattempted."
	msgInvalidName          = "Invalid name. Must be a valid name containing alphanumeric characters, or any of the following: -/_+=.@!"
	msgStageVersionMismatch = "You provided a VersionStage that is not associated to the provided VersionId."
	msgNoValueForStage      = "Secrets Manager can't find the specified secret value for staging label: %s"
	msgNoValueForVersion    = "Secrets Manager can't find the specified secret value for VersionId: %s"
	msgTokenLength          = "ClientRequestToken must be 32-64 characters long."
	msgTokenRequired        = "You must provide a ClientRequestToken value. We recommend a UUID-type value."
	msgBothValues           = "You can't specify both a binary secret value and a string secret value in the same secret."
	msgNoValue              = "You must provide either SecretString or SecretBinary."
	msgRecoveryWindow       = "The RecoveryWindowInDays value must be between 7 and 30 days (inclusive)."
	msgForceAndWindow       = "You can't use ForceDeleteWithoutRecovery in conjunction with RecoveryWindowInDays."
	msgPasswordTooShort     = "Password length is too short based on the required types."
	msgCurrentNotRemovable  = "You can only move staging label AWSCURRENT to a different secret version. It can't be completely removed."
	msgRemoveFromRequired   = "The parameter RemoveFromVersionId can't be empty. Staging label %s is currently attached to version %s, so you must explicitly reference that version in RemoveFromVersionId."
	msgNotAttached          = "The staging label %s is currently not attached to version %s, so you can't remove it."
	msgTooManyLabels        = "A version of a secret can have at most 20 staging labels."
	msgTooManyVersions      = "You have exceeded the maximum number of versions for this secret."
	msgValueQuota           = "The sandbox keeps at most %d MiB of secret values, and this one would pass that. Delete secrets you no longer need (ForceDeleteWithoutRecovery frees their space at once)."
	msgInvalidNextToken     = "The NextToken value is invalid."
)

// validationf formats a model-constraint failure the way AWS's front end
// does ("1 validation error detected: ..."). Values are never echoed.
func validationf(member, constraint string) *apiError {
	return errorf(typeValidation, "1 validation error detected: Value at '%s' failed to satisfy constraint: %s", member, constraint)
}
