package remediate

import (
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"
	"unicode"

	"github.com/iamsweep/iamsweep"
)

// QuarantinePolicyName is the name of the inline policy a quarantine adds.
const QuarantinePolicyName = "iamsweep-quarantine"

// The tags a quarantine sets on the principal, all under TagPrefix.
const (
	TagPrefix = "iamsweep:"
	// TagQuarantinedAt holds the quarantine time (RFC 3339).
	TagQuarantinedAt = "iamsweep:quarantined-at"
	// TagQuarantinedBy holds the ARN of the caller that quarantined it.
	TagQuarantinedBy = "iamsweep:quarantined-by"
	// TagQuarantineReason holds why (the finding's rule and age).
	TagQuarantineReason = "iamsweep:quarantine-reason"
	// TagQuarantinePolicy says how the deny was added: "inline" (the
	// iamsweep-quarantine policy) or "AWSDenyAll" (the managed policy,
	// attached by iamsweep, which release detaches).
	TagQuarantinePolicy = "iamsweep:quarantine-policy"
)

// The IAM limits a quarantine must respect: the aggregate size of a
// principal's inline policies, white space not counted, and the default
// quota of managed policies attached to one principal.
const (
	RoleInlineSizeLimit     = 10240
	UserInlineSizeLimit     = 2048
	AttachedPoliciesDefault = 10
	// MaxTags is the number of tags IAM allows on a role or user.
	MaxTags = 50
)

// DenyAllARN returns the ARN of the AWS managed policy AWSDenyAll in the
// partition of arn ("aws", "aws-cn", "aws-us-gov").
func DenyAllARN(principalARN string) string {
	partition := "aws"
	if a, err := iamsweep.ParseARN(principalARN); err == nil && a.Partition != "" {
		partition = a.Partition
	}
	return "arn:" + partition + ":iam::aws:policy/AWSDenyAll"
}

// QuarantineDocument is the deny-all policy a quarantine adds: a statement
// that denies every action, and AWS's "revoke active sessions" statement,
// which denies every session issued before at (aws:TokenIssueTime), so the
// revocation holds even if someone narrows the first statement to let a
// break-glass action through.
func QuarantineDocument(at time.Time) string {
	return `{"Version":"2012-10-17","Statement":[` +
		`{"Sid":"IamsweepQuarantineDenyAll","Effect":"Deny","Action":"*","Resource":"*"},` +
		`{"Sid":"IamsweepRevokeOlderSessions","Effect":"Deny","Action":"*","Resource":"*",` +
		`"Condition":{"DateLessThan":{"aws:TokenIssueTime":"` + at.UTC().Format(time.RFC3339) + `"}}}]}`
}

// PolicySize is the size IAM counts for a policy document: its characters
// other than white space.
func PolicySize(doc string) int {
	n := 0
	for _, r := range doc {
		if !unicode.IsSpace(r) {
			n++
		}
	}
	return n
}

// Quarantine describes a quarantine to apply.
type Quarantine struct {
	At time.Time
	// By is the caller's ARN.
	By string
	// Reason is why, in words (sanitized to what a tag value may hold).
	Reason string
	// DenyAllOurs is true when an AWSDenyAll the principal holds was
	// attached by an interrupted apply of this quarantine (its backup,
	// taken before, did not hold it): release must then detach it.
	DenyAllOurs bool
}

// quarantineTags returns the tags of a quarantine; how is "inline" or
// "AWSDenyAll".
func (q Quarantine) tags(how string) []iamsweep.Tag {
	return []iamsweep.Tag{
		{Key: TagQuarantinedAt, Value: q.At.UTC().Format(time.RFC3339)},
		{Key: TagQuarantinedBy, Value: TagValue(q.By)},
		{Key: TagQuarantineReason, Value: TagValue(q.Reason)},
		{Key: TagQuarantinePolicy, Value: how},
	}
}

// TagValue turns s into a valid IAM tag value: characters IAM does not
// allow (anything but letters, digits, white space and _ . : / = + - @)
// become spaces, and the value is cut to 256 characters.
func TagValue(s string) string {
	var b strings.Builder
	n := 0
	for _, r := range s {
		if n == 256 {
			break
		}
		switch {
		case unicode.IsLetter(r), unicode.IsDigit(r), strings.ContainsRune("_.:/=+-@", r):
			b.WriteRune(r)
		case unicode.IsSpace(r):
			b.WriteByte(' ')
		default:
			b.WriteByte(' ')
		}
		n++
	}
	return strings.TrimSpace(b.String())
}

