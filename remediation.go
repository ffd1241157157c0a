package iamsweep

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"
)

// ActionKind names a remediation.
type ActionKind string

// The remediations.
const (
	// ActionQuarantine attaches a deny-all inline policy to a role or user
	// (and revokes its older sessions) and tags it; reversible with release.
	ActionQuarantine ActionKind = "quarantine"
	// ActionDelete deletes a role or user with everything IAM requires
	// removed first, after a full backup.
	ActionDelete ActionKind = "delete"
	// ActionDeactivateKey makes an access key inactive; reversible.
	ActionDeactivateKey ActionKind = "deactivate-key"
	// ActionDeleteKey deletes an access key; its secret is gone for good.
	ActionDeleteKey ActionKind = "delete-key"
	// ActionDeletePassword deletes a user's console password (login
	// profile): a password cannot be disabled, only deleted.
	ActionDeletePassword ActionKind = "delete-password"
	// ActionRefine narrows a used role's or user's policies to what it
	// used (iamsweep refine --plan): per Action.Changes, a refined managed
	// policy is created for this principal alone, attached, and the
	// existing one detached; an inline policy is put back refined under
	// its name, or deleted. Reversible with restore.
	ActionRefine ActionKind = "refine"
)

// PolicyChange is one policy of a refine action: what the refinement
// recommended, and the document it was computed from, so that apply can
// tell the policy has not changed since.
type PolicyChange struct {
	// Policy is the existing managed policy's ARN, or the inline policy's
	// name.
	Policy string
	Inline bool
	// Document is the existing policy's document as the refinement read
	// it (JSON); apply refuses the action when the policy now says
	// something else.
	Document string
	// Refined is the recommended document (JSON); "" when the policy is
	// to be detached (managed) or deleted (inline) whole.
	Refined string
	// RefinedName is the name of the customer managed policy created for
	// the principal with the Refined document (a managed policy's
	// CREATE_POLICY step); "" for inline policies and detachments.
	RefinedName string
}

// Action is one remediation of one principal or credential, as planned.
type Action struct {
	// ID identifies the action within its plan ("a001").
	ID   string
	Kind ActionKind
	// Principal is "role" or "user".
	Principal   string
	AccountID   string
	AccountName string
	ARN         string
	Name        string
	Path        string
	// AccessKeyID names the key of a key action.
	AccessKeyID string
	// Finding is the finding the action answers, as it was at plan time.
	Finding Finding
	// Refused, when not empty, says why a guardrail keeps the action from
	// running; apply skips it.
	Refused string
	// Irreversible is true when what the action removes cannot be brought
	// back (a password, a key's secret).
	Irreversible bool
	// Notes tell the reviewer what to know before applying.
	Notes []string
	// Changes are the policy changes of a refine action, in order; nil for
	// every other kind.
	Changes []PolicyChange
}

// Plan is a reviewed list of actions, saved so that apply runs exactly
// what was shown.
type Plan struct {
	ID string
	// ScanID is the state database's ID of the scan the plan was made
	// from; 0 when unknown (a plan file written before plans named it).
	ScanID  int64
	Created time.Time
	// AsOf and UnusedDays are those of the scan the plan was made from.
	AsOf       time.Time
	UnusedDays int
	Actions    []Action
}

// RoleState is everything IAM holds about a role that a restore needs.
// Policy documents are JSON text exactly as IAM returned them (decoded
// once), not reformatted.
type RoleState struct {
	AccountID           string
	ARN                 string
	ID                  string
	Name                string
	Path                string
	Created             time.Time
	Description         string
	MaxSessionDuration  int
	TrustPolicy         string
	PermissionsBoundary string
	Tags                []Tag
	// InlinePolicies maps policy names to documents, in name order.
	InlinePolicies []NamedDocument
	// AttachedPolicies are managed policy ARNs, in ARN order.
	AttachedPolicies []string
	InstanceProfiles []InstanceProfileState
	LastUsed         Usage
}

// NamedDocument is an inline policy: its name and JSON text.
type NamedDocument struct {
	Name     string
	Document string
}

// InstanceProfileState is an instance profile that holds a role.
type InstanceProfileState struct {
	Name string
	Path string
	ID   string
	ARN  string
	Tags []Tag
	// Roles are the names of the roles it holds.
	Roles []string
}

