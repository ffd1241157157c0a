package awsapi

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	iamtypes "github.com/aws/aws-sdk-go-v2/service/iam/types"

	"github.com/iamsweep/iamsweep"
)

// This file makes the changes of remediations and restores: the write half
// of iamsweep.Mutator, one IAM call per step.

// Do makes the IAM call s names, with the arguments iamsweep.Step documents
// for it. Errors say the operation and its subject ("DeleteRolePolicy
// s3-read: ...") and wrap an *iamsweep.APIError, so the domain error
// (iamsweep.ErrNotFound, ErrDeleteConflict...) matches with errors.Is and
// the AWS code is iamsweep.ErrorCode's. Step.Password is sent to IAM and
// nowhere else.
//
// Two ops make more than one call: UploadSSHPublicKey and
// UploadSigningCertificate set the new key or certificate Inactive when
// !s.Active, and DeleteServiceLinkedRole waits for IAM's deletion task
// (see Options.SLRPoll and SLRTimeout).
func (c *Client) Do(ctx context.Context, s iamsweep.Step) error {
	if err := c.do(ctx, s); err != nil {
		return fmt.Errorf("%s %s: %w", s.Op, stepSubject(s), classify(err))
	}
	c.log.Debug("iam step done", "op", string(s.Op), "name", s.Name)
	return nil
}

// stepSubject names what a step acts on for its errors: the target (policy,
// key, profile...), else the principal.
func stepSubject(s iamsweep.Step) string {
	switch {
	case s.Target != "":
		return s.Target
	case s.Name != "":
		return s.Name
	case s.Role != nil:
		return s.Role.Name
	case s.User != nil:
		return s.User.Name
	case s.Profile != nil:
		return s.Profile.Name
	}
	return ""
}

// needsName reports whether op acts on the role or user in Step.Name.
// Several IAM calls take an optional UserName and act on the caller's own
// user without one (IAM-FACTS §4), so a missing name is refused here rather
// than sent.
func needsName(op iamsweep.Op) bool {
	switch op {
	case iamsweep.OpCreateRole, iamsweep.OpCreateUser, iamsweep.OpCreateInstanceProfile,
		iamsweep.OpDeleteInstanceProfile, iamsweep.OpDeleteVirtualMFADevice,
		iamsweep.OpCreatePolicy, iamsweep.OpDeletePolicy:
		return false
	}
	return true
}