// principalOps are the calls that differ between roles and users.
type principalOps struct {
	putPolicy, deletePolicy, attach, detach, tag, untag, putBoundary, deleteBoundary iamsweep.Op
	sizeLimit                                                                        int
}

var (
	roleOps = principalOps{iamsweep.OpPutRolePolicy, iamsweep.OpDeleteRolePolicy, iamsweep.OpAttachRolePolicy,
		iamsweep.OpDetachRolePolicy, iamsweep.OpTagRole, iamsweep.OpUntagRole,
		iamsweep.OpPutRolePermissionsBoundary, iamsweep.OpDeleteRolePermissionsBoundary, RoleInlineSizeLimit}
	userOps = principalOps{iamsweep.OpPutUserPolicy, iamsweep.OpDeleteUserPolicy, iamsweep.OpAttachUserPolicy,
		iamsweep.OpDetachUserPolicy, iamsweep.OpTagUser, iamsweep.OpUntagUser,
		iamsweep.OpPutUserPermissionsBoundary, iamsweep.OpDeleteUserPermissionsBoundary, UserInlineSizeLimit}
)

// policies is what a quarantine and a release look at in a principal.
type policies struct {
	arn      string
	name     string
	inline   []iamsweep.NamedDocument
	attached []string
	tags     []iamsweep.Tag
}

func roleParts(s iamsweep.RoleState) policies {
	return policies{s.ARN, s.Name, s.InlinePolicies, s.AttachedPolicies, s.Tags}
}

func userParts(s iamsweep.UserState) policies {
	return policies{s.ARN, s.Name, s.InlinePolicies, s.AttachedPolicies, s.Tags}
}

// QuarantineRoleSteps returns the calls that quarantine a role in state s,
// and notes for the reviewer. It returns no steps when the role is already
// quarantined, so running a quarantine twice changes nothing.
func QuarantineRoleSteps(s iamsweep.RoleState, q Quarantine) ([]iamsweep.Step, []string) {
	return quarantineSteps(roleParts(s), roleOps, q)
}

// QuarantineUserSteps is QuarantineRoleSteps for a user.
func QuarantineUserSteps(s iamsweep.UserState, q Quarantine) ([]iamsweep.Step, []string) {
	return quarantineSteps(userParts(s), userOps, q)
}

func quarantineSteps(p policies, ops principalOps, q Quarantine) ([]iamsweep.Step, []string) {
	denyAll := DenyAllARN(p.arn)
	tagged := hasTag(p.tags, TagQuarantinePolicy)
	if hasInline(p.inline, QuarantinePolicyName) {
		// An interrupted quarantine may have added the policy and not
		// the tags: add them, if they fit.
		if tags := q.tags("inline"); !tagged && len(p.tags)+len(tags) <= MaxTags {
			return []iamsweep.Step{{Op: ops.tag, Name: p.name, Tags: tags}}, []string{"already quarantined by the inline policy; adding its tags"}
		}
		return nil, []string{"already quarantined"}
	}
	if tagged && slices.Contains(p.attached, denyAll) {
		return nil, []string{"already quarantined"}
	}
	var notes []string
	doc := QuarantineDocument(q.At)
	size := PolicySize(doc)
	for _, d := range p.inline {
		size += PolicySize(d.Document)
	}
	how := "inline"
	var steps []iamsweep.Step
	switch {
	case size <= ops.sizeLimit:
		steps = append(steps, iamsweep.Step{Op: ops.putPolicy, Name: p.name, Target: QuarantinePolicyName, Document: doc})
	case slices.Contains(p.attached, denyAll) && q.DenyAllOurs:
		// An interrupted quarantine attached it: only the tags remain.
		how = "AWSDenyAll"
		notes = append(notes, "AWSDenyAll was attached by an interrupted apply; adding its tags")
	case slices.Contains(p.attached, denyAll):
		// Someone attached AWSDenyAll already: it denies everything; only
		// the tags remain to add, and release must not detach it.
		how = "preexisting AWSDenyAll"
		notes = append(notes, "AWSDenyAll was already attached; the quarantine only tags it")
	default:
		how = "AWSDenyAll"
		notes = append(notes, "inline policies are near IAM's size limit: attaching the managed policy AWSDenyAll instead of an inline policy (it does not revoke older sessions by issue time, but denies every action of every session)")
		steps = append(steps, iamsweep.Step{Op: ops.attach, Name: p.name, Target: denyAll})
	}
	tags := q.tags(how)
	if len(p.tags)+len(tags) > MaxTags {
		notes = append(notes, "the principal has too many tags to hold iamsweep's quarantine tags (IAM allows 50): the quarantine is recorded only in iamsweep's store")
	} else {
		steps = append(steps, iamsweep.Step{Op: ops.tag, Name: p.name, Tags: tags})
	}
	return steps, notes
}

