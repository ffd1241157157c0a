package iamsweep

import (
	"context"
	"errors"
	"strconv"
	"strings"
)

// Account is an AWS account in the scope of a scan.
type Account struct {
	ID string
	// Name is the account's name in AWS Organizations; "" when not known.
	Name string
	// Status is the Organizations status (ACTIVE, SUSPENDED,
	// PENDING_CLOSURE); "" when the account did not come from Organizations.
	Status string
}

// Active reports whether the account can be scanned: its status is ACTIVE
// or unknown.
func (a Account) Active() bool { return a.Status == "" || a.Status == "ACTIVE" }

// Organization reaches the accounts of an AWS Organization from one
// central account.
type Organization interface {
	// Caller returns the account of the caller's own credentials.
	//
	// Errors: ErrNoCredentials, ErrAccessDenied.
	Caller(ctx context.Context) (Account, error)

	// Accounts lists the organization's accounts, every status included:
	// all of them when ous is empty, else those under the given
	// organizational units and their children, recursively. The result is
	// sorted by ID.
	//
	// Errors: ErrAccessDenied (not the management account or a delegated
	// administrator), ErrNotFound (no organization, or an unknown OU).
	Accounts(ctx context.Context, ous []string) ([]Account, error)

	// Describe returns what the organization says of the given accounts
	// (name and status), in the order given; an account that is not in the
	// organization comes back with its ID alone.
	//
	// Errors: ErrAccessDenied (not the management account or a delegated
	// administrator), ErrNotFound (the caller is in no organization).
	Describe(ctx context.Context, ids []string) ([]Account, error)

	// Inventory opens an inventory in acct: with the caller's own
	// credentials in the caller's account, else through the role assumed
	// in acct. It checks that the role can be assumed before it returns.
	//
	// Errors: ErrAccessDenied (the role is missing, its trust policy or an
	// SCP refuses the caller, or the external ID is wrong).
	Inventory(ctx context.Context, acct Account) (Inventory, error)
}

// APIError is an error AWS returned. Adapters convert SDK errors into it,
// so that services can report the AWS error code without the SDK.
type APIError struct {
	// Operation is the service and call that failed ("IAM
	// GetAccountAuthorizationDetails"), when known.
	Operation string
	// Code is the AWS error code ("AccessDenied", "Throttling").
	Code string
	// Message is AWS's message.
	Message string
	// RequestID is AWS's request ID, for AWS Support, when known.
	RequestID string
	// HTTPStatus is the status of the response, when known.
	HTTPStatus int
	// Kind is the domain error the code maps to (ErrAccessDenied...), or
	// nil.
	Kind error
	// Err is the underlying error.
	Err error
}

// Error says what failed in one line: "access denied: STS AssumeRole:
// AccessDenied: User: ... is not authorized ...".
func (e *APIError) Error() string {
	msg := e.Code
	if (msg == "" || msg == "UnknownError") && e.HTTPStatus != 0 {
		// An answer the SDK could not read: its status is all there is.
		msg = strings.TrimSpace(msg + " (HTTP " + strconv.Itoa(e.HTTPStatus) + ")")
	}
	switch {
	case msg == "":
		msg = e.Message
	case e.Message != "" && e.Message != e.Code:
		msg += ": " + e.Message
	}
	if e.Operation != "" {
		msg = e.Operation + ": " + msg
	}
	if e.Kind != nil {
		msg = e.Kind.Error() + ": " + msg
	}
	return msg
}

// Unwrap returns the domain kind and the underlying error, so errors.Is
// matches either.
func (e *APIError) Unwrap() []error {
	if e.Kind != nil {
		return []error{e.Kind, e.Err}
	}
	return []error{e.Err}
}

// ErrorCode returns the AWS error code of err, or "" when err holds none.
func ErrorCode(err error) string {
	var ae *APIError
	if errors.As(err, &ae) {
		return ae.Code
	}
	return ""
}

// AccountError records why one account of a multi-account scan failed.
// The other accounts' results stand.
type AccountError struct {
	Account Account
	// Stage is where it failed: "assume-role", "scan-roles", "scan-users".
	Stage string
	// Code is the AWS error code, or "".
	Code string
	// Message says what went wrong.
	Message string
}
