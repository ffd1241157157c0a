package awsapi

import (
	"errors"
	"net"
	"net/url"
	"syscall"

	"github.com/aws/smithy-go"

	"github.com/iamsweep/iamsweep"
)

// classify converts an AWS error into an *iamsweep.APIError carrying its
// code and the domain error the code maps to (ErrAccessDenied...), so
// callers can test it with errors.Is and report the code. Codes come from
// smithy.APIError; message text is never inspected. Errors that are not
// AWS API errors, or that already hold an *iamsweep.APIError, are returned
// unchanged, but for an endpoint that cannot be reached, whose error says
// so and names it.
func classify(err error) error {
	var classified *iamsweep.APIError
	if errors.As(err, &classified) {
		return err
	}
	if endpoint, reason, ok := unreachable(err); ok {
		return &unreachableError{endpoint: endpoint, reason: reason, err: err}
	}
	var apiErr smithy.APIError
	if !errors.As(err, &apiErr) {
		return err
	}
	var kind error
	switch apiErr.ErrorCode() {
	case "AccessDenied", "AccessDeniedException", "UnauthorizedOperation", "UnauthorizedAccess",
		"AuthorizationError": // SNS's
		kind = iamsweep.ErrAccessDenied
	case "NoSuchEntity", "NoSuchEntityException", "ResourceNotFoundException",
		"AWSOrganizationsNotInUseException", "ParentNotFoundException", "AccountNotFoundException",
		"NotFound", "NotFoundException": // SNS's topics, SES's configuration sets
		kind = iamsweep.ErrNotFound
	case "DeleteConflict", "DeleteConflictException":
		kind = iamsweep.ErrDeleteConflict
	case "Throttling", "ThrottlingException", "TooManyRequestsException", "RequestLimitExceeded",
		// SNS's; Security Hub's and SES's rate and quota errors (IAM's
		// quota error, LimitExceeded, is not throttling).
		"Throttled", "LimitExceededException":
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

// unreachable reports whether err says that no endpoint could be reached
// at all: nothing listens at its address (connection refused), or its
// host name does not resolve (a DNS lookup that timed out is not
// counted: it may pass on the next attempt). It returns the endpoint
// (scheme and host) and the reason in words.
func unreachable(err error) (endpoint, reason string, ok bool) {
	var dnsErr *net.DNSError
	switch {
	case errors.Is(err, syscall.ECONNREFUSED):
		reason = "connection refused (nothing listens there)"
	case errors.As(err, &dnsErr) && !dnsErr.IsTimeout:
		reason = "host name " + dnsErr.Name + " does not resolve"
		if !dnsErr.IsNotFound {
			reason = "host name " + dnsErr.Name + " could not be resolved: " + dnsErr.Err
		}
	default:
		return "", "", false
	}
	endpoint = "the AWS endpoint"
	var urlErr *url.Error
	if errors.As(err, &urlErr) {
		if u, perr := url.Parse(urlErr.URL); perr == nil && u.Host != "" {
			endpoint = u.Scheme + "://" + u.Host
		}
	}
	return endpoint, reason, true
}

// unreachableError is the error of a call to an endpoint that could not be
// reached. Its text names the endpoint and says why; it wraps the SDK's
// error.
type unreachableError struct {
	endpoint, reason string
	err              error
}

func (e *unreachableError) Error() string { return "cannot reach " + e.endpoint + ": " + e.reason }

func (e *unreachableError) Unwrap() error { return e.err }