// ReleaseRoleSteps returns the calls that undo a quarantine of a role:
// delete the iamsweep-quarantine policy, detach AWSDenyAll when iamsweep
// attached it (the tag says so, or attachedByUs when the tags could not be
// set), and remove iamsweep's tags. No steps when the role is not
// quarantined.
func ReleaseRoleSteps(s iamsweep.RoleState, attachedByUs bool) []iamsweep.Step {
	return releaseSteps(roleParts(s), roleOps, attachedByUs)
}

// ReleaseUserSteps is ReleaseRoleSteps for a user.
func ReleaseUserSteps(s iamsweep.UserState, attachedByUs bool) []iamsweep.Step {
	return releaseSteps(userParts(s), userOps, attachedByUs)
}

func releaseSteps(p policies, ops principalOps, attachedByUs bool) []iamsweep.Step {
	var steps []iamsweep.Step
	if hasInline(p.inline, QuarantinePolicyName) {
		steps = append(steps, iamsweep.Step{Op: ops.deletePolicy, Name: p.name, Target: QuarantinePolicyName})
	}
	denyAll := DenyAllARN(p.arn)
	how, _ := tagValue(p.tags, TagQuarantinePolicy)
	if slices.Contains(p.attached, denyAll) && (how == "AWSDenyAll" || attachedByUs) {
		steps = append(steps, iamsweep.Step{Op: ops.detach, Name: p.name, Target: denyAll})
	}
	var keys []string
	for _, t := range p.tags {
		if strings.HasPrefix(t.Key, TagPrefix) && strings.HasPrefix(t.Key, "iamsweep:quarantine") {
			keys = append(keys, t.Key)
		}
	}
	if len(keys) > 0 {
		sort.Strings(keys)
		steps = append(steps, iamsweep.Step{Op: ops.untag, Name: p.name, TagKeys: keys})
	}
	return steps
}

// Quarantined reports whether a principal with these policies and tags is
// quarantined by iamsweep.
func Quarantined(inline []iamsweep.NamedDocument, tags []iamsweep.Tag) bool {
	return hasInline(inline, QuarantinePolicyName) || hasTag(tags, TagQuarantinePolicy)
}

