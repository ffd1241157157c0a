package fakeaws

import (
	"encoding/base64"
	"regexp"
	"slices"
	"strings"
	"time"
)

// The MFA device actions. Virtual devices belong to the account and are
// assigned to at most one user; hardware devices exist only as enabled
// for a user.

// mfaCodePattern is what an authentication code looks like.
var mfaCodePattern = regexp.MustCompile(`^\d{6}$`)

// qrCodePNG stands in for the QR code image of a new virtual device: the
// PNG signature, which is all a client can check without decoding.
var qrCodePNG = []byte("\x89PNG\r\n\x1a\n")

// createVirtualMFADevice answers CreateVirtualMFADevice. The seed and QR
// code are in this response only.
func (s *Server) createVirtualMFADevice(acct *Account, req *request, x *xmlw) *apiError {
	name, path, tags, e := createParams(req, "VirtualMFADeviceName", 226)
	if e != nil {
		return e
	}
	serial := iamARN(acct.ID, "mfa", path, name)
	for _, d := range acct.virtualMFA {
		if strings.EqualFold(d.serial, serial) {
			return alreadyExists("MFADevice entity at the same path and name already exists.")
		}
	}
	d := &virtualMFADevice{serial: serial, created: s.created(), tags: tags, seed: s.randomString(64, keyIDAlphabet)}
	acct.virtualMFA = append(acct.virtualMFA, d)
	x.open("VirtualMFADevice")
	x.elem("SerialNumber", d.serial)
	x.elem("Base32StringSeed", base64.StdEncoding.EncodeToString([]byte(d.seed)))
	x.elem("QRCodePNG", base64.StdEncoding.EncodeToString(qrCodePNG))
	if len(tags) > 0 {
		x.tags(tags)
	}
	x.close("VirtualMFADevice")
	return nil
}

// serialParam returns the SerialNumber parameter.
func serialParam(req *request) (string, *apiError) {
	return textParam(req, "SerialNumber", 9, 256)
}

// serialIs matches the MFA device with the serial number.
func serialIs(serial string) func(MFADevice) bool {
	return func(d MFADevice) bool { return d.SerialNumber == serial }
}

// virtualMFAOf finds the account's virtual MFA device with the serial
// number.
func (a *Account) virtualMFAOf(serial string) (*virtualMFADevice, *apiError) {
	if d := a.findVirtualMFA(serial); d != nil {
		return d, nil
	}
	return nil, errorf(404, "NoSuchEntity", "VirtualMFADevice with serial number %s doesn't exist.", serial)
}

// enableMFADevice answers EnableMFADevice: a virtual device of the account
// that no user holds, or a hardware device by its serial number; two
// different six-digit codes.
func (s *Server) enableMFADevice(acct *Account, req *request, x *xmlw) *apiError {
	u, e := s.userParam(acct, req)
	if e != nil {
		return e
	}
	serial, e := serialParam(req)
	if e != nil {
		return e
	}
	var codes [2]string
	for i, field := range []string{"AuthenticationCode1", "AuthenticationCode2"} {
		if codes[i], e = required(req, field); e != nil {
			return e
		}
		if !mfaCodePattern.MatchString(codes[i]) {
			return validation(member(field), codes[i], `Member must satisfy regular expression pattern: [\d]+`)
		}
	}
	if codes[0] == codes[1] {
		return errorf(403, "InvalidAuthenticationCode", "Authentication code for device is not valid.")
	}
	var virtual *virtualMFADevice
	if strings.HasPrefix(serial, "arn:") {
		if virtual, e = acct.virtualMFAOf(serial); e != nil {
			return e
		}
		if virtual.user != nil {
			return alreadyExists("MFA Device is already in use.")
		}
	}
	if slices.ContainsFunc(u.MFADevices, serialIs(serial)) {
		return alreadyExists("MFA Device is already in use.")
	}
	if len(u.MFADevices) >= 8 {
		return limitExceeded("Cannot exceed quota for MFADevicesPerUser: 8")
	}
	now := s.created()
	if virtual != nil {
		virtual.user, virtual.enabled = u, now
	}
	u.MFADevices = append(slices.Clone(u.MFADevices), MFADevice{SerialNumber: serial, Enabled: now})
	u.MFA = true
	return nil
}

// deactivateMFADevice answers DeactivateMFADevice: a virtual device goes
// back to the account, unassigned.
func (s *Server) deactivateMFADevice(acct *Account, req *request, x *xmlw) *apiError {
	serial, e := serialParam(req)
	if e != nil {
		return e
	}
	var u *User
	if req.form.Has("UserName") {
		if u, e = s.userParam(acct, req); e != nil {
			return e
		}
	} else if d := acct.findVirtualMFA(serial); d != nil && d.user != nil {
		u = d.user
	}
	if u == nil || !slices.ContainsFunc(u.MFADevices, serialIs(serial)) {
		return errorf(404, "NoSuchEntity", "MFA Device with serial number %s does not exist.", serial)
	}
	u.MFADevices = slices.DeleteFunc(slices.Clone(u.MFADevices), serialIs(serial))
	u.MFA = len(u.MFADevices) > 0
	if d := acct.findVirtualMFA(serial); d != nil {
		d.user, d.enabled = nil, time.Time{}
	}
	return nil
}

// deleteVirtualMFADevice answers DeleteVirtualMFADevice: a device still
// enabled for a user cannot be deleted (DeleteConflict).
func (s *Server) deleteVirtualMFADevice(acct *Account, req *request, x *xmlw) *apiError {
	serial, e := serialParam(req)
	if e != nil {
		return e
	}
	d, e := acct.virtualMFAOf(serial)
	if e != nil {
		return e
	}
	if d.user != nil {
		return errorf(409, "DeleteConflict", "MFA Device is still in use.")
	}
	acct.virtualMFA = slices.DeleteFunc(acct.virtualMFA, func(x *virtualMFADevice) bool { return x == d })
	return nil
}

// listMFADevices answers ListMFADevices.
func (s *Server) listMFADevices(acct *Account, req *request, x *xmlw) *apiError {
	u, e := s.userParam(acct, req)
	if e != nil {
		return e
	}
	return page(s, req, x, "mfa,"+u.ID, "MFADevices", u.MFADevices, func(d MFADevice) {
		x.elem("UserName", u.Name)
		x.elem("SerialNumber", d.SerialNumber)
		x.time("EnableDate", d.Enabled)
	})
}

// listVirtualMFADevices answers ListVirtualMFADevices, filtered by
// AssignmentStatus (Assigned, Unassigned or Any, the default).
func (s *Server) listVirtualMFADevices(acct *Account, req *request, x *xmlw) *apiError {
	status := req.form.Get("AssignmentStatus")
	if status == "" {
		status = "Any"
	}
	if status != "Assigned" && status != "Unassigned" && status != "Any" {
		return validation("assignmentStatus", status, "Member must satisfy enum value set: [Assigned, Unassigned, Any]")
	}
	var list []*virtualMFADevice
	for _, d := range acct.virtualMFA {
		if status == "Any" || (status == "Assigned") == (d.user != nil) {
			list = append(list, d)
		}
	}
	return page(s, req, x, "virtualmfa,"+status, "VirtualMFADevices", list, func(d *virtualMFADevice) {
		x.elem("SerialNumber", d.serial)
		if d.user != nil {
			x.in("User", func() { x.user(acct, d.user, false) })
			x.time("EnableDate", d.enabled)
		}
		if len(d.tags) > 0 {
			x.tags(d.tags)
		}
	})
}
