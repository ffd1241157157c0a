package remediate

import (
	"context"
	"errors"
	"strings"

	"github.com/iamsweep/iamsweep"
)

// Explain says in words what a failed step's error means and what to do
// next. It names the AWS error code, so the words can be checked against
// the IAM API reference.
func Explain(s iamsweep.Step, err error) string { return explain("apply", s, err) }

// explain is Explain for the command verb ("apply", "restore", "release")
// that made the call: it is the one to run again.
func explain(verb string, s iamsweep.Step, err error) string {
	code := iamsweep.ErrorCode(err)
	what := s.String()
	var next string
	switch {
	case s.Op == iamsweep.OpAddRoleToInstanceProfile && code == "LimitExceeded":
		next = "the instance profile holds a role already (it holds one): this one, if the answer to an earlier attempt was lost, or another; run " + verb + " again, which reads the profile and says which"
	case s.Op == iamsweep.OpDeleteServiceLinkedRole && errors.Is(err, context.DeadlineExceeded):
		next = "IAM's deletion task had not ended when iamsweep stopped waiting for it, and may still end: run " + verb + " again later"
	case s.Op == iamsweep.OpDeleteServiceLinkedRole && code == "" && errors.Is(err, iamsweep.ErrDeleteConflict):
		next = "the service that owns the role still uses it (the resources are named above): stop using them, or leave the role to its service"
	case errors.Is(err, iamsweep.ErrAccessDenied):
		next = "the credentials may not call iam:" + string(s.Op) + " on it: grant the policy in policies/iamsweep-remediate.json; if they have it, a service control policy or a permissions boundary denies it (AWS Control Tower protects its roles this way)"
	case errors.Is(err, iamsweep.ErrDeleteConflict):
		next = "IAM still holds something attached to it, added after iamsweep read it: run " + verb + " again, which reads it afresh and removes what remains"
	case errors.Is(err, iamsweep.ErrNotFound):
		next = "it no longer exists or something it names does not (a policy ARN, a group, an instance profile): check it in IAM, then run " + verb + " again"
	case errors.Is(err, iamsweep.ErrThrottled):
		next = "AWS kept throttling the calls after every retry: wait a few minutes and run " + verb + " again; it continues where it stopped"
	case errors.Is(err, iamsweep.ErrNoCredentials):
		next = "the AWS credentials are missing, invalid or expired: renew them and run " + verb + " again"
	case outcomeUnknown(err) && lostAnswer(s.Op, err):
		next = "IAM already holds what the call creates: the call itself, if the answer to an earlier attempt was lost, or someone else; run " + verb + " again, which reads it and tells"
	case outcomeUnknown(err):
		next = "the answer was lost (IAM may or may not have carried the call out): run " + verb + " again, which reads what IAM holds and continues from there"
	}
	if next == "" {
		switch code {
		case "LimitExceeded":
			next = "an IAM quota was reached (inline policy size, attached policies per principal, tags, or instance profiles): see the account's quotas with aws iam get-account-summary"
		case "UnmodifiableEntity":
			next = "only the AWS service that owns it may change it (a service-linked role)"
		case "EntityTemporarilyUnmodifiable":
			next = "IAM cannot change it right now (often a password set moments ago): wait a few minutes and run " + verb + " again"
		case "ConcurrentModification":
			next = "something else changed it at the same time: run " + verb + " again"
		case "EntityAlreadyExists":
			next = "a principal or profile of that name already exists: look at it in IAM before restoring over it"
		case "MalformedPolicyDocument", "InvalidInput":
			next = "IAM rejected an argument: this may be an iamsweep bug; please report it with the error"
		case "ServiceFailure":
			next = "IAM failed internally: run " + verb + " again"
		case "":
			next = "run " + verb + " again; it continues where it stopped"
		default:
			next = "see the IAM API reference for " + code + "; run " + verb + " again once it is fixed"
		}
	}
	msg := what + " failed: " + strings.TrimSpace(err.Error())
	return msg + "; " + next
}