// DeleteRoleSteps returns the calls that delete a role, in the order IAM
// requires: out of its instance profiles (deleting a profile the backup
// holds and that holds no other role), inline policies, managed policies,
// the permissions boundary, the role.
//
// current is the role as it is now; backup as it was before iamsweep
// changed it, so that a rerun after an interruption still deletes the
// profiles the first run emptied. profiles holds the current state of the
// backup's profiles (absent when the profile no longer exists).
// A service-linked role is deleted by its service, in one step.
func DeleteRoleSteps(current, backup iamsweep.RoleState, profiles map[string]iamsweep.InstanceProfileState) []iamsweep.Step {
	if ServiceLinked(current.Path) {
		return []iamsweep.Step{{Op: iamsweep.OpDeleteServiceLinkedRole, Name: current.Name}}
	}
	var steps []iamsweep.Step
	deleted := map[string]bool{}
	for _, p := range current.InstanceProfiles {
		steps = append(steps, iamsweep.Step{Op: iamsweep.OpRemoveRoleFromInstanceProfile, Name: current.Name, Target: p.Name})
		if soleHolder(p, current.Name) && backupHolds(backup, p.Name) {
			steps = append(steps, iamsweep.Step{Op: iamsweep.OpDeleteInstanceProfile, Target: p.Name})
			deleted[p.Name] = true
		}
	}
	// Profiles an earlier, interrupted run emptied but did not delete.
	for _, bp := range backup.InstanceProfiles {
		if deleted[bp.Name] || !soleHolder(bp, backup.Name) {
			continue
		}
		now, ok := profiles[bp.Name]
		if ok && len(now.Roles) == 0 && now.ID == bp.ID {
			steps = append(steps, iamsweep.Step{Op: iamsweep.OpDeleteInstanceProfile, Target: bp.Name})
		}
	}
	for _, p := range current.InlinePolicies {
		steps = append(steps, iamsweep.Step{Op: iamsweep.OpDeleteRolePolicy, Name: current.Name, Target: p.Name})
	}
	for _, a := range current.AttachedPolicies {
		steps = append(steps, iamsweep.Step{Op: iamsweep.OpDetachRolePolicy, Name: current.Name, Target: a})
	}
	if current.PermissionsBoundary != "" {
		steps = append(steps, iamsweep.Step{Op: iamsweep.OpDeleteRolePermissionsBoundary, Name: current.Name})
	}
	return append(steps, iamsweep.Step{Op: iamsweep.OpDeleteRole, Name: current.Name})
}

// ServiceLinked reports whether a role at this path is service-linked.
func ServiceLinked(path string) bool { return strings.HasPrefix(path, "/aws-service-role/") }

func soleHolder(p iamsweep.InstanceProfileState, role string) bool {
	return len(p.Roles) == 1 && p.Roles[0] == role
}

func backupHolds(b iamsweep.RoleState, profile string) bool {
	for _, p := range b.InstanceProfiles {
		if p.Name == profile {
			return true
		}
	}
	return false
}

// DeleteUserSteps returns the calls that delete a user, in the order IAM
// requires: console password, access keys, signing certificates, SSH
// public keys, service-specific credentials, MFA devices (deactivated, and
// virtual ones deleted), inline policies, managed policies, groups, the
// permissions boundary, the user. backup is the user as it was before
// iamsweep changed it: virtual MFA devices an interrupted run deactivated
// (which IAM then no longer lists for the user) are deleted too.
func DeleteUserSteps(current, backup iamsweep.UserState) []iamsweep.Step {
	n := current.Name
	var steps []iamsweep.Step
	if current.LoginProfile != nil {
		steps = append(steps, iamsweep.Step{Op: iamsweep.OpDeleteLoginProfile, Name: n})
	}
	for _, k := range current.AccessKeys {
		steps = append(steps, iamsweep.Step{Op: iamsweep.OpDeleteAccessKey, Name: n, Target: k.ID})
	}
	for _, c := range current.SigningCertificates {
		steps = append(steps, iamsweep.Step{Op: iamsweep.OpDeleteSigningCertificate, Name: n, Target: c.ID})
	}
	for _, k := range current.SSHPublicKeys {
		steps = append(steps, iamsweep.Step{Op: iamsweep.OpDeleteSSHPublicKey, Name: n, Target: k.ID})
	}
	for _, c := range current.ServiceCredentials {
		steps = append(steps, iamsweep.Step{Op: iamsweep.OpDeleteServiceSpecificCredential, Name: n, Target: c.ID})
	}
	virtualDone := map[string]bool{}
	for _, d := range current.MFADevices {
		steps = append(steps, iamsweep.Step{Op: iamsweep.OpDeactivateMFADevice, Name: n, Target: d.SerialNumber})
		if d.Virtual {
			steps = append(steps, iamsweep.Step{Op: iamsweep.OpDeleteVirtualMFADevice, Target: d.SerialNumber})
			virtualDone[d.SerialNumber] = true
		}
	}
	for _, d := range backup.MFADevices {
		if d.Virtual && !virtualDone[d.SerialNumber] {
			steps = append(steps, iamsweep.Step{Op: iamsweep.OpDeleteVirtualMFADevice, Target: d.SerialNumber})
		}
	}
	for _, p := range current.InlinePolicies {
		steps = append(steps, iamsweep.Step{Op: iamsweep.OpDeleteUserPolicy, Name: n, Target: p.Name})
	}
	for _, a := range current.AttachedPolicies {
		steps = append(steps, iamsweep.Step{Op: iamsweep.OpDetachUserPolicy, Name: n, Target: a})
	}
	for _, g := range current.Groups {
		steps = append(steps, iamsweep.Step{Op: iamsweep.OpRemoveUserFromGroup, Name: n, Target: g})
	}
	if current.PermissionsBoundary != "" {
		steps = append(steps, iamsweep.Step{Op: iamsweep.OpDeleteUserPermissionsBoundary, Name: n})
	}
	return append(steps, iamsweep.Step{Op: iamsweep.OpDeleteUser, Name: n})
}

