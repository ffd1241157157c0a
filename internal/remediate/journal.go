package remediate

import (
	"errors"
	"strings"

	"github.com/iamsweep/iamsweep"
)

// What the journal tells: how far earlier runs got, and which failed
// calls may still have been carried out.

// journalState is what an action's journal says about earlier applies.
type journalState struct {
	completed bool
	backupID  string
	// mutated is true when an IAM step finished or may have run.
	mutated bool
	// interrupted names a step that began and never finished, or whose
	// failure does not say whether it ran.
	interrupted string
	done        int
}

func readJournal(entries []iamsweep.JournalEntry) journalState {
	var js journalState
	for _, e := range entries {
		switch {
		case e.Step.Kind == iamsweep.JournalComplete:
			js.completed = js.completed || e.Outcome == iamsweep.OutcomeDone
		case e.Step.Kind == iamsweep.JournalBackup:
			if e.Outcome == iamsweep.OutcomeDone {
				js.backupID = e.Step.BackupID
			}
		case e.Step.Kind != iamsweep.JournalCall:
		case e.Outcome == iamsweep.OutcomePending || e.Outcome == iamsweep.OutcomeUnknown:
			js.mutated = true
			js.interrupted = e.Step.String()
		case e.Outcome == iamsweep.OutcomeDone:
			js.mutated = true
			js.done++
		}
	}
	return js
}

// removal reports whether op removes something, so that NoSuchEntity
// means its work is already done.
func removal(op iamsweep.Op) bool {
	s := string(op)
	return strings.HasPrefix(s, "Delete") || strings.HasPrefix(s, "Detach") || strings.HasPrefix(s, "Remove") ||
		strings.HasPrefix(s, "Untag") || op == iamsweep.OpDeactivateMFADevice
}

// mayHaveRun reports whether a failed call may still have been carried out
// by IAM: a client error (HTTP 4xx) from AWS, or an outcome the adapter
// learned from IAM (a deletion task that failed), says it was not; a
// server error (5xx), a timeout, a canceled context or a lost connection
// does not say. A later apply then treats the step as interrupted and
// reads the principal to find out.
func mayHaveRun(err error) bool {
	var ae *iamsweep.APIError
	if errors.As(err, &ae) && (ae.Code != "" || ae.HTTPStatus != 0) {
		return ae.HTTPStatus >= 500
	}
	for _, known := range []error{iamsweep.ErrDeleteConflict, iamsweep.ErrAccessDenied, iamsweep.ErrNotFound,
		iamsweep.ErrThrottled, iamsweep.ErrNoCredentials} {
		if errors.Is(err, known) {
			return false
		}
	}
	return true
}

// unknownOutcome is the error of a call whose outcome is unknown: it may
// or may not have been carried out (journaled OutcomeUnknown).
type unknownOutcome struct{ err error }

func (u *unknownOutcome) Error() string { return u.err.Error() }
func (u *unknownOutcome) Unwrap() error { return u.err }

// outcomeUnknown reports whether err is that of a call whose outcome is
// unknown.
func outcomeUnknown(err error) bool {
	var u *unknownOutcome
	return errors.As(err, &u)
}

// lostAnswer reports whether IAM's error to a call is what a retry of it
// meets when the first attempt went through and its answer was lost (the
// SDK retries a call whose connection dropped): a create that finds what
// it creates there, an upload that finds its key or certificate, a role
// added to an instance profile that holds one. Only reading the principal
// again tells whether the first attempt, or someone else, did it.
func lostAnswer(op iamsweep.Op, err error) bool {
	switch iamsweep.ErrorCode(err) {
	case "EntityAlreadyExists":
		return op == iamsweep.OpCreateRole || op == iamsweep.OpCreateUser || op == iamsweep.OpCreateInstanceProfile || op == iamsweep.OpCreateLoginProfile ||
			op == iamsweep.OpCreatePolicy
	case "DuplicateSSHPublicKey":
		return op == iamsweep.OpUploadSSHPublicKey
	case "DuplicateCertificate":
		return op == iamsweep.OpUploadSigningCertificate
	case "LimitExceeded":
		return op == iamsweep.OpAddRoleToInstanceProfile
	}
	return false
}