// UserState is everything IAM holds about a user that a restore needs, and
// what it cannot restore (secrets), named so the restore can say so.
type UserState struct {
	AccountID           string
	ARN                 string
	ID                  string
	Name                string
	Path                string
	Created             time.Time
	PermissionsBoundary string
	Tags                []Tag
	InlinePolicies      []NamedDocument
	AttachedPolicies    []string
	Groups              []string
	// LoginProfile is the console password's settings; nil when none.
	LoginProfile *LoginProfileState
	// PasswordLastUsed is the last sign-in; zero when none is recorded.
	PasswordLastUsed time.Time
	AccessKeys       []AccessKeyState
	MFADevices       []MFADeviceState
	SSHPublicKeys    []SSHPublicKeyState
	// SigningCertificates are X.509 certificates (their bodies are public).
	SigningCertificates []SigningCertificateState
	// ServiceCredentials are service-specific credentials (CodeCommit,
	// Keyspaces...): their passwords cannot be restored.
	ServiceCredentials []ServiceCredentialState
}

// LoginProfileState is a console password's settings (never the password).
type LoginProfileState struct {
	Created               time.Time
	PasswordResetRequired bool
}

// AccessKeyState is an access key's metadata and last use.
type AccessKeyState struct {
	ID              string
	Active          bool
	Created         time.Time
	LastUsed        Usage
	LastUsedService string
}

// MFADeviceState is an MFA device enabled for a user.
type MFADeviceState struct {
	SerialNumber string
	// Virtual is true for a virtual MFA device (deleted with the user).
	Virtual bool
}

// SSHPublicKeyState is an SSH public key (for CodeCommit).
type SSHPublicKeyState struct {
	ID     string
	Body   string
	Active bool
}

// SigningCertificateState is an X.509 signing certificate.
type SigningCertificateState struct {
	ID     string
	Body   string
	Active bool
}

// ServiceCredentialState is a service-specific credential.
type ServiceCredentialState struct {
	ID          string
	ServiceName string
	UserName    string
	Active      bool
}

// Backup is the state of a principal saved before its first change.
// Backups are never deleted by iamsweep.
type Backup struct {
	ID        string
	Created   time.Time
	AccountID string
	ARN       string
	// Principal is "role" or "user"; exactly one of Role and User is set.
	Principal string
	Role      *RoleState
	User      *UserState
	// PlanID and ActionID name the action that took the backup.
	PlanID   string
	ActionID string
}

// JournalKind says what a journal entry records.
type JournalKind string

// The kinds of journal entries.
const (
	// JournalCall is one IAM call: JournalStep.Op on JournalStep.Subject.
	JournalCall JournalKind = "call"
	// JournalBackup records the backup taken before an action's first
	// change: JournalStep.BackupID.
	JournalBackup JournalKind = "backup"
	// JournalComplete records that an action completed; for a restore,
	// JournalStep.PrincipalID is the unique ID of the principal it left.
	JournalComplete JournalKind = "complete"
)

// StepOutcome is how a journaled step ended.
type StepOutcome string

// The outcomes of a journaled step.
const (
	// OutcomePending: the step began and never finished (the process
	// died during it).
	OutcomePending StepOutcome = ""
	// OutcomeDone: the step ran (a removal that found its work done
	// counts).
	OutcomeDone StepOutcome = "done"
	// OutcomeFailed: IAM refused the call; it changed nothing.
	OutcomeFailed StepOutcome = "failed"
	// OutcomeUnknown: the call failed in a way that does not say whether
	// IAM carried it out (a timeout, a lost connection, an HTTP 5xx, a
	// deletion task still running, a retried create that finds its
	// principal there).
	OutcomeUnknown StepOutcome = "unknown"
	// OutcomeSkipped: the step was not run.
	OutcomeSkipped StepOutcome = "skipped"
)

// JournalStep is what a journal entry records, written before the step
// runs. Which fields are set depends on Kind.
type JournalStep struct {
	Kind JournalKind
	// Op and Subject name the call of a JournalCall entry: Subject is
	// what Step.Subject says (a policy name or ARN, a profile, a key...).
	Op      Op
	Subject string
	// BackupID names the backup of a JournalBackup entry.
	BackupID string
	// PrincipalID is, in the JournalComplete entry of a restore, the
	// unique ID of the principal the restore left.
	PrincipalID string
}

// CallStep is the journal step of IAM call s.
func CallStep(s Step) JournalStep {
	return JournalStep{Kind: JournalCall, Op: s.Op, Subject: s.Subject()}
}

// String describes the step in words: "DeleteRolePolicy s3-read",
// "backup b-p1-a001", "complete".
func (j JournalStep) String() string {
	switch j.Kind {
	case JournalCall:
		return string(j.Op) + " " + j.Subject
	case JournalBackup:
		return "backup " + j.BackupID
	}
	return string(j.Kind)
}