// TagRestoreMarker is the tag a restore sets on the principal it creates,
// in the CreateRole or CreateUser call itself, and removes with its last
// call. Its value names the restore (its journal ID), so that the restore
// knows the principal for its own when the answer to the create never
// arrived: the SDK's retry then meets EntityAlreadyExists, and a rerun
// finds a principal it has no record of creating.
const TagRestoreMarker = "iamsweep:restore"

// RestoreMarker is the marker tag of the restore journaled as restoreID.
func RestoreMarker(restoreID string) iamsweep.Tag {
	return iamsweep.Tag{Key: TagRestoreMarker, Value: TagValue(restoreID)}
}

// createTags are the tags of the principal a restore creates: the
// backup's, and the marker when there is one. With the marker, a backup
// at IAM's 50-tag quota leaves out its last tag, which the restore adds
// once the marker is removed.
func createTags(backup []iamsweep.Tag, marker iamsweep.Tag) []iamsweep.Tag {
	tags := withoutKey(backup, TagRestoreMarker)
	if marker.Key == "" {
		return tags
	}
	if len(tags) >= MaxTags {
		tags = tags[:MaxTags-1]
	}
	return append(tags, marker)
}

// restoreTags returns the tag calls of a restore: first those that add
// the backup's tags the principal lacks; last, when it carries a restore
// marker, the marker's removal and then the tags that had no room beside
// it.
func restoreTags(ops principalOps, name string, backup, have []iamsweep.Tag) (first, last []iamsweep.Step) {
	missing := missingTags(withoutKey(backup, TagRestoreMarker), have)
	later := []iamsweep.Tag(nil)
	marked := hasTag(have, TagRestoreMarker)
	if marked {
		room := max(MaxTags-len(have), 0)
		if len(missing) > room {
			missing, later = missing[:room], missing[room:]
		}
	}
	if len(missing) > 0 {
		first = append(first, iamsweep.Step{Op: ops.tag, Name: name, Tags: missing})
	}
	if marked {
		last = append(last, iamsweep.Step{Op: ops.untag, Name: name, TagKeys: []string{TagRestoreMarker}})
	}
	if len(later) > 0 {
		last = append(last, iamsweep.Step{Op: ops.tag, Name: name, Tags: later})
	}
	return first, last
}