func (c *Client) do(ctx context.Context, s iamsweep.Step) error {
	if needsName(s.Op) && s.Name == "" {
		return errors.New("the step names no role or user")
	}
	name := aws.String(s.Name)
	target := aws.String(s.Target)
	var err error
	switch s.Op {
	// Roles.
	case iamsweep.OpPutRolePolicy:
		_, err = c.iam.PutRolePolicy(ctx, &iam.PutRolePolicyInput{RoleName: name, PolicyName: target, PolicyDocument: aws.String(s.Document)})
	case iamsweep.OpDeleteRolePolicy:
		_, err = c.iam.DeleteRolePolicy(ctx, &iam.DeleteRolePolicyInput{RoleName: name, PolicyName: target})
	case iamsweep.OpAttachRolePolicy:
		_, err = c.iam.AttachRolePolicy(ctx, &iam.AttachRolePolicyInput{RoleName: name, PolicyArn: target})
	case iamsweep.OpDetachRolePolicy:
		_, err = c.iam.DetachRolePolicy(ctx, &iam.DetachRolePolicyInput{RoleName: name, PolicyArn: target})
	case iamsweep.OpTagRole:
		_, err = c.iam.TagRole(ctx, &iam.TagRoleInput{RoleName: name, Tags: toIAMTags(s.Tags)})
	case iamsweep.OpUntagRole:
		_, err = c.iam.UntagRole(ctx, &iam.UntagRoleInput{RoleName: name, TagKeys: s.TagKeys})
	case iamsweep.OpPutRolePermissionsBoundary:
		_, err = c.iam.PutRolePermissionsBoundary(ctx, &iam.PutRolePermissionsBoundaryInput{RoleName: name, PermissionsBoundary: target})
	case iamsweep.OpDeleteRolePermissionsBoundary:
		_, err = c.iam.DeleteRolePermissionsBoundary(ctx, &iam.DeleteRolePermissionsBoundaryInput{RoleName: name})
	case iamsweep.OpRemoveRoleFromInstanceProfile:
		_, err = c.iam.RemoveRoleFromInstanceProfile(ctx, &iam.RemoveRoleFromInstanceProfileInput{RoleName: name, InstanceProfileName: aws.String(profileName(s))})
	case iamsweep.OpAddRoleToInstanceProfile:
		_, err = c.iam.AddRoleToInstanceProfile(ctx, &iam.AddRoleToInstanceProfileInput{RoleName: name, InstanceProfileName: aws.String(profileName(s))})
	case iamsweep.OpCreateInstanceProfile:
		in := &iam.CreateInstanceProfileInput{InstanceProfileName: aws.String(profileName(s))}
		if p := s.Profile; p != nil {
			in.Path = optional(p.Path)
			in.Tags = toIAMTags(p.Tags)
		}
		_, err = c.iam.CreateInstanceProfile(ctx, in)
	case iamsweep.OpDeleteInstanceProfile:
		_, err = c.iam.DeleteInstanceProfile(ctx, &iam.DeleteInstanceProfileInput{InstanceProfileName: aws.String(profileName(s))})
	case iamsweep.OpCreateRole:
		r := s.Role
		if r == nil {
			return errors.New("the step holds no role to create")
		}
		in := &iam.CreateRoleInput{
			RoleName:                 aws.String(cmp.Or(r.Name, s.Name)),
			Path:                     optional(r.Path),
			AssumeRolePolicyDocument: aws.String(r.TrustPolicy),
			Description:              optional(r.Description),
			PermissionsBoundary:      optional(r.PermissionsBoundary),
			Tags:                     toIAMTags(r.Tags),
		}
		if r.MaxSessionDuration > 0 {
			in.MaxSessionDuration = aws.Int32(int32(r.MaxSessionDuration))
		}
		_, err = c.iam.CreateRole(ctx, in)
	case iamsweep.OpDeleteRole:
		_, err = c.iam.DeleteRole(ctx, &iam.DeleteRoleInput{RoleName: name})
	case iamsweep.OpDeleteServiceLinkedRole:
		err = c.deleteServiceLinkedRole(ctx, s.Name)

	// Users.
	case iamsweep.OpPutUserPolicy:
		_, err = c.iam.PutUserPolicy(ctx, &iam.PutUserPolicyInput{UserName: name, PolicyName: target, PolicyDocument: aws.String(s.Document)})
	case iamsweep.OpDeleteUserPolicy:
		_, err = c.iam.DeleteUserPolicy(ctx, &iam.DeleteUserPolicyInput{UserName: name, PolicyName: target})
	case iamsweep.OpAttachUserPolicy:
		_, err = c.iam.AttachUserPolicy(ctx, &iam.AttachUserPolicyInput{UserName: name, PolicyArn: target})
	case iamsweep.OpDetachUserPolicy:
		_, err = c.iam.DetachUserPolicy(ctx, &iam.DetachUserPolicyInput{UserName: name, PolicyArn: target})
	case iamsweep.OpTagUser:
		_, err = c.iam.TagUser(ctx, &iam.TagUserInput{UserName: name, Tags: toIAMTags(s.Tags)})
	case iamsweep.OpUntagUser:
		_, err = c.iam.UntagUser(ctx, &iam.UntagUserInput{UserName: name, TagKeys: s.TagKeys})
	case iamsweep.OpPutUserPermissionsBoundary:
		_, err = c.iam.PutUserPermissionsBoundary(ctx, &iam.PutUserPermissionsBoundaryInput{UserName: name, PermissionsBoundary: target})
	case iamsweep.OpDeleteUserPermissionsBoundary:
		_, err = c.iam.DeleteUserPermissionsBoundary(ctx, &iam.DeleteUserPermissionsBoundaryInput{UserName: name})
	case iamsweep.OpCreateLoginProfile:
		_, err = c.iam.CreateLoginProfile(ctx, &iam.CreateLoginProfileInput{UserName: name, Password: aws.String(s.Password), PasswordResetRequired: s.PasswordResetRequired})
	case iamsweep.OpDeleteLoginProfile:
		_, err = c.iam.DeleteLoginProfile(ctx, &iam.DeleteLoginProfileInput{UserName: name})
	case iamsweep.OpUpdateAccessKey:
		// UserName always: without it IAM acts on the caller's own key.
		_, err = c.iam.UpdateAccessKey(ctx, &iam.UpdateAccessKeyInput{UserName: name, AccessKeyId: target, Status: status(s.Active)})
	case iamsweep.OpDeleteAccessKey:
		_, err = c.iam.DeleteAccessKey(ctx, &iam.DeleteAccessKeyInput{UserName: name, AccessKeyId: target})
	case iamsweep.OpUploadSigningCertificate:
		var out *iam.UploadSigningCertificateOutput
		out, err = c.iam.UploadSigningCertificate(ctx, &iam.UploadSigningCertificateInput{UserName: name, CertificateBody: aws.String(s.Document)})
		if err == nil && !s.Active {
			var id *string
			if out.Certificate != nil {
				id = out.Certificate.CertificateId
			}
			return leaveInactive("certificate", "UpdateSigningCertificate", id, func() error {
				_, err := c.iam.UpdateSigningCertificate(ctx, &iam.UpdateSigningCertificateInput{UserName: name, CertificateId: id, Status: iamtypes.StatusTypeInactive})
				return err
			})
		}
	case iamsweep.OpUpdateSigningCertificate:
		_, err = c.iam.UpdateSigningCertificate(ctx, &iam.UpdateSigningCertificateInput{UserName: name, CertificateId: target, Status: status(s.Active)})
	case iamsweep.OpDeleteSigningCertificate:
		_, err = c.iam.DeleteSigningCertificate(ctx, &iam.DeleteSigningCertificateInput{UserName: name, CertificateId: target})
	case iamsweep.OpUploadSSHPublicKey:
		var out *iam.UploadSSHPublicKeyOutput
		out, err = c.iam.UploadSSHPublicKey(ctx, &iam.UploadSSHPublicKeyInput{UserName: name, SSHPublicKeyBody: aws.String(s.Document)})
		if err == nil && !s.Active {
			var id *string
			if out.SSHPublicKey != nil {
				id = out.SSHPublicKey.SSHPublicKeyId
			}
			return leaveInactive("SSH public key", "UpdateSSHPublicKey", id, func() error {
				_, err := c.iam.UpdateSSHPublicKey(ctx, &iam.UpdateSSHPublicKeyInput{UserName: name, SSHPublicKeyId: id, Status: iamtypes.StatusTypeInactive})
				return err
			})
		}
	case iamsweep.OpUpdateSSHPublicKey:
		_, err = c.iam.UpdateSSHPublicKey(ctx, &iam.UpdateSSHPublicKeyInput{UserName: name, SSHPublicKeyId: target, Status: status(s.Active)})
	case iamsweep.OpDeleteSSHPublicKey:
		_, err = c.iam.DeleteSSHPublicKey(ctx, &iam.DeleteSSHPublicKeyInput{UserName: name, SSHPublicKeyId: target})
	case iamsweep.OpDeleteServiceSpecificCredential:
		_, err = c.iam.DeleteServiceSpecificCredential(ctx, &iam.DeleteServiceSpecificCredentialInput{UserName: name, ServiceSpecificCredentialId: target})
	case iamsweep.OpDeactivateMFADevice:
		_, err = c.iam.DeactivateMFADevice(ctx, &iam.DeactivateMFADeviceInput{UserName: name, SerialNumber: target})
	case iamsweep.OpDeleteVirtualMFADevice:
		_, err = c.iam.DeleteVirtualMFADevice(ctx, &iam.DeleteVirtualMFADeviceInput{SerialNumber: target})
	case iamsweep.OpAddUserToGroup:
		_, err = c.iam.AddUserToGroup(ctx, &iam.AddUserToGroupInput{UserName: name, GroupName: target})
	case iamsweep.OpRemoveUserFromGroup:
		_, err = c.iam.RemoveUserFromGroup(ctx, &iam.RemoveUserFromGroupInput{UserName: name, GroupName: target})
	case iamsweep.OpCreateUser:
		u := s.User
		if u == nil {
			return errors.New("the step holds no user to create")
		}
		_, err = c.iam.CreateUser(ctx, &iam.CreateUserInput{
			UserName:            aws.String(cmp.Or(u.Name, s.Name)),
			Path:                optional(u.Path),
			PermissionsBoundary: optional(u.PermissionsBoundary),
			Tags:                toIAMTags(u.Tags),
		})
	case iamsweep.OpDeleteUser:
		_, err = c.iam.DeleteUser(ctx, &iam.DeleteUserInput{UserName: name})

	// Managed policies (refine actions and their restores).
	case iamsweep.OpCreatePolicy:
		path, policyName, perr := policyPathName(s.Target)
		if perr != nil {
			return perr
		}
		_, err = c.iam.CreatePolicy(ctx, &iam.CreatePolicyInput{PolicyName: aws.String(policyName), Path: aws.String(path),
			PolicyDocument: aws.String(s.Document), Tags: toIAMTags(s.Tags),
			Description: aws.String("created by iamsweep refine: a refined copy for one principal")})
	case iamsweep.OpDeletePolicy:
		_, err = c.iam.DeletePolicy(ctx, &iam.DeletePolicyInput{PolicyArn: target})
	default:
		return fmt.Errorf("unknown operation %q", string(s.Op))
	}
	return err
}