// JournalEntry records one step of an action, written before the step
// runs and completed after, so an interrupted apply can tell where it
// stopped.
type JournalEntry struct {
	ID       int64
	PlanID   string
	ActionID string
	Step     JournalStep
	Started  time.Time
	Finished time.Time // zero while the step runs or when it never finished
	Outcome  StepOutcome
	// Detail says why in words: the error of a failed or unknown call,
	// "already gone" for a removal that found its work done.
	Detail string
}

// ErrLeased: another apply holds the principal.
var ErrLeased = errors.New("held by another apply")

// Store keeps iamsweep's state: scans and their findings, plans, backups,
// the action journal and leases.
type Store interface {
	// RecordScan saves a scan's findings and returns the scan's ID.
	RecordScan(ctx context.Context, res ScanResult) (int64, error)
	// LatestScan returns the most recent scan's result; ErrNotFound when
	// none was recorded.
	LatestScan(ctx context.Context) (int64, ScanResult, error)
	// History returns a principal's findings over time, oldest first.
	History(ctx context.Context, arn string) ([]HistoryEntry, error)

	SavePlan(ctx context.Context, p Plan) error
	// LoadPlan returns a saved plan; ErrNotFound when there is none.
	LoadPlan(ctx context.Context, id string) (Plan, error)
	// LatestPlan returns the plan saved last; ErrNotFound when none was.
	LatestPlan(ctx context.Context) (Plan, error)

	// SaveBackup stores a backup; backups are never overwritten.
	SaveBackup(ctx context.Context, b Backup) error
	// LoadBackup returns a backup by ID; ErrNotFound when there is none.
	LoadBackup(ctx context.Context, id string) (Backup, error)
	// Backups lists backups, newest first; of one principal when arn is
	// not "".
	Backups(ctx context.Context, arn string) ([]Backup, error)

	// BeginStep journals a step about to run and returns its entry ID.
	BeginStep(ctx context.Context, planID, actionID string, step JournalStep, at time.Time) (int64, error)
	// FinishStep completes a journal entry with an outcome other than
	// OutcomePending; ErrNotFound when there is no such entry, an error
	// when it was finished already.
	FinishStep(ctx context.Context, id int64, outcome StepOutcome, detail string, at time.Time) error
	// Journal returns an action's journal, oldest first.
	Journal(ctx context.Context, planID, actionID string) ([]JournalEntry, error)

	// AcquireLease takes the principal for owner until expiry; ErrLeased
	// when another owner holds an unexpired lease.
	AcquireLease(ctx context.Context, arn, owner string, now, expiry time.Time) error
	// ReleaseLease gives a lease back.
	ReleaseLease(ctx context.Context, arn, owner string) error
	// Lease returns who holds the lease on arn and until when;
	// ErrNotFound when nobody does.
	Lease(ctx context.Context, arn string) (owner string, expiry time.Time, err error)
}

// HistoryEntry is one finding of a principal in one scan.
type HistoryEntry struct {
	ScanID  int64
	AsOf    time.Time
	Finding Finding
	// FirstUnused is when the principal was first seen unused in the run of
	// unused verdicts that includes this scan; zero when it is not unused.
	FirstUnused time.Time
}

// Op names one IAM call a remediation or a restore makes; the names are
// the IAM API actions, so "iam:"+Op is the permission it needs.
type Op string

