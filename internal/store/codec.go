package store

import (
	"bytes"
	"encoding/json"
	"fmt"
	"time"

	"github.com/iamsweep/iamsweep"
)

// The JSON stored for backups is written through the types below, not the
// domain types: the stored format has its own names and a version (the
// format column), so that renaming a domain field can never make an old
// backup unreadable. A change that old code cannot read takes a new format
// version, and decoding keeps reading every old version. (Plans are kept
// as plan files, internal/planfile; findings in chunks, findings.go.)
//
// Slices and pointers are written without omitempty so that nil and empty
// round-trip exactly; zero times are left out and read back as zero.

// formatV1 is the format version of backups written now.
const formatV1 = 1

type usageV1 struct {
	Time   time.Time `json:"time,omitzero"`
	Region string    `json:"region"`
}

type roleStateV1 struct {
	AccountID           string              `json:"account_id"`
	ARN                 string              `json:"arn"`
	ID                  string              `json:"id"`
	Name                string              `json:"name"`
	Path                string              `json:"path"`
	Created             time.Time           `json:"created,omitzero"`
	Description         string              `json:"description"`
	MaxSessionDuration  int                 `json:"max_session_duration"`
	TrustPolicy         string              `json:"trust_policy"`
	PermissionsBoundary string              `json:"permissions_boundary"`
	Tags                []tagV1             `json:"tags"`
	InlinePolicies      []namedDocumentV1   `json:"inline_policies"`
	AttachedPolicies    []string            `json:"attached_policies"`
	InstanceProfiles    []instanceProfileV1 `json:"instance_profiles"`
	LastUsed            usageV1             `json:"last_used"`
}

type tagV1 struct {
	Key   string `json:"key"`
	Value string `json:"value"`
}

type namedDocumentV1 struct {
	Name     string `json:"name"`
	Document string `json:"document"`
}

type instanceProfileV1 struct {
	Name  string   `json:"name"`
	Path  string   `json:"path"`
	ID    string   `json:"id"`
	ARN   string   `json:"arn"`
	Tags  []tagV1  `json:"tags"`
	Roles []string `json:"roles"`
}

type userStateV1 struct {
	AccountID           string                 `json:"account_id"`
	ARN                 string                 `json:"arn"`
	ID                  string                 `json:"id"`
	Name                string                 `json:"name"`
	Path                string                 `json:"path"`
	Created             time.Time              `json:"created,omitzero"`
	PermissionsBoundary string                 `json:"permissions_boundary"`
	Tags                []tagV1                `json:"tags"`
	InlinePolicies      []namedDocumentV1      `json:"inline_policies"`
	AttachedPolicies    []string               `json:"attached_policies"`
	Groups              []string               `json:"groups"`
	LoginProfile        *loginProfileV1        `json:"login_profile"`
	PasswordLastUsed    time.Time              `json:"password_last_used,omitzero"`
	AccessKeys          []accessKeyV1          `json:"access_keys"`
	MFADevices          []mfaDeviceV1          `json:"mfa_devices"`
	SSHPublicKeys       []sshPublicKeyV1       `json:"ssh_public_keys"`
	SigningCertificates []signingCertificateV1 `json:"signing_certificates"`
	ServiceCredentials  []serviceCredentialV1  `json:"service_credentials"`
}

type loginProfileV1 struct {
	Created               time.Time `json:"created,omitzero"`
	PasswordResetRequired bool      `json:"password_reset_required"`
}

type accessKeyV1 struct {
	ID              string    `json:"id"`
	Active          bool      `json:"active"`
	Created         time.Time `json:"created,omitzero"`
	LastUsed        usageV1   `json:"last_used"`
	LastUsedService string    `json:"last_used_service"`
}

type mfaDeviceV1 struct {
	SerialNumber string `json:"serial_number"`
	Virtual      bool   `json:"virtual"`
}

type sshPublicKeyV1 struct {
	ID     string `json:"id"`
	Body   string `json:"body"`
	Active bool   `json:"active"`
}

type signingCertificateV1 struct {
	ID     string `json:"id"`
	Body   string `json:"body"`
	Active bool   `json:"active"`
}

type serviceCredentialV1 struct {
	ID          string `json:"id"`
	ServiceName string `json:"service_name"`
	UserName    string `json:"user_name"`
	Active      bool   `json:"active"`
}