// RestoreRoleSteps returns the calls that bring a role back to its backup:
// all of them when the role does not exist (current nil), else those that
// are still missing (a rerun after an interruption). Instance profiles
// that no longer exist are recreated with their path and tags.
// profiles holds the current state of the backup's profiles. A role
// created is tagged with marker (none when its Key is ""), and the marker
// removed by the last call.
func RestoreRoleSteps(backup iamsweep.RoleState, current *iamsweep.RoleState, profiles map[string]iamsweep.InstanceProfileState, marker iamsweep.Tag) ([]iamsweep.Step, []string) {
	var steps []iamsweep.Step
	var notes []string
	var have iamsweep.RoleState
	if current == nil {
		b := backup
		b.Tags = createTags(backup.Tags, marker)
		steps = append(steps, iamsweep.Step{Op: iamsweep.OpCreateRole, Name: b.Name, Role: &b})
		have = iamsweep.RoleState{Name: b.Name, Path: b.Path, PermissionsBoundary: b.PermissionsBoundary, Tags: b.Tags}
	} else {
		have = *current
		if have.PermissionsBoundary != backup.PermissionsBoundary && backup.PermissionsBoundary != "" {
			steps = append(steps, iamsweep.Step{Op: iamsweep.OpPutRolePermissionsBoundary, Name: backup.Name, Target: backup.PermissionsBoundary})
		}
	}
	tagFirst, tagLast := restoreTags(roleOps, backup.Name, backup.Tags, have.Tags)
	steps = append(steps, tagFirst...)
	for _, p := range backup.InlinePolicies {
		if !sameInline(have.InlinePolicies, p) {
			steps = append(steps, iamsweep.Step{Op: iamsweep.OpPutRolePolicy, Name: backup.Name, Target: p.Name, Document: p.Document})
		}
	}
	for _, a := range backup.AttachedPolicies {
		if !slices.Contains(have.AttachedPolicies, a) {
			steps = append(steps, iamsweep.Step{Op: iamsweep.OpAttachRolePolicy, Name: backup.Name, Target: a})
		}
	}
	for _, bp := range backup.InstanceProfiles {
		now, exists := profiles[bp.Name]
		switch {
		case !exists:
			p := bp
			p.Roles = nil
			steps = append(steps,
				iamsweep.Step{Op: iamsweep.OpCreateInstanceProfile, Target: bp.Name, Profile: &p},
				iamsweep.Step{Op: iamsweep.OpAddRoleToInstanceProfile, Name: backup.Name, Target: bp.Name})
		case slices.Contains(now.Roles, backup.Name):
		case len(now.Roles) > 0:
			notes = append(notes, "instance profile "+bp.Name+" now holds role "+now.Roles[0]+" (a profile holds one role): the role was not added back to it")
		default:
			steps = append(steps, iamsweep.Step{Op: iamsweep.OpAddRoleToInstanceProfile, Name: backup.Name, Target: bp.Name})
		}
	}
	return append(steps, tagLast...), notes
}

// RestoreUserSteps returns the calls that bring a user back to its backup,
// as RestoreRoleSteps does for a role. Secrets cannot come back: access
// keys, service-specific credentials and virtual MFA seeds are named in
// the notes. With password, a console password is created that must be
// changed at the next sign-in.
func RestoreUserSteps(backup iamsweep.UserState, current *iamsweep.UserState, password string, marker iamsweep.Tag) ([]iamsweep.Step, []string) {
	var steps []iamsweep.Step
	var notes []string
	var have iamsweep.UserState
	n := backup.Name
	if current == nil {
		b := backup
		b.Tags = createTags(backup.Tags, marker)
		steps = append(steps, iamsweep.Step{Op: iamsweep.OpCreateUser, Name: n, User: &b})
		have = iamsweep.UserState{Name: n, Path: b.Path, PermissionsBoundary: b.PermissionsBoundary, Tags: b.Tags}
	} else {
		have = *current
		if have.PermissionsBoundary != backup.PermissionsBoundary && backup.PermissionsBoundary != "" {
			steps = append(steps, iamsweep.Step{Op: iamsweep.OpPutUserPermissionsBoundary, Name: n, Target: backup.PermissionsBoundary})
		}
	}
	tagFirst, tagLast := restoreTags(userOps, n, backup.Tags, have.Tags)
	steps = append(steps, tagFirst...)
	for _, p := range backup.InlinePolicies {
		if !sameInline(have.InlinePolicies, p) {
			steps = append(steps, iamsweep.Step{Op: iamsweep.OpPutUserPolicy, Name: n, Target: p.Name, Document: p.Document})
		}
	}
	for _, a := range backup.AttachedPolicies {
		if !slices.Contains(have.AttachedPolicies, a) {
			steps = append(steps, iamsweep.Step{Op: iamsweep.OpAttachUserPolicy, Name: n, Target: a})
		}
	}
	for _, g := range backup.Groups {
		if !slices.Contains(have.Groups, g) {
			steps = append(steps, iamsweep.Step{Op: iamsweep.OpAddUserToGroup, Name: n, Target: g})
		}
	}
	for _, k := range backup.SSHPublicKeys {
		switch now, ok := findSSH(have.SSHPublicKeys, k.Body); {
		case !ok:
			steps = append(steps, iamsweep.Step{Op: iamsweep.OpUploadSSHPublicKey, Name: n, Document: k.Body, Active: k.Active})
		case now.Active != k.Active:
			// Uploaded by an interrupted restore that did not set its status.
			steps = append(steps, iamsweep.Step{Op: iamsweep.OpUpdateSSHPublicKey, Name: n, Target: now.ID, Active: k.Active})
		}
	}
	for _, c := range backup.SigningCertificates {
		switch now, ok := findCert(have.SigningCertificates, c.Body); {
		case !ok:
			steps = append(steps, iamsweep.Step{Op: iamsweep.OpUploadSigningCertificate, Name: n, Document: c.Body, Active: c.Active})
		case now.Active != c.Active:
			steps = append(steps, iamsweep.Step{Op: iamsweep.OpUpdateSigningCertificate, Name: n, Target: now.ID, Active: c.Active})
		}
	}
	if backup.LoginProfile != nil && have.LoginProfile == nil {
		if password != "" {
			steps = append(steps, iamsweep.Step{Op: iamsweep.OpCreateLoginProfile, Name: n, Password: password, PasswordResetRequired: true})
		} else {
			notes = append(notes, "the console password cannot come back (IAM never reveals it): rerun with --reset-password to set a new one that must be changed at the next sign-in")
		}
	}
	if len(backup.AccessKeys) > 0 {
		notes = append(notes, plural(len(backup.AccessKeys), "access key")+" ("+keyIDs(backup.AccessKeys)+") cannot come back: a key's secret is gone once deleted; create new keys and hand them over")
	}
	for _, d := range backup.MFADevices {
		if d.Virtual {
			notes = append(notes, "virtual MFA device "+d.SerialNumber+" was deleted: the user must enroll an MFA device again")
		} else {
			notes = append(notes, "MFA device "+d.SerialNumber+" was deactivated: enable it again with two consecutive codes (EnableMFADevice)")
		}
	}
	for _, c := range backup.ServiceCredentials {
		notes = append(notes, "service-specific credential "+c.ID+" ("+c.ServiceName+") cannot come back: create a new one")
	}
	return append(steps, tagLast...), notes
}

