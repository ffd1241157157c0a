package iamsweep

import "context"

// Inventory reads the IAM principals of one AWS account, from the live API
// or from an export file.
type Inventory interface {
	// Roles calls fn once for every role of the account, in the order the
	// source yields them, and stops at the first error fn returns (which
	// Roles returns unchanged). Roles are streamed: an implementation does not
	// hold the whole account in memory.
	//
	// Errors: ErrAccessDenied when the caller may not read IAM,
	// ErrThrottled when throttling outlasted every retry, an *InputError for
	// a malformed export, and the context's error when ctx ends.
	Roles(ctx context.Context, fn func(Role) error) error

	// Users calls fn once for every IAM user, joined with its credentials
	// from the credential report, and once for the root user (Root set)
	// when the report holds it. It stops at the first error fn returns.
	//
	// Errors: ErrNoCredentialReport when the source has no credential
	// report (an export read without one), and those of Roles.
	Users(ctx context.Context, fn func(User) error) error
}

// PrincipalReader is implemented by inventories that read roles and users
// in one pass (the live API: one GetAccountAuthorizationDetails listing of
// both, with the credential report read meanwhile). Services call
// Principals instead of Roles and Users.
type PrincipalReader interface {
	Inventory
	// Principals calls role for every role and user for every user (and
	// the root user), as Roles and Users do, from one pass over the
	// source. A nil function leaves its kind unread: the source reads
	// nothing that only that kind needs.
	//
	// Errors: those of Roles and Users. An error of a source that only
	// users need (the credential report, the access key listings) is a
	// *UsersError, so that callers can say which part failed.
	Principals(ctx context.Context, role func(Role) error, user func(User) error) error
}

// UsersError marks an error of a source that only users need, in a read of
// roles and users together (PrincipalReader). Its text is the error's.
type UsersError struct{ Err error }

func (e *UsersError) Error() string { return e.Err.Error() }

// Unwrap returns the error.
func (e *UsersError) Unwrap() error { return e.Err }
