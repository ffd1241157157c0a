package awsapi

import (
	"errors"
	"fmt"

	"github.com/aws/smithy-go"

	"github.com/iamsweep/iamsweep"
)

// classify wraps err with the domain error its AWS error code maps to, so
// callers can test it with errors.Is. Codes come from smithy.APIError;
// message text is never inspected.
func classify(err error) error {
	var apiErr smithy.APIError
	if !errors.As(err, &apiErr) {
		return err
	}
	var kind error
	switch apiErr.ErrorCode() {
	case "AccessDenied", "AccessDeniedException", "UnauthorizedOperation", "UnauthorizedAccess":
		kind = iamsweep.ErrAccessDenied
	case "NoSuchEntity", "NoSuchEntityException", "ResourceNotFoundException":
		kind = iamsweep.ErrNotFound
	case "DeleteConflict", "DeleteConflictException":
		kind = iamsweep.ErrDeleteConflict
	case "Throttling", "ThrottlingException", "TooManyRequestsException", "RequestLimitExceeded":
		kind = iamsweep.ErrThrottled
	case "InvalidClientTokenId", "SignatureDoesNotMatch", "ExpiredToken", "ExpiredTokenException",
		"UnrecognizedClientException", "InvalidAccessKeyId", "MissingAuthenticationToken", "IncompleteSignature":
		kind = iamsweep.ErrNoCredentials
	default:
		return err
	}
	return fmt.Errorf("%w: %w", kind, err)
}