func keyIDs(keys []iamsweep.AccessKeyState) string {
	ids := make([]string, len(keys))
	for i, k := range keys {
		ids[i] = k.ID
	}
	return strings.Join(ids, ", ")
}

func plural(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return strconv.Itoa(n) + " " + noun + "s"
}

func findSSH(keys []iamsweep.SSHPublicKeyState, body string) (iamsweep.SSHPublicKeyState, bool) {
	for _, k := range keys {
		if strings.TrimSpace(k.Body) == strings.TrimSpace(body) {
			return k, true
		}
	}
	return iamsweep.SSHPublicKeyState{}, false
}

func findCert(certs []iamsweep.SigningCertificateState, body string) (iamsweep.SigningCertificateState, bool) {
	for _, c := range certs {
		if strings.TrimSpace(c.Body) == strings.TrimSpace(body) {
			return c, true
		}
	}
	return iamsweep.SigningCertificateState{}, false
}

func sameInline(have []iamsweep.NamedDocument, p iamsweep.NamedDocument) bool {
	for _, h := range have {
		if h.Name == p.Name {
			return SameJSON(h.Document, p.Document)
		}
	}
	return false
}

func missingTags(want, have []iamsweep.Tag) []iamsweep.Tag {
	var out []iamsweep.Tag
	for _, w := range want {
		found := false
		for _, h := range have {
			if h.Key == w.Key && h.Value == w.Value {
				found = true
				break
			}
		}
		if !found {
			out = append(out, w)
		}
	}
	return out
}

func hasInline(ps []iamsweep.NamedDocument, name string) bool {
	for _, p := range ps {
		if p.Name == name {
			return true
		}
	}
	return false
}

func withoutKey(tags []iamsweep.Tag, key string) []iamsweep.Tag {
	return slices.DeleteFunc(slices.Clone(tags), func(t iamsweep.Tag) bool { return t.Key == key })
}

func hasTag(tags []iamsweep.Tag, key string) bool {
	_, ok := tagValue(tags, key)
	return ok
}

func tagValue(tags []iamsweep.Tag, key string) (string, bool) {
	for _, t := range tags {
		if t.Key == key {
			return t.Value, true
		}
	}
	return "", false
}
