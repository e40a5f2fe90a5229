package doctor

import (
	"errors"
	"net"
	"strings"

	"github.com/aws/smithy-go"
)

// awsFailure turns an AWS SDK error from op on resource into the check's
// detail and fix. The codes handled here are the ones the doctor meets on its
// own calls; their fixes name the resource and the permission involved.
func awsFailure(op, resource string, err error) (detail, fix string) {
	var api smithy.APIError
	if !errors.As(err, &api) {
		return op + ": " + transportError(err), fixSecretsUnreachable
	}
	what := op + " " + resource + ": " + api.ErrorCode() + ": " + api.ErrorMessage()
	switch api.ErrorCode() {
	case "ResourceNotFoundException":
		return what, fixSecretNotFound(resource)
	case "AccessDeniedException", "AccessDenied", "UnauthorizedOperation": // the last is EC2's
		return what, fixAccessDenied(op, resource)
	case "UnrecognizedClientException", "InvalidSignatureException", "InvalidClientTokenId",
		"ExpiredTokenException", "ExpiredToken", "SignatureDoesNotMatch", "AuthFailure":
		return what, fixCredentialsRejected
	case "DecryptionFailure", "KMSAccessDeniedException":
		return what, fixDecrypt(resource)
	case "InvalidRequestException":
		if strings.Contains(api.ErrorMessage(), "deletion") || strings.Contains(api.ErrorMessage(), "deleted") {
			return what, fixRestore(resource)
		}
	}
	return what, fixAWSGeneric(op)
}

// transportError names the network failure under an SDK error, without the
// SDK's wrapping ("operation error …, https response error …").
func transportError(err error) string {
	var op *net.OpError
	if errors.As(err, &op) {
		return op.Error()
	}
	var dns *net.DNSError
	if errors.As(err, &dns) {
		return dns.Error()
	}
	return err.Error()
}