// mapSlice converts each element, keeping nil nil and empty empty.
func mapSlice[T, U any](in []T, f func(T) U) []U {
	if in == nil {
		return nil
	}
	out := make([]U, len(in))
	for i, v := range in {
		out[i] = f(v)
	}
	return out
}

// utc returns t in UTC; the zero time stays zero.
func utc(t time.Time) time.Time {
	if t.IsZero() {
		return time.Time{}
	}
	return t.UTC()
}

func toUsage(u iamsweep.Usage) usageV1 { return usageV1{Time: utc(u.Time), Region: u.Region} }
func fromUsage(u usageV1) iamsweep.Usage {
	return iamsweep.Usage{Time: u.Time, Region: u.Region}
}

func toTag(t iamsweep.Tag) tagV1   { return tagV1{Key: t.Key, Value: t.Value} }
func fromTag(t tagV1) iamsweep.Tag { return iamsweep.Tag{Key: t.Key, Value: t.Value} }

func toNamedDocument(d iamsweep.NamedDocument) namedDocumentV1 {
	return namedDocumentV1{Name: d.Name, Document: d.Document}
}
func fromNamedDocument(d namedDocumentV1) iamsweep.NamedDocument {
	return iamsweep.NamedDocument{Name: d.Name, Document: d.Document}
}

func toRoleState(r iamsweep.RoleState) roleStateV1 {
	return roleStateV1{
		AccountID: r.AccountID, ARN: r.ARN, ID: r.ID, Name: r.Name, Path: r.Path, Created: utc(r.Created),
		Description: r.Description, MaxSessionDuration: r.MaxSessionDuration, TrustPolicy: r.TrustPolicy,
		PermissionsBoundary: r.PermissionsBoundary, Tags: mapSlice(r.Tags, toTag),
		InlinePolicies:   mapSlice(r.InlinePolicies, toNamedDocument),
		AttachedPolicies: r.AttachedPolicies,
		InstanceProfiles: mapSlice(r.InstanceProfiles, func(p iamsweep.InstanceProfileState) instanceProfileV1 {
			return instanceProfileV1{Name: p.Name, Path: p.Path, ID: p.ID, ARN: p.ARN, Tags: mapSlice(p.Tags, toTag), Roles: p.Roles}
		}),
		LastUsed: toUsage(r.LastUsed),
	}
}

func fromRoleState(r roleStateV1) iamsweep.RoleState {
	return iamsweep.RoleState{
		AccountID: r.AccountID, ARN: r.ARN, ID: r.ID, Name: r.Name, Path: r.Path, Created: r.Created,
		Description: r.Description, MaxSessionDuration: r.MaxSessionDuration, TrustPolicy: r.TrustPolicy,
		PermissionsBoundary: r.PermissionsBoundary, Tags: mapSlice(r.Tags, fromTag),
		InlinePolicies:   mapSlice(r.InlinePolicies, fromNamedDocument),
		AttachedPolicies: r.AttachedPolicies,
		InstanceProfiles: mapSlice(r.InstanceProfiles, func(p instanceProfileV1) iamsweep.InstanceProfileState {
			return iamsweep.InstanceProfileState{Name: p.Name, Path: p.Path, ID: p.ID, ARN: p.ARN, Tags: mapSlice(p.Tags, fromTag), Roles: p.Roles}
		}),
		LastUsed: fromUsage(r.LastUsed),
	}
}