// leaveInactive sets a credential just uploaded (a restore's signing
// certificate or SSH public key, id as IAM answered it) Inactive, as it was
// backed up, with deactivate; IAM uploads every credential Active.
func leaveInactive(what, op string, id *string, deactivate func() error) error {
	if id == nil {
		return fmt.Errorf("IAM answered without the uploaded %s, which was left Active", what)
	}
	if err := deactivate(); err != nil {
		return fmt.Errorf("set the uploaded %s %s Inactive (%s; it is Active): %w", what, aws.ToString(id), op, classify(err))
	}
	return nil
}

// deleteServiceLinkedRole starts the deletion of a service-linked role and
// waits for IAM's task to end: every Options.SLRPoll, for at most
// Options.SLRTimeout. A task that fails (the service still uses the role)
// is an error wrapping iamsweep.ErrDeleteConflict that names the regions
// and resources still using it.
func (c *Client) deleteServiceLinkedRole(parent context.Context, name string) error {
	out, err := c.iam.DeleteServiceLinkedRole(parent, &iam.DeleteServiceLinkedRoleInput{RoleName: aws.String(name)})
	if err != nil {
		return err
	}
	task := aws.ToString(out.DeletionTaskId)
	if task == "" {
		return errors.New("IAM started the deletion but sent no DeletionTaskId to follow it by")
	}
	ctx, cancel := context.WithTimeout(parent, c.opts.SLRTimeout)
	defer cancel()
	// timedOut says so when the wait, not the caller, ended the context.
	timedOut := func(err error) error {
		if ctx.Err() != nil && parent.Err() == nil {
			return fmt.Errorf("deletion task %s had not ended after %s: %w", task, c.opts.SLRTimeout, context.DeadlineExceeded)
		}
		return err
	}
	var timer *time.Timer
	defer func() {
		if timer != nil {
			timer.Stop()
		}
	}()
	for {
		st, err := c.iam.GetServiceLinkedRoleDeletionStatus(ctx, &iam.GetServiceLinkedRoleDeletionStatusInput{DeletionTaskId: aws.String(task)})
		if err != nil {
			return timedOut(fmt.Errorf("deletion task %s (GetServiceLinkedRoleDeletionStatus): %w", task, classify(err)))
		}
		switch st.Status {
		case iamtypes.DeletionTaskStatusTypeSucceeded:
			return nil
		case iamtypes.DeletionTaskStatusTypeFailed:
			return fmt.Errorf("deletion task %s failed: %s: %w", task, deletionFailure(st.Reason), iamsweep.ErrDeleteConflict)
		}
		c.log.Debug("service-linked role deletion in progress", "role", name, "status", string(st.Status), "next_poll", c.opts.SLRPoll)
		if timer == nil {
			timer = time.NewTimer(c.opts.SLRPoll)
		} else {
			timer.Reset(c.opts.SLRPoll)
		}
		select {
		case <-timer.C:
		case <-ctx.Done():
			return timedOut(ctx.Err())
		}
	}
}

