package store

import (
	"path/filepath"
	"reflect"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/iamsweep/iamsweep"
)

// t0 is the tests' reference time: nanoseconds set, so a store that drops
// them fails the round trips.
var t0 = time.Date(2026, 11, 23, 10, 30, 0, 123456789, time.UTC)

// east is a zone other than UTC: times in it must come back Equal.
var east = time.FixedZone("UTC+5:30", 5*3600+1800)

func day(n int) time.Time { return t0.AddDate(0, 0, n) }

func intp(n int) *int { return &n }

// openTest opens a store on a new file in a temporary directory, closed when
// the test ends.
func openTest(t *testing.T) (*Store, string) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "state.db")
	return openAt(t, path), path
}

// openAt opens a store on path, closed when the test ends.
func openAt(t *testing.T, path string) *Store {
	t.Helper()
	s, err := Open(t.Context(), path)
	if err != nil {
		t.Fatalf("Open(%q): %v", path, err)
	}
	t.Cleanup(func() {
		if err := s.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
	})
	return s
}

// fullFinding returns a finding with every field set.
func fullFinding() iamsweep.Finding {
	return iamsweep.Finding{
		Type:        iamsweep.TypeUnusedIAMUserAccessKey,
		AccountID:   "111122223333",
		AccountName: "prod",
		ARN:         "arn:aws:iam::111122223333:user/service/svc-backup",
		PrincipalID: "AIDAEXAMPLE",
		Name:        "svc-backup",
		Path:        "/service/",
		Verdict:     iamsweep.VerdictUnused,
		Rule:        iamsweep.RuleLastUsed,
		Reason:      "last used 120 days ago in us-east-1 (s3)",
		Created:     time.Date(2024, 3, 1, 9, 0, 0, 1, east),
		LastUsed:    iamsweep.Usage{Time: day(-120).In(east), Region: "us-east-1"},
		DaysUnused:  intp(120),
		AccessKeyID: "AKIAEXAMPLE1",
		KeySlot:     1,
		Tags:        []iamsweep.Tag{{Key: "aws:cloudformation:stack-name", Value: "backup"}, {Key: "team", Value: ""}},
	}
}

// fullPlan returns a plan with every field set, in every action taken
// together, as iamsweep makes plans: each finding carries its action's
// identity, and no list is empty but not nil.
func fullPlan() iamsweep.Plan {
	f := fullFinding()
	role := iamsweep.Finding{
		Type: iamsweep.TypeUnusedIAMRole, AccountID: "111122223333", ARN: "arn:aws:iam::111122223333:role/old",
		Name: "old", Path: "/", Verdict: iamsweep.VerdictUnused, Rule: iamsweep.RuleNoRecordedUse,
		DaysUnused: intp(0),
	}
	return iamsweep.Plan{
		ID:         "p-20261123-1",
		ScanID:     12,
		Created:    t0.In(east),
		AsOf:       day(-1),
		UnusedDays: 90,
		Actions: []iamsweep.Action{
			{
				ID: "a001", Kind: iamsweep.ActionDeleteKey, Principal: "user", AccountID: f.AccountID,
				AccountName: f.AccountName, ARN: f.ARN, Name: f.Name, Path: f.Path, AccessKeyID: f.AccessKeyID,
				Finding: f, Refused: "the key is the user's only credential", Irreversible: true,
				Notes: []string{"the secret cannot be restored", "deactivate first"},
			},
			{ID: "a002", Kind: iamsweep.ActionQuarantine, Principal: "role", AccountID: role.AccountID, ARN: role.ARN,
				Name: role.Name, Path: role.Path, Finding: role},
			{ID: "a003", Kind: iamsweep.ActionDelete, Principal: "role", AccountID: role.AccountID, ARN: role.ARN,
				Name: role.Name, Path: role.Path, Finding: role},
			{ID: "a004", Kind: iamsweep.ActionRefine, Principal: "role", AccountID: role.AccountID, ARN: role.ARN,
				Name: role.Name, Path: role.Path, Finding: iamsweep.Finding{Type: iamsweep.TypeUnusedPermission, AccountID: role.AccountID,
					ARN: role.ARN, Name: role.Name, Path: role.Path, Reason: "1 of 1 policies narrowed"},
				Changes: []iamsweep.PolicyChange{
					{Policy: "arn:aws:iam::111122223333:policy/s3",
						Document:    `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:*","Resource":"*"}]}`,
						Refined:     `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"*"}]}`,
						RefinedName: "s3-old-refined"},
					{Policy: "sqs", Inline: true, Document: `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"sqs:*","Resource":"*"}]}`},
				}},
		},
	}
}

