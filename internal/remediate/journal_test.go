package remediate

import (
	"context"
	"errors"
	"fmt"
	"io"
	"testing"

	"github.com/iamsweep/iamsweep"
)

func TestMayHaveRun(t *testing.T) {
	tests := []struct {
		name string
		err  error
		want bool
	}{
		{"IAM refused it", fmt.Errorf("DeleteRole: %w", &iamsweep.APIError{Code: "DeleteConflict", HTTPStatus: 409}), false},
		{"a client error without a status", &iamsweep.APIError{Code: "NoSuchEntity"}, false},
		{"IAM failed inside", &iamsweep.APIError{Code: "ServiceFailure", HTTPStatus: 500}, true},
		{"an answer nobody could read", &iamsweep.APIError{HTTPStatus: 502}, true},
		{"a deletion task that failed", fmt.Errorf("deletion task t failed: %w", iamsweep.ErrDeleteConflict), false},
		{"access denied", iamsweep.ErrAccessDenied, false},
		{"already gone", iamsweep.ErrNotFound, false},
		{"throttled to the end", iamsweep.ErrThrottled, false},
		{"no credentials", iamsweep.ErrNoCredentials, false},
		{"a deletion task still running", fmt.Errorf("deletion task t had not ended after 1m: %w", context.DeadlineExceeded), true},
		{"interrupted", context.Canceled, true},
		{"the connection dropped", fmt.Errorf("send request: %w", io.ErrUnexpectedEOF), true},
		{"an error without a kind", errors.New("something"), true},
	}
	for _, tt := range tests {
		if got := mayHaveRun(tt.err); got != tt.want {
			t.Errorf("%s: mayHaveRun(%v) = %v, want %v", tt.name, tt.err, got, tt.want)
		}
	}
}

func TestReadJournal(t *testing.T) {
	call := func(op iamsweep.Op, subject string, outcome iamsweep.StepOutcome) iamsweep.JournalEntry {
		return iamsweep.JournalEntry{Step: iamsweep.JournalStep{Kind: iamsweep.JournalCall, Op: op, Subject: subject}, Outcome: outcome}
	}
	backup := func(id string, outcome iamsweep.StepOutcome) iamsweep.JournalEntry {
		return iamsweep.JournalEntry{Step: iamsweep.JournalStep{Kind: iamsweep.JournalBackup, BackupID: id}, Outcome: outcome}
	}
	complete := iamsweep.JournalEntry{Step: iamsweep.JournalStep{Kind: iamsweep.JournalComplete}, Outcome: iamsweep.OutcomeDone}
	tests := []struct {
		name    string
		entries []iamsweep.JournalEntry
		want    journalState
	}{
		{"nothing yet", nil, journalState{}},
		{"backed up, nothing called", []iamsweep.JournalEntry{backup("b-1", iamsweep.OutcomeDone)},
			journalState{backupID: "b-1"}},
		{"a backup that was not saved", []iamsweep.JournalEntry{backup("b-1", iamsweep.OutcomePending)}, journalState{}},
		{"a refused call changed nothing", []iamsweep.JournalEntry{backup("b-1", iamsweep.OutcomeDone), call(iamsweep.OpDeleteRole, "r", iamsweep.OutcomeFailed)},
			journalState{backupID: "b-1"}},
		{"calls done", []iamsweep.JournalEntry{call(iamsweep.OpDeleteRolePolicy, "p", iamsweep.OutcomeDone), call(iamsweep.OpDeleteRole, "r", iamsweep.OutcomeDone)},
			journalState{mutated: true, done: 2}},
		{"killed during a call", []iamsweep.JournalEntry{call(iamsweep.OpDeleteRolePolicy, "p", iamsweep.OutcomeDone), call(iamsweep.OpDeleteRole, "r", iamsweep.OutcomePending)},
			journalState{mutated: true, done: 1, interrupted: "DeleteRole r"}},
		{"a call whose fate is unknown", []iamsweep.JournalEntry{call(iamsweep.OpDeleteServiceLinkedRole, "r", iamsweep.OutcomeUnknown)},
			journalState{mutated: true, interrupted: "DeleteServiceLinkedRole r"}},
		{"completed", []iamsweep.JournalEntry{call(iamsweep.OpDeleteRole, "r", iamsweep.OutcomeDone), complete},
			journalState{completed: true, mutated: true, done: 1}},
	}
	for _, tt := range tests {
		if got := readJournal(tt.entries); got != tt.want {
			t.Errorf("%s: readJournal = %+v, want %+v", tt.name, got, tt.want)
		}
	}
}

func TestLostAnswer(t *testing.T) {
	code := func(c string) error { return &iamsweep.APIError{Code: c, HTTPStatus: 409} }
	tests := []struct {
		op   iamsweep.Op
		err  error
		want bool
	}{
		{iamsweep.OpCreateRole, code("EntityAlreadyExists"), true},
		{iamsweep.OpCreateUser, code("EntityAlreadyExists"), true},
		{iamsweep.OpCreateInstanceProfile, code("EntityAlreadyExists"), true},
		{iamsweep.OpCreateLoginProfile, code("EntityAlreadyExists"), true},
		{iamsweep.OpUploadSSHPublicKey, code("DuplicateSSHPublicKey"), true},
		{iamsweep.OpUploadSigningCertificate, code("DuplicateCertificate"), true},
		{iamsweep.OpAddRoleToInstanceProfile, code("LimitExceeded"), true},
		{iamsweep.OpPutRolePolicy, code("LimitExceeded"), false},
		{iamsweep.OpAttachRolePolicy, code("LimitExceeded"), false},
		{iamsweep.OpTagRole, code("EntityAlreadyExists"), false},
		{iamsweep.OpCreateRole, code("MalformedPolicyDocument"), false},
		{iamsweep.OpCreateRole, errors.New("no code"), false},
	}
	for _, tt := range tests {
		if got := lostAnswer(tt.op, tt.err); got != tt.want {
			t.Errorf("lostAnswer(%s, %v) = %v, want %v", tt.op, tt.err, got, tt.want)
		}
	}
}