// deletionFailure says why a service-linked role's deletion failed: IAM's
// reason and, per region, the resources that still use the role.
func deletionFailure(r *iamtypes.DeletionTaskFailureReasonType) string {
	if r == nil {
		return "IAM gave no reason"
	}
	msg := aws.ToString(r.Reason)
	if msg == "" {
		msg = "IAM gave no reason"
	}
	var uses []string
	for _, u := range r.RoleUsageList {
		region := aws.ToString(u.Region)
		if region == "" {
			region = "unknown region"
		}
		res := "resources not named"
		if len(u.Resources) > 0 {
			res = strings.Join(u.Resources, ", ")
		}
		uses = append(uses, region+": "+res)
	}
	if len(uses) > 0 {
		msg += "; still used by (" + strings.Join(uses, "; ") + ")"
	}
	return msg
}

// profileName is the instance profile a step names: Target, else
// Profile.Name.
func profileName(s iamsweep.Step) string {
	if s.Target == "" && s.Profile != nil {
		return s.Profile.Name
	}
	return s.Target
}

func status(active bool) iamtypes.StatusType {
	if active {
		return iamtypes.StatusTypeActive
	}
	return iamtypes.StatusTypeInactive
}

// optional is nil for "" (leave IAM's default), else s.
func optional(s string) *string {
	if s == "" {
		return nil
	}
	return aws.String(s)
}

// toIAMTags converts tags for a call; nil when there are none.
func toIAMTags(tags []iamsweep.Tag) []iamtypes.Tag {
	if len(tags) == 0 {
		return nil
	}
	out := make([]iamtypes.Tag, len(tags))
	for i, t := range tags {
		out[i] = iamtypes.Tag{Key: aws.String(t.Key), Value: aws.String(t.Value)}
	}
	return out
}

// policyPathName splits a customer managed policy's ARN into the path and
// name CreatePolicy takes.
func policyPathName(arn string) (path, name string, err error) {
	a, err := iamsweep.ParseARN(arn)
	if err != nil || !strings.HasPrefix(a.Resource, "policy/") {
		return "", "", fmt.Errorf("%q is not the ARN of a managed policy", arn)
	}
	rest := strings.TrimPrefix(a.Resource, "policy")
	i := strings.LastIndexByte(rest, '/')
	return rest[:i+1], rest[i+1:], nil
}