// fullRoleState returns a role's state with every field set.
func fullRoleState() iamsweep.RoleState {
	return iamsweep.RoleState{
		AccountID:           "111122223333",
		ARN:                 "arn:aws:iam::111122223333:role/app/reports",
		ID:                  "AROAEXAMPLE",
		Name:                "reports",
		Path:                "/app/",
		Created:             time.Date(2023, 1, 2, 3, 4, 5, 600700800, east),
		Description:         "reports ETL",
		MaxSessionDuration:  7200,
		TrustPolicy:         `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"ec2.amazonaws.com"},"Action":"sts:AssumeRole"}]}`,
		PermissionsBoundary: "arn:aws:iam::111122223333:policy/boundary",
		Tags:                []iamsweep.Tag{{Key: "team", Value: "data"}, {Key: "Owner", Value: ""}},
		InlinePolicies:      []iamsweep.NamedDocument{{Name: "s3-read", Document: `{"Version":"2012-10-17","Statement":[]}`}},
		AttachedPolicies:    []string{"arn:aws:iam::aws:policy/ReadOnlyAccess"},
		InstanceProfiles: []iamsweep.InstanceProfileState{{
			Name: "reports", Path: "/app/", ID: "AIPAEXAMPLE",
			ARN:   "arn:aws:iam::111122223333:instance-profile/app/reports",
			Tags:  []iamsweep.Tag{{Key: "k", Value: "v"}},
			Roles: []string{"reports"},
		}},
		LastUsed: iamsweep.Usage{Time: day(-91), Region: "eu-west-1"},
	}
}

// fullUserState returns a user's state with every field set.
func fullUserState() iamsweep.UserState {
	return iamsweep.UserState{
		AccountID:           "111122223333",
		ARN:                 "arn:aws:iam::111122223333:user/dev/bob",
		ID:                  "AIDABOB",
		Name:                "bob",
		Path:                "/dev/",
		Created:             time.Date(2022, 5, 6, 7, 8, 9, 10, time.UTC),
		PermissionsBoundary: "arn:aws:iam::111122223333:policy/dev-boundary",
		Tags:                []iamsweep.Tag{{Key: "team", Value: "dev"}},
		InlinePolicies:      []iamsweep.NamedDocument{{Name: "a", Document: "{}"}, {Name: "b", Document: `{"x":1}`}},
		AttachedPolicies:    []string{"arn:aws:iam::aws:policy/A", "arn:aws:iam::aws:policy/B"},
		Groups:              []string{"developers"},
		LoginProfile:        &iamsweep.LoginProfileState{Created: day(-200).In(east), PasswordResetRequired: true},
		PasswordLastUsed:    day(-150),
		AccessKeys: []iamsweep.AccessKeyState{
			{ID: "AKIABOB1", Active: true, Created: day(-300), LastUsed: iamsweep.Usage{Time: day(-120), Region: "us-east-1"}, LastUsedService: "s3"},
			{ID: "AKIABOB2", Active: false, Created: day(-10)},
		},
		MFADevices:          []iamsweep.MFADeviceState{{SerialNumber: "arn:aws:iam::111122223333:mfa/bob", Virtual: true}},
		SSHPublicKeys:       []iamsweep.SSHPublicKeyState{{ID: "APKAEXAMPLE", Body: "ssh-rsa AAAA bob", Active: true}},
		SigningCertificates: []iamsweep.SigningCertificateState{{ID: "CERTID", Body: "-----BEGIN CERTIFICATE-----", Active: true}},
		ServiceCredentials:  []iamsweep.ServiceCredentialState{{ID: "ACCAEXAMPLE", ServiceName: "codecommit.amazonaws.com", UserName: "bob-at-1111", Active: true}},
	}
}

// checkAllSet fails the test when a field of v is zero everywhere it
// occurs: a fixture that leaves a field unset cannot prove it round-trips,
// and a field added to a domain type later fails here until the fixture
// and the store's codec carry it. A field inside a slice's elements counts
// as set when any element sets it.
func checkAllSet(t *testing.T, v any) {
	t.Helper()
	missing := unsetFields(reflect.ValueOf(v), reflect.TypeOf(v).Name())
	sort.Strings(missing)
	if len(missing) > 0 {
		t.Fatalf("fixture leaves fields unset: %s", strings.Join(missing, ", "))
	}
}

func unsetFields(v reflect.Value, path string) []string {
	switch v.Kind() {
	case reflect.Struct:
		if v.Type() == reflect.TypeFor[time.Time]() {
			if v.Interface().(time.Time).IsZero() {
				return []string{path}
			}
			return nil
		}
		var out []string
		for i := range v.NumField() {
			out = append(out, unsetFields(v.Field(i), path+"."+v.Type().Field(i).Name)...)
		}
		return out
	case reflect.Pointer:
		if v.IsNil() {
			return []string{path}
		}
		return unsetFields(v.Elem(), path)
	case reflect.Slice:
		if v.Len() == 0 {
			return []string{path}
		}
		// Unset in every element.
		count := map[string]int{}
		for i := range v.Len() {
			for _, p := range unsetFields(v.Index(i), path+"[]") {
				count[p]++
			}
		}
		var out []string
		for p, n := range count {
			if n == v.Len() {
				out = append(out, p)
			}
		}
		return out
	default:
		if v.IsZero() {
			return []string{path}
		}
		return nil
	}
}
