package iamsweep

import "time"

// User is an IAM user with its long-lived credentials, joined from the
// account's authorization details (path, tags, groups, policies) and its
// credential report (password and access key use).
type User struct {
	AccountID string
	ARN       string
	// ID is the user's unique ID (AIDA...); "" when only the credential
	// report was read.
	ID   string
	Name string
	Path string
	// Created is the user's creation time; zero when unknown.
	Created time.Time
	// Root is true for the account's root user (the report's
	// "<root_account>" row), whose only records are RootAccessKey ones.
	Root bool

	Tags                []Tag
	Groups              []string
	InlinePolicies      []InlinePolicy
	AttachedPolicies    []AttachedPolicy
	PermissionsBoundary string

	// HasDetails is true when the authorization details (or an export of
	// them) held the user: path, tags and policies are known.
	HasDetails bool
	// HasCredentials is true when the credential report held the user:
	// Password and AccessKeys are known.
	HasCredentials bool

	// Password is the console password; nil when the user has none.
	Password *Password
	// AccessKeys are the user's access keys by report slot (1 and 2),
	// active and inactive.
	AccessKeys []AccessKey
	// MFAActive is true when an MFA device is enabled.
	MFAActive bool
	// ActiveCertificates counts active X.509 signing certificates, whose
	// use IAM does not record.
	ActiveCertificates int
}

// Password is a console password (login profile).
type Password struct {
	// LastUsed is the last sign-in with it; zero when IAM holds no record
	// ("no_information": never used, or not since October 2014).
	LastUsed time.Time
	// LastChanged is when it was set or last changed; zero when unknown.
	LastChanged time.Time
}

// AccessKey is an access key of a user or of the root user.
type AccessKey struct {
	// Slot is the credential report's slot, 1 or 2.
	Slot int
	// ID is the access key ID (AKIA...); "" when not known (the credential
	// report does not carry it).
	ID     string
	Active bool
	// Created is when the key was created or last rotated (the report's
	// last_rotated); zero when unknown.
	Created time.Time
	// LastUsed is the last recorded use; zero when none is recorded (never
	// used, or not since April 2015).
	LastUsed Usage
	// LastUsedService is the service of the last use ("s3"), or "".
	LastUsedService string
}