// The IAM calls of remediations and restores.
const (
	OpPutRolePolicy                 Op = "PutRolePolicy"
	OpDeleteRolePolicy              Op = "DeleteRolePolicy"
	OpAttachRolePolicy              Op = "AttachRolePolicy"
	OpDetachRolePolicy              Op = "DetachRolePolicy"
	OpTagRole                       Op = "TagRole"
	OpUntagRole                     Op = "UntagRole"
	OpPutRolePermissionsBoundary    Op = "PutRolePermissionsBoundary"
	OpDeleteRolePermissionsBoundary Op = "DeleteRolePermissionsBoundary"
	OpRemoveRoleFromInstanceProfile Op = "RemoveRoleFromInstanceProfile"
	OpAddRoleToInstanceProfile      Op = "AddRoleToInstanceProfile"
	OpCreateInstanceProfile         Op = "CreateInstanceProfile"
	OpDeleteInstanceProfile         Op = "DeleteInstanceProfile"
	OpCreateRole                    Op = "CreateRole"
	OpDeleteRole                    Op = "DeleteRole"
	// OpDeleteServiceLinkedRole starts the deletion task and waits for it
	// (GetServiceLinkedRoleDeletionStatus).
	OpDeleteServiceLinkedRole Op = "DeleteServiceLinkedRole"

	OpPutUserPolicy                 Op = "PutUserPolicy"
	OpDeleteUserPolicy              Op = "DeleteUserPolicy"
	OpAttachUserPolicy              Op = "AttachUserPolicy"
	OpDetachUserPolicy              Op = "DetachUserPolicy"
	OpTagUser                       Op = "TagUser"
	OpUntagUser                     Op = "UntagUser"
	OpPutUserPermissionsBoundary    Op = "PutUserPermissionsBoundary"
	OpDeleteUserPermissionsBoundary Op = "DeleteUserPermissionsBoundary"
	OpCreateLoginProfile            Op = "CreateLoginProfile"
	OpDeleteLoginProfile            Op = "DeleteLoginProfile"
	// OpUpdateAccessKey sets a key's Status (Active or Inactive).
	OpUpdateAccessKey                 Op = "UpdateAccessKey"
	OpDeleteAccessKey                 Op = "DeleteAccessKey"
	OpUploadSigningCertificate        Op = "UploadSigningCertificate"
	OpUpdateSigningCertificate        Op = "UpdateSigningCertificate"
	OpDeleteSigningCertificate        Op = "DeleteSigningCertificate"
	OpUploadSSHPublicKey              Op = "UploadSSHPublicKey"
	OpUpdateSSHPublicKey              Op = "UpdateSSHPublicKey"
	OpDeleteSSHPublicKey              Op = "DeleteSSHPublicKey"
	OpDeleteServiceSpecificCredential Op = "DeleteServiceSpecificCredential"
	OpDeactivateMFADevice             Op = "DeactivateMFADevice"
	OpDeleteVirtualMFADevice          Op = "DeleteVirtualMFADevice"
	OpAddUserToGroup                  Op = "AddUserToGroup"
	OpRemoveUserFromGroup             Op = "RemoveUserFromGroup"
	OpCreateUser                      Op = "CreateUser"
	OpDeleteUser                      Op = "DeleteUser"

	// OpCreatePolicy creates a customer managed policy: Target is the ARN
	// it gets (its path and name), Document its document, Tags its tags.
	OpCreatePolicy Op = "CreatePolicy"
	// OpDeletePolicy deletes the customer managed policy Target (an ARN).
	OpDeletePolicy Op = "DeletePolicy"
)

// Step is one IAM call with its arguments. Which fields an Op reads:
//
//   - Name: the role or user (every Op but the instance profile and
//     virtual MFA ones);
//   - Target: the inline policy name (Put/Delete*Policy), the managed or
//     boundary policy ARN (Attach/Detach*, Put*PermissionsBoundary), the
//     instance profile name, the access key, certificate, SSH key or
//     service credential ID, the group name, or the MFA serial number;
//   - Document: the inline policy JSON, the certificate or SSH key body;
//   - Active: the status to set (UpdateAccessKey, UpdateSigningCertificate,
//     UpdateSSHPublicKey);
//   - Tags and TagKeys: Tag*/Untag*;
//   - Role, User, Profile: what CreateRole, CreateUser and
//     CreateInstanceProfile create (name, path, trust policy, description,
//     maximum session duration, boundary, tags);
//   - PasswordResetRequired and Password: CreateLoginProfile.
type Step struct {
	Op       Op
	Name     string
	Target   string
	Document string
	Active   bool
	Tags     []Tag
	TagKeys  []string
	Role     *RoleState
	User     *UserState
	Profile  *InstanceProfileState
	// Password is the new console password of CreateLoginProfile; never
	// journaled or logged.
	Password              string `json:"-"`
	PasswordResetRequired bool
}

// Subject names what the step acts on, for the journal and the output: the
// target when there is one ("s3-read", "arn:aws:iam::aws:policy/..."),
// else the tag keys, the instance profile or the principal.
func (s Step) Subject() string {
	switch {
	case s.Target != "":
		return s.Target
	case len(s.TagKeys) > 0:
		return strings.Join(s.TagKeys, ",")
	case len(s.Tags) > 0:
		keys := make([]string, len(s.Tags))
		for i, t := range s.Tags {
			keys[i] = t.Key
		}
		return strings.Join(keys, ",")
	case s.Profile != nil:
		return s.Profile.Name
	}
	return s.Name
}

// String describes the step: "DeleteRolePolicy s3-read",
// "DetachRolePolicy arn:aws:iam::aws:policy/...".
func (s Step) String() string { return string(s.Op) + " " + s.Subject() }

