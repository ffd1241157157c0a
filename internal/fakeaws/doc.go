// Package fakeaws is an in-process fake of the AWS services iamsweep calls,
// speaking their real wire protocols, so that tests drive the real AWS SDK
// clients over HTTP.
//
// It routes a request on the service named in its SigV4 credential scope
// (".../us-east-1/iam/aws4_request"), then on the protocol: the Action form
// field for the query/XML protocol (IAM, STS, SNS), X-Amz-Target for
// JSON 1.1 services (Organizations, AWS Config), the method and path for REST-JSON ones
// (Security Hub: BatchImportFindings and GetFindings, see securityhub.go,
// enabled per account and Region with WithSecurityHub; SES API v2, which
// signs as "ses": SendEmail, see ses.go). Responses
// carry the XML or JSON the real service sends, with real pagination
// markers and error codes.
//
// It holds per-account IAM state (WithAccounts) and an optional AWS
// Organization (WithOrganization) whose management account may list its
// accounts and organizational units. STS answers GetCallerIdentity and
// AssumeRole: assuming a role that exists (and whose trust policy's
// external ID, if any, matches) issues temporary credentials that act in
// the role's account until they expire on the fake's clock (WithClock,
// WithSessionLifetime), so an organization-wide scan runs as it does
// against AWS: list the accounts, assume a role in each, read its IAM.
//
// IAM also answers the reads and the mutating actions remediation uses
// (CreateRole, PutRolePolicy, AttachRolePolicy, DeleteRole, CreateUser,
// DeleteUser, access keys, MFA devices, instance profiles, service-linked
// roles, GetAccountSummary...) with IAM's preconditions and error codes:
// DeleteConflict while a role or user still holds what must be removed
// first, NoSuchEntity, EntityAlreadyExists for names regardless of case,
// LimitExceeded for the size and attachment quotas (WithQuota),
// MalformedPolicyDocument, UnmodifiableEntity for service-linked roles.
// The managed policy calls of refine actions (CreatePolicy, GetPolicy,
// GetPolicyVersion, DeletePolicy, see managed.go) keep one version, v1,
// per customer managed policy, count its attachments, and refuse a
// duplicate name (whatever the path), a document over 6,144 characters,
// and the deletion of a policy still attached (DeleteConflict); AWS
// managed policies are read from the fake's small catalogue.
// Every change shows in later reads, in GetAccountAuthorizationDetails and
// in the next credential report; new IDs are the same on every run.
//
// IAM's service last accessed jobs (GenerateServiceLastAccessedDetails,
// GetServiceLastAccessedDetails, see lastaccessed.go) answer IN_PROGRESS a
// set number of times (WithAccessJobPolls), then list the services a role's
// or user's Allow statements grant, with the use a test seeds (SetAccess)
// and tracked actions for the services IAM tracks at action level; a job
// can be failed (FailAccessJob) and is read only by the caller that made
// it.
//
// AWS Config answers what a custom rule's function calls: PutEvaluations,
// with its limits (at most 100 evaluations, annotations of 1 to 256
// characters, INSUFFICIENT_DATA refused), result tokens the fake issues
// for a rule (ResultToken; any non-empty token in TestMode, which records
// nothing), the latest ordering timestamp kept per resource, and failed
// evaluations on demand (FailEvaluations); and
// GetComplianceDetailsByConfigRule, filtered and paginated, over the
// results of the rules WithConfigRule created.
//
// SES v2 answers SendEmail (WithSES: verified identities, the sandbox,
// configuration sets and the maximum sending rate per account and
// Region; MessageRejected for an unverified sender or, in the sandbox,
// recipient) and SNS answers Publish (WithSNSTopics; NotFound,
// AuthorizationError, and SNS's limits on the message and the subject).
// Both keep what they accepted for tests to read: SentEmails,
// PublishedMessages.
//
// It records every call, and injects latency (per call, and per page of
// GetAccountAuthorizationDetails in proportion to its size), faults and
// throttling errors (per call at a chosen rate, or above a per-account
// request rate, a golang.org/x/time/rate bucket) in each protocol's own
// words, for benchmarks and fault tests. HoldResponsesAfter
// carries a call out and never answers it, as a client killed while it
// waits sees; DropResponse carries one out and closes its connection, so
// the SDK retries it; seeds passed to WithAccounts are filled in place (IDs, paths,
// dates), so parallel tests must not share them.
//
// It reads what it is given (request parameters, policy documents, ARNs,
// the export and credential report of AccountFromFiles) with the standard
// library or its own minimal code, never with iamsweep's parsers, so that
// a parser bug cannot pass on both sides; internal/archtest enforces that
// it imports no iamsweep package.
//
// Layer: test and dev only. Only _test.go files and cmd/fakeaws import it.
// It is a sandbox, not a reference: the AWS API reference and the SDK
// models are.
package fakeaws
