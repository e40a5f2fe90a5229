package awsclient

import (
	"context"
	"errors"
	"fmt"
	"net"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/credentials/ssocreds"
	"github.com/aws/smithy-go"
	smithyhttp "github.com/aws/smithy-go/transport/http"
)

// Error is a failure told in plain language: which operation, what
// happened, and what to do about it. Err keeps the original error for
// errors.As (the SDK's typed errors stay reachable).
type Error struct {
	Op   string // the operation, e.g. "GetSecretValue"
	What string // what happened, in words
	Fix  string // what to do, in words; may be empty
	Err  error
}

func (e *Error) Error() string {
	s := e.Op + ": " + e.What
	if e.Err != nil && e.showCause() {
		s += " (" + e.Err.Error() + ")"
	}
	return s
}

func (e *Error) Unwrap() error { return e.Err }

// showCause says whether the original text may be shown: a response that
// could not be decoded might quote the body, and a body can hold a secret.
func (e *Error) showCause() bool {
	var de *smithy.DeserializationError
	return !errors.As(e.Err, &de)
}

// Explain turns an SDK error into an *Error that says what happened and
// what to do: expired SSO session, no region, no credentials, access
// denied, not found, endpoint unreachable, deleted secret, pending
// rotation, and the rest of Secrets Manager's refusals. nil stays nil; an
// *Error is returned as it is.
func Explain(op string, err error) error {
	if err == nil {
		return nil
	}
	var already *Error
	if errors.As(err, &already) {
		return err
	}
	what, fix := explain(err)
	return &Error{Op: op, What: what, Fix: fix, Err: err}
}

func explain(err error) (what, fix string) {
	msg := err.Error()
	var (
		ssoErr     *ssocreds.InvalidTokenError
		regionErr  *aws.MissingRegionError
		profileErr config.SharedConfigProfileNotExistError
		apiErr     smithy.APIError
		decodeErr  *smithy.DeserializationError
	)
	switch {
	case errors.As(err, &ssoErr), strings.Contains(msg, "SSO token"), strings.Contains(msg, "SSO session"):
		return whatSSOExpired, fmt.Sprintf(fixSSOExpired, "")
	case errors.As(err, &regionErr), strings.Contains(msg, "Missing Region"):
		return whatNoRegion, fixNoRegion
	case errors.As(err, &profileErr):
		return fmt.Sprintf(whatNoProfile, profileErr.Profile), fmt.Sprintf(fixNoProfile, profileErr.Profile)
	case errors.As(err, &apiErr):
		return explainAPI(apiErr)
	case noCredentials(msg):
		return whatNoCredentials, fixNoCredentials
	case errors.Is(err, context.DeadlineExceeded), errors.Is(err, context.Canceled):
		return whatTimeout, fixTimeout
	case unreachable(err):
		return whatUnreachable, fixUnreachable
	case errors.As(err, &decodeErr):
		return whatUnreadable, fixUnreadable
	}
	return whatFailed, ""
}

// noCredentials recognises the credential chain's failures, which the SDK
// reports as text, not types.
func noCredentials(msg string) bool {
	for _, s := range []string{
		"failed to retrieve credentials", "failed to refresh cached credentials",
		"no EC2 IMDS role found", "static credentials are empty", "get credentials",
		"no valid providers in chain", "anonymous credentials",
	} {
		if strings.Contains(msg, s) {
			return true
		}
	}
	return false
}

func unreachable(err error) bool {
	var (
		sendErr *smithyhttp.RequestSendError
		netErr  net.Error
		opErr   *net.OpError
		dnsErr  *net.DNSError
	)
	return errors.As(err, &sendErr) || errors.As(err, &netErr) || errors.As(err, &opErr) || errors.As(err, &dnsErr)
}

// explainAPI reads an error the service answered with.
func explainAPI(e smithy.APIError) (what, fix string) {
	code, msg := e.ErrorCode(), e.ErrorMessage()
	switch code {
	case "AccessDeniedException", "AccessDenied", "UnauthorizedOperation":
		if strings.Contains(msg, "Lambda") {
			return whatLambdaDenied, fixLambdaDenied
		}
		if op := operationOf(msg); op != "" {
			return fmt.Sprintf(whatAccessDenied, op), fmt.Sprintf(fixAccessDenied, op)
		}
		return whatAccessDeniedSome, fixAccessDeniedSome
	case "UnrecognizedClientException", "InvalidClientTokenId", "InvalidSignatureException",
		"SignatureDoesNotMatch", "IncompleteSignatureException", "MissingAuthenticationTokenException":
		return whatBadCredentials, fixBadCredentials
	case "ExpiredTokenException", "ExpiredToken", "RequestExpired":
		return whatExpiredCredentials, fixExpiredCredentials
	case "ResourceNotFoundException":
		if strings.Contains(msg, "staging label") || strings.Contains(msg, "VersionId") {
			return whatNoVersion, fixNoVersion
		}
		return whatNotFound, fixNotFound
	case "InvalidRequestException":
		switch {
		case strings.Contains(msg, "marked for deletion"), strings.Contains(msg, "marked deleted"):
			return whatDeleted, fixDeleted
		case strings.Contains(msg, "previous rotation isn't complete"):
			return whatPendingRotation, fixPendingRotation
		case strings.Contains(msg, "No Lambda rotation function"):
			return whatNoRotationFunction, fixNoRotationFunction
		case strings.Contains(msg, "scheduled for deletion"):
			return whatNameScheduled, fixNameScheduled
		}
	case "ResourceExistsException":
		if strings.Contains(msg, "ClientRequestToken") {
			return whatTokenInUse, fixTokenInUse
		}
		return whatExists, fixExists
	case "ThrottlingException", "Throttling", "TooManyRequestsException", "RequestLimitExceeded":
		return whatThrottled, fixThrottled
	}
	// AWS's own words are clear and never quote a secret value.
	return fmt.Sprintf(whatRejected, code+": "+msg), ""
}

// operationOf picks the action out of an IAM denial ("... is not
// authorized to perform: secretsmanager:GetSecretValue on ...").
func operationOf(msg string) string {
	_, rest, ok := strings.Cut(msg, "secretsmanager:")
	if !ok {
		return ""
	}
	if i := strings.IndexAny(rest, " ,."); i >= 0 {
		rest = rest[:i]
	}
	return rest
}