// Mutator reads and changes the IAM principals of one account. Errors are
// *APIError values wrapping ErrNotFound, ErrDeleteConflict and the other
// domain errors.
type Mutator interface {
	// ReadRole returns everything a backup holds about a role, read at
	// once; ErrNotFound when the role does not exist.
	ReadRole(ctx context.Context, name string) (RoleState, error)
	// ReadUser returns everything a backup holds about a user, with the
	// last use of its password and keys; ErrNotFound when it does not
	// exist.
	ReadUser(ctx context.Context, name string) (UserState, error)
	// ReadInstanceProfile returns an instance profile; ErrNotFound when
	// it does not exist.
	ReadInstanceProfile(ctx context.Context, name string) (InstanceProfileState, error)
	// Do makes one IAM call. A step that finds its work already done
	// (deleting what does not exist) returns an error wrapping
	// ErrNotFound; the caller decides whether that is success.
	Do(ctx context.Context, s Step) error
}

// PolicyReader reads managed policies: the Mutators of refine actions
// implement it besides Mutator.
type PolicyReader interface {
	// ReadPolicy returns the managed policy arn with its default
	// version's document and attachment count; ErrNotFound when it does
	// not exist.
	ReadPolicy(ctx context.Context, arn string) (ManagedPolicy, error)
}

// RemediationPolicy is the remediation policy: which action each kind of unused
// finding gets, and the guardrails and limits every plan and apply obey.
type RemediationPolicy struct {
	// Roles is the action for unused roles: "" (none), quarantine or
	// delete.
	Roles ActionKind
	// Users is the action for unused users: "", quarantine or delete.
	Users ActionKind
	// AccessKeys is the action for unused access keys: "",
	// deactivate-key or delete-key.
	AccessKeys ActionKind
	// Passwords is the action for unused console passwords: "" or
	// delete-password.
	Passwords ActionKind
	// MaxDeletionsPerRun and MaxDeletionsPerAccount bound the deleting
	// actions (delete, delete-key, delete-password) of one plan or apply;
	// a negative value means no limit.
	MaxDeletionsPerRun     int
	MaxDeletionsPerAccount int
	// ProtectedAccounts are never changed.
	ProtectedAccounts []string
	// AllowServiceLinked lets delete act on service-linked roles (through
	// DeleteServiceLinkedRole); they are refused otherwise.
	AllowServiceLinked bool
	// DeleteReferenced lets a plan delete a role or user that is still
	// referenced (compute that runs as it, a trust chain, a resource
	// policy: Reference.BlocksDelete); such a delete is refused otherwise.
	DeleteReferenced bool
	// DeleteUnchecked lets a plan made with references delete a role or
	// user whose references were not all read (a source not checked, or
	// a references file that does not cover it); such a delete is
	// refused otherwise, since what was not read may still point at it.
	DeleteUnchecked bool
}

// DefaultRemediationPolicy is the policy before any configuration: reversible actions
// only (quarantine roles and users, deactivate keys), passwords left
// alone (deleting one cannot be undone), at most 25 deletions per run and
// 10 per account.
func DefaultRemediationPolicy() RemediationPolicy {
	return RemediationPolicy{
		Roles:                  ActionQuarantine,
		Users:                  ActionQuarantine,
		AccessKeys:             ActionDeactivateKey,
		MaxDeletionsPerRun:     25,
		MaxDeletionsPerAccount: 10,
	}
}

// Validate checks that each action fits its kind of finding.
func (p RemediationPolicy) Validate() error {
	check := func(field string, got ActionKind, allowed ...ActionKind) error {
		if got == "" || slices.Contains(allowed, got) {
			return nil
		}
		names := make([]string, len(allowed))
		for i, a := range allowed {
			names[i] = string(a)
		}
		return fmt.Errorf("%s: %q is not an action for it; want none, %s", field, got, strings.Join(names, " or "))
	}
	if err := check("roles", p.Roles, ActionQuarantine, ActionDelete); err != nil {
		return err
	}
	if err := check("users", p.Users, ActionQuarantine, ActionDelete); err != nil {
		return err
	}
	if err := check("access-keys", p.AccessKeys, ActionDeactivateKey, ActionDeleteKey); err != nil {
		return err
	}
	if err := check("passwords", p.Passwords, ActionDeletePassword); err != nil {
		return err
	}
	for _, a := range p.ProtectedAccounts {
		if !IsAccountID(a) {
			return fmt.Errorf("protected-accounts: %q is not a 12-digit account ID", a)
		}
	}
	return nil
}

// Deleting reports whether an action of kind k removes something for good
// or until a restore: the actions the deletion limits count.
func Deleting(k ActionKind) bool {
	return k == ActionDelete || k == ActionDeleteKey || k == ActionDeletePassword
}