func toUserState(u iamsweep.UserState) userStateV1 {
	out := userStateV1{
		AccountID: u.AccountID, ARN: u.ARN, ID: u.ID, Name: u.Name, Path: u.Path, Created: utc(u.Created),
		PermissionsBoundary: u.PermissionsBoundary, Tags: mapSlice(u.Tags, toTag),
		InlinePolicies:   mapSlice(u.InlinePolicies, toNamedDocument),
		AttachedPolicies: u.AttachedPolicies, Groups: u.Groups,
		PasswordLastUsed: utc(u.PasswordLastUsed),
		AccessKeys: mapSlice(u.AccessKeys, func(k iamsweep.AccessKeyState) accessKeyV1 {
			return accessKeyV1{ID: k.ID, Active: k.Active, Created: utc(k.Created), LastUsed: toUsage(k.LastUsed), LastUsedService: k.LastUsedService}
		}),
		MFADevices: mapSlice(u.MFADevices, func(d iamsweep.MFADeviceState) mfaDeviceV1 {
			return mfaDeviceV1{SerialNumber: d.SerialNumber, Virtual: d.Virtual}
		}),
		SSHPublicKeys: mapSlice(u.SSHPublicKeys, func(k iamsweep.SSHPublicKeyState) sshPublicKeyV1 {
			return sshPublicKeyV1{ID: k.ID, Body: k.Body, Active: k.Active}
		}),
		SigningCertificates: mapSlice(u.SigningCertificates, func(c iamsweep.SigningCertificateState) signingCertificateV1 {
			return signingCertificateV1{ID: c.ID, Body: c.Body, Active: c.Active}
		}),
		ServiceCredentials: mapSlice(u.ServiceCredentials, func(c iamsweep.ServiceCredentialState) serviceCredentialV1 {
			return serviceCredentialV1{ID: c.ID, ServiceName: c.ServiceName, UserName: c.UserName, Active: c.Active}
		}),
	}
	if lp := u.LoginProfile; lp != nil {
		out.LoginProfile = &loginProfileV1{Created: utc(lp.Created), PasswordResetRequired: lp.PasswordResetRequired}
	}
	return out
}

func fromUserState(u userStateV1) iamsweep.UserState {
	out := iamsweep.UserState{
		AccountID: u.AccountID, ARN: u.ARN, ID: u.ID, Name: u.Name, Path: u.Path, Created: u.Created,
		PermissionsBoundary: u.PermissionsBoundary, Tags: mapSlice(u.Tags, fromTag),
		InlinePolicies:   mapSlice(u.InlinePolicies, fromNamedDocument),
		AttachedPolicies: u.AttachedPolicies, Groups: u.Groups,
		PasswordLastUsed: u.PasswordLastUsed,
		AccessKeys: mapSlice(u.AccessKeys, func(k accessKeyV1) iamsweep.AccessKeyState {
			return iamsweep.AccessKeyState{ID: k.ID, Active: k.Active, Created: k.Created, LastUsed: fromUsage(k.LastUsed), LastUsedService: k.LastUsedService}
		}),
		MFADevices: mapSlice(u.MFADevices, func(d mfaDeviceV1) iamsweep.MFADeviceState {
			return iamsweep.MFADeviceState{SerialNumber: d.SerialNumber, Virtual: d.Virtual}
		}),
		SSHPublicKeys: mapSlice(u.SSHPublicKeys, func(k sshPublicKeyV1) iamsweep.SSHPublicKeyState {
			return iamsweep.SSHPublicKeyState{ID: k.ID, Body: k.Body, Active: k.Active}
		}),
		SigningCertificates: mapSlice(u.SigningCertificates, func(c signingCertificateV1) iamsweep.SigningCertificateState {
			return iamsweep.SigningCertificateState{ID: c.ID, Body: c.Body, Active: c.Active}
		}),
		ServiceCredentials: mapSlice(u.ServiceCredentials, func(c serviceCredentialV1) iamsweep.ServiceCredentialState {
			return iamsweep.ServiceCredentialState{ID: c.ID, ServiceName: c.ServiceName, UserName: c.UserName, Active: c.Active}
		}),
	}
	if lp := u.LoginProfile; lp != nil {
		out.LoginProfile = &iamsweep.LoginProfileState{Created: lp.Created, PasswordResetRequired: lp.PasswordResetRequired}
	}
	return out
}

// encode writes v as stored JSON.
func encode(v any) (string, error) {
	b, err := json.Marshal(v)
	if err != nil {
		return "", err
	}
	return string(b), nil
}

// decode reads stored JSON of the given format version into v, refusing
// fields it does not know (a corrupt or hand-edited row).
func decode(format int, body string, v any) error {
	if format != formatV1 {
		return fmt.Errorf("stored format version %d is unknown to this iamsweep (it reads up to %d): upgrade iamsweep", format, formatV1)
	}
	dec := json.NewDecoder(bytes.NewReader([]byte(body)))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return fmt.Errorf("decode stored JSON: %w", err)
	}
	return nil
}
