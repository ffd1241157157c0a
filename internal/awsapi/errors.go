package awsapi

import (
	"errors"

	"github.com/aws/smithy-go"

	"github.com/iamsweep/iamsweep"
)

// classify converts an AWS error into an *iamsweep.APIError carrying its
// code and the domain error the code maps to (ErrAccessDenied...), so
// callers can test it with errors.Is and report the code. Codes come from
// smithy.APIError; message text is never inspected. Errors that are not
// AWS API errors, or that already hold an *iamsweep.APIError, are returned
// unchanged.
func classify(err error) error {
	var classified *iamsweep.APIError
	if errors.As(err, &classified) {
		return err
	}
	var apiErr smithy.APIError
	if !errors.As(err, &apiErr) {
		return err
	}
	var kind error
	switch apiErr.ErrorCode() {
	case "AccessDenied", "AccessDeniedException", "UnauthorizedOperation", "UnauthorizedAccess":
		kind = iamsweep.ErrAccessDenied
	case "NoSuchEntity", "NoSuchEntityException", "ResourceNotFoundException",
		"AWSOrganizationsNotInUseException", "ParentNotFoundException", "AccountNotFoundException":
		kind = iamsweep.ErrNotFound
	case "DeleteConflict", "DeleteConflictException":
		kind = iamsweep.ErrDeleteConflict
	case "Throttling", "ThrottlingException", "TooManyRequestsException", "RequestLimitExceeded":
		kind = iamsweep.ErrThrottled
	case "InvalidClientTokenId", "SignatureDoesNotMatch", "ExpiredToken", "ExpiredTokenException",
		"UnrecognizedClientException", "InvalidAccessKeyId", "MissingAuthenticationToken", "IncompleteSignature":
		kind = iamsweep.ErrNoCredentials
	}
	ae := &iamsweep.APIError{Code: apiErr.ErrorCode(), Message: apiErr.ErrorMessage(), Kind: kind, Err: err}
	var opErr *smithy.OperationError
	if errors.As(err, &opErr) {
		ae.Operation = opErr.Service() + " " + opErr.Operation()
	}
	var reqErr interface{ ServiceRequestID() string }
	if errors.As(err, &reqErr) {
		ae.RequestID = reqErr.ServiceRequestID()
	}
	var statusErr interface{ HTTPStatusCode() int }
	if errors.As(err, &statusErr) {
		ae.HTTPStatus = statusErr.HTTPStatusCode()
	}
	return ae
}
