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

// ConcurrentInventory is implemented by inventories whose Roles and Users
// may run at the same time (the live API: independent listings). Services
// then overlap them; other inventories (a single-pass export reader) are
// read one listing after the other.
type ConcurrentInventory interface {
	Inventory
	// Concurrent reports whether Roles and Users may run at once.
	Concurrent() bool
}
