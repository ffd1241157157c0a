package fakeaws

import (
	"bytes"
	"crypto/md5"
	"crypto/rsa"
	"crypto/x509"
	"encoding/base64"
	"encoding/binary"
	"encoding/pem"
	"fmt"
	"math/big"
	"slices"
	"strings"
)

// The user credential actions: access keys, signing certificates, SSH
// public keys and service-specific credentials (MFA devices: mfa.go).
// ListAccessKeys is in users.go.

// credentialKind is a kind of user credential that has an ID and an
// Active/Inactive status, and the Update and Delete actions of that kind.
type credentialKind[T comparable] struct {
	idField  string // the parameter that names one: "AccessKeyId"
	idMin    int    // its minimum length in the model (the maximum is 128)
	notFound string // the NoSuchEntity message, of the ID
	list     func(*User) *[]T
	id       func(T) string
	inactive func(T) *bool
}

var (
	accessKeys = &credentialKind[*AccessKey]{
		idField: "AccessKeyId", idMin: 16, notFound: "The Access Key with id %s cannot be found.",
		list: func(u *User) *[]*AccessKey { return &u.AccessKeys },
		id:   func(k *AccessKey) string { return k.ID }, inactive: func(k *AccessKey) *bool { return &k.Inactive },
	}
	signingCertificates = &credentialKind[*SigningCertificate]{
		idField: "CertificateId", idMin: 24, notFound: "The Certificate with id %s cannot be found.",
		list: func(u *User) *[]*SigningCertificate { return &u.SigningCertificates },
		id:   func(c *SigningCertificate) string { return c.ID }, inactive: func(c *SigningCertificate) *bool { return &c.Inactive },
	}
	sshPublicKeys = &credentialKind[*SSHPublicKey]{
		idField: "SSHPublicKeyId", idMin: 20, notFound: "The Public Key with id %s cannot be found.",
		list: func(u *User) *[]*SSHPublicKey { return &u.SSHPublicKeys },
		id:   func(k *SSHPublicKey) string { return k.ID }, inactive: func(k *SSHPublicKey) *bool { return &k.Inactive },
	}
	serviceCredentials = &credentialKind[*ServiceCredential]{
		idField: "ServiceSpecificCredentialId", idMin: 20, notFound: "No such service specific credential: %s.",
		list: func(u *User) *[]*ServiceCredential { return &u.ServiceCredentials },
		id:   func(c *ServiceCredential) string { return c.ID }, inactive: func(c *ServiceCredential) *bool { return &c.Inactive },
	}
)

// param finds the user's credential named by the request.
func (k *credentialKind[T]) param(u *User, req *request) (T, *apiError) {
	var none T
	id, e := textParam(req, k.idField, k.idMin, 128)
	if e != nil {
		return none, e
	}
	for _, c := range *k.list(u) {
		if k.id(c) == id {
			return c, nil
		}
	}
	return none, errorf(404, "NoSuchEntity", k.notFound, id)
}

// update answers UpdateAccessKey, UpdateSigningCertificate...: Status
// Active or Inactive.
func (k *credentialKind[T]) update(s *Server, acct *Account, req *request, x *xmlw) *apiError {
	u, e := s.userParam(acct, req)
	if e != nil {
		return e
	}
	c, e := k.param(u, req)
	if e != nil {
		return e
	}
	inactive, e := statusParam(req)
	if e != nil {
		return e
	}
	*k.inactive(c) = inactive
	return nil
}

// delete answers DeleteAccessKey, DeleteSigningCertificate...
func (k *credentialKind[T]) delete(s *Server, acct *Account, req *request, x *xmlw) *apiError {
	u, e := s.userParam(acct, req)
	if e != nil {
		return e
	}
	c, e := k.param(u, req)
	if e != nil {
		return e
	}
	list := k.list(u)
	*list = slices.DeleteFunc(slices.Clone(*list), func(x T) bool { return x == c })
	return nil
}

// createAccessKey answers CreateAccessKey: a user holds at most
// AccessKeysPerUserQuota keys. The secret is in this response only.
func (s *Server) createAccessKey(acct *Account, req *request, x *xmlw) *apiError {
	u, e := s.userParam(acct, req)
	if e != nil {
		return e
	}
	if quota := s.quotas["AccessKeysPerUserQuota"]; len(u.AccessKeys) >= quota {
		return limitExceeded("Cannot exceed quota for AccessKeysPerUser: %d", quota)
	}
	k := &AccessKey{ID: s.newID("AKIA", acct)[:20], Created: s.created()}
	u.AccessKeys = append(u.AccessKeys, k)
	x.open("AccessKey")
	x.elem("UserName", u.Name)
	x.elem("AccessKeyId", k.ID)
	x.status(false)
	x.elem("SecretAccessKey", s.randomString(40, base64Alphabet))
	x.time("CreateDate", k.Created)
	x.close("AccessKey")
	return nil
}

// getAccessKeyLastUsed answers GetAccessKeyLastUsed for a key of any user
// of the account: ServiceName and Region are "N/A", and LastUsedDate
// absent, for a key never used.
func (s *Server) getAccessKeyLastUsed(acct *Account, req *request, x *xmlw) *apiError {
	id, e := textParam(req, "AccessKeyId", 16, 128)
	if e != nil {
		return e
	}
	for _, u := range acct.Users {
		for _, k := range u.AccessKeys {
			if k.ID != id {
				continue
			}
			x.elem("UserName", u.Name)
			x.open("AccessKeyLastUsed")
			region, service := "N/A", "N/A"
			if !k.LastUsed.IsZero() {
				x.time("LastUsedDate", k.LastUsed)
				if k.LastUsedRegion != "" {
					region = k.LastUsedRegion
				}
				if k.LastUsedService != "" {
					service = k.LastUsedService
				}
			}
			x.elem("ServiceName", service)
			x.elem("Region", region)
			x.close("AccessKeyLastUsed")
			return nil
		}
	}
	return errorf(404, "NoSuchEntity", accessKeys.notFound, id)
}

// uploadParams finds the user named by the request and returns the body
// parameter of an upload (field: CertificateBody, SSHPublicKeyBody).
func (s *Server) uploadParams(acct *Account, req *request, field string) (u *User, body string, e *apiError) {
	if u, e = s.userParam(acct, req); e == nil {
		body, e = textParam(req, field, 1, 16384)
	}
	return u, body, e
}

// Signing certificates.

func (x *xmlw) certificate(u *User, c *SigningCertificate) {
	x.elem("UserName", u.Name)
	x.elem("CertificateId", c.ID)
	x.elem("CertificateBody", c.Body)
	x.status(c.Inactive)
	x.time("UploadDate", c.Uploaded)
}

// uploadSigningCertificate answers UploadSigningCertificate: the body must
// be a PEM X.509 certificate the user does not hold yet, and a user holds
// at most SigningCertificatesPerUserQuota.
func (s *Server) uploadSigningCertificate(acct *Account, req *request, x *xmlw) *apiError {
	u, body, e := s.uploadParams(acct, req, "CertificateBody")
	if e != nil {
		return e
	}
	block, _ := pem.Decode([]byte(body))
	if block == nil || block.Type != "CERTIFICATE" {
		return errorf(400, "MalformedCertificate", "Unable to parse certificate. Please ensure the certificate is in PEM format.")
	}
	if _, err := x509.ParseCertificate(block.Bytes); err != nil {
		return errorf(400, "MalformedCertificate", "Unable to parse certificate: %v", err)
	}
	for _, other := range acct.Users {
		for _, c := range other.SigningCertificates {
			if strings.TrimSpace(c.Body) == strings.TrimSpace(body) {
				return errorf(409, "DuplicateCertificate", "The certificate already exists in this account.")
			}
		}
	}
	if quota := s.quotas["SigningCertificatesPerUserQuota"]; len(u.SigningCertificates) >= quota {
		return limitExceeded("Cannot exceed quota for SigningCertificatesPerUser: %d", quota)
	}
	c := &SigningCertificate{ID: s.newID("", acct) + s.newID("", acct)[:11], Body: body, Uploaded: s.created()}
	u.SigningCertificates = append(u.SigningCertificates, c)
	x.in("Certificate", func() { x.certificate(u, c) })
	return nil
}

// listSigningCertificates answers ListSigningCertificates.
func (s *Server) listSigningCertificates(acct *Account, req *request, x *xmlw) *apiError {
	u, e := s.userParam(acct, req)
	if e != nil {
		return e
	}
	return page(s, req, x, "certs,"+u.ID, "Certificates", u.SigningCertificates, func(c *SigningCertificate) { x.certificate(u, c) })
}

// SSH public keys.

// sshKey is a parsed SSH public key: an RSA key, as IAM takes.
type sshKey struct {
	pub  *rsa.PublicKey
	blob []byte // the SSH wire encoding
}

// parseSSHKey parses a key in the SSH encoding ("ssh-rsa AAAA... comment")
// or the PEM one, as UploadSSHPublicKey takes them. IAM takes RSA keys of
// 2048 to 16384 bits.
func parseSSHKey(body string) (*sshKey, *apiError) {
	invalid := errorf(400, "InvalidPublicKey", "The public key is not valid: it must be an RSA key in the ssh-rsa or PEM encoding.")
	var pub *rsa.PublicKey
	if block, _ := pem.Decode([]byte(body)); block != nil {
		key, err := x509.ParsePKIXPublicKey(block.Bytes)
		if err != nil {
			if k, err2 := x509.ParsePKCS1PublicKey(block.Bytes); err2 == nil {
				key, err = k, nil
			}
		}
		k, ok := key.(*rsa.PublicKey)
		if err != nil || !ok {
			return nil, invalid
		}
		pub = k
	} else {
		f := strings.Fields(body)
		if len(f) < 2 || f[0] != "ssh-rsa" {
			return nil, invalid
		}
		blob, err := base64.StdEncoding.DecodeString(f[1])
		if err != nil {
			return nil, errorf(400, "UnrecognizedPublicKeyEncoding", "The public key encoding is not recognized.")
		}
		if pub = parseRSABlob(blob); pub == nil {
			return nil, invalid
		}
	}
	if bits := pub.N.BitLen(); bits < 2048 || bits > 16384 {
		return nil, errorf(400, "InvalidPublicKey", "The public key must be between 2048 and 16384 bits long; it has %d.", bits)
	}
	return &sshKey{pub: pub, blob: rsaBlob(pub)}, nil
}

// parseRSABlob parses the SSH wire encoding of an RSA key: the strings
// "ssh-rsa", e and n.
func parseRSABlob(b []byte) *rsa.PublicKey {
	var fields [3][]byte
	for i := range fields {
		if len(b) < 4 {
			return nil
		}
		n := binary.BigEndian.Uint32(b)
		if uint64(len(b)-4) < uint64(n) {
			return nil
		}
		fields[i], b = b[4:4+n], b[4+n:]
	}
	if string(fields[0]) != "ssh-rsa" || len(b) != 0 {
		return nil
	}
	e := new(big.Int).SetBytes(fields[1])
	if !e.IsInt64() || e.Int64() < 3 || e.Int64() > 1<<31-1 {
		return nil
	}
	return &rsa.PublicKey{N: new(big.Int).SetBytes(fields[2]), E: int(e.Int64())}
}

// rsaBlob is the SSH wire encoding of an RSA key.
func rsaBlob(pub *rsa.PublicKey) []byte {
	var b bytes.Buffer
	str := func(p []byte) {
		_ = binary.Write(&b, binary.BigEndian, uint32(len(p))) // a bytes.Buffer never fails
		b.Write(p)
	}
	mpint := func(n *big.Int) {
		p := n.Bytes()
		if len(p) > 0 && p[0]&0x80 != 0 {
			p = append([]byte{0}, p...)
		}
		str(p)
	}
	str([]byte("ssh-rsa"))
	mpint(big.NewInt(int64(pub.E)))
	mpint(pub.N)
	return b.Bytes()
}

// encode writes the key in the SSH or PEM encoding.
func (k *sshKey) encode(encoding string) string {
	if encoding == "PEM" {
		der, _ := x509.MarshalPKIXPublicKey(k.pub) // an RSA key always marshals
		return string(pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der}))
	}
	return "ssh-rsa " + base64.StdEncoding.EncodeToString(k.blob)
}

// fingerprint is the MD5 fingerprint of the key, as IAM shows it.
func (k *sshKey) fingerprint() string {
	sum := md5.Sum(k.blob)
	parts := make([]string, len(sum))
	for i, c := range sum {
		parts[i] = fmt.Sprintf("%02x", c)
	}
	return strings.Join(parts, ":")
}

// sshPublicKey renders the SSHPublicKey shape in the given encoding.
func (x *xmlw) sshPublicKey(u *User, k *SSHPublicKey, encoding string) {
	x.elem("UserName", u.Name)
	x.elem("SSHPublicKeyId", k.ID)
	body, fingerprint := k.Body, ""
	if parsed, e := parseSSHKey(k.Body); e == nil {
		body, fingerprint = parsed.encode(encoding), parsed.fingerprint()
	}
	x.elem("Fingerprint", fingerprint)
	x.elem("SSHPublicKeyBody", body)
	x.status(k.Inactive)
	x.time("UploadDate", k.Uploaded)
}

// uploadSSHPublicKey answers UploadSSHPublicKey: an RSA key the user does
// not hold yet; a user holds at most five.
func (s *Server) uploadSSHPublicKey(acct *Account, req *request, x *xmlw) *apiError {
	u, body, e := s.uploadParams(acct, req, "SSHPublicKeyBody")
	if e != nil {
		return e
	}
	key, e := parseSSHKey(body)
	if e != nil {
		return e
	}
	for _, k := range u.SSHPublicKeys {
		if other, e := parseSSHKey(k.Body); e == nil && bytes.Equal(other.blob, key.blob) {
			return errorf(400, "DuplicateSSHPublicKey", "The SSH public key is already associated with the specified IAM user.")
		}
	}
	if len(u.SSHPublicKeys) >= 5 {
		return limitExceeded("Cannot exceed quota for SSHPublicKeysPerUser: 5")
	}
	k := &SSHPublicKey{ID: s.newID("APKA", acct)[:20], Body: key.encode("SSH"), Uploaded: s.created()}
	u.SSHPublicKeys = append(u.SSHPublicKeys, k)
	x.in("SSHPublicKey", func() { x.sshPublicKey(u, k, "SSH") })
	return nil
}

// getSSHPublicKey answers GetSSHPublicKey in the SSH or PEM encoding.
func (s *Server) getSSHPublicKey(acct *Account, req *request, x *xmlw) *apiError {
	u, e := s.userParam(acct, req)
	if e != nil {
		return e
	}
	k, e := sshPublicKeys.param(u, req)
	if e != nil {
		return e
	}
	encoding, e := required(req, "Encoding")
	if e != nil {
		return e
	}
	if encoding != "SSH" && encoding != "PEM" {
		return validation("encoding", encoding, "Member must satisfy enum value set: [SSH, PEM]")
	}
	x.in("SSHPublicKey", func() { x.sshPublicKey(u, k, encoding) })
	return nil
}

// listSSHPublicKeys answers ListSSHPublicKeys.
func (s *Server) listSSHPublicKeys(acct *Account, req *request, x *xmlw) *apiError {
	u, e := s.userParam(acct, req)
	if e != nil {
		return e
	}
	return page(s, req, x, "ssh,"+u.ID, "SSHPublicKeys", u.SSHPublicKeys, func(k *SSHPublicKey) {
		x.elem("UserName", u.Name)
		x.elem("SSHPublicKeyId", k.ID)
		x.status(k.Inactive)
		x.time("UploadDate", k.Uploaded)
	})
}

// Service-specific credentials.

// credentialServices are the services that take service-specific
// credentials.
var credentialServices = map[string]bool{"codecommit.amazonaws.com": true, "cassandra.amazonaws.com": true}

// serviceCredential renders the members the ServiceSpecificCredential and
// ServiceSpecificCredentialMetadata shapes share (password aside).
func (x *xmlw) serviceCredential(u *User, c *ServiceCredential, password string) {
	x.time("CreateDate", c.Created)
	x.elem("ServiceName", c.ServiceName)
	x.elem("ServiceUserName", c.ServiceUserName)
	if password != "" {
		x.elem("ServicePassword", password)
	}
	x.elem("ServiceSpecificCredentialId", c.ID)
	x.elem("UserName", u.Name)
	x.status(c.Inactive)
}

// createServiceSpecificCredential answers CreateServiceSpecificCredential:
// for CodeCommit or Keyspaces, at most two per user and service. The
// password is in this response only.
func (s *Server) createServiceSpecificCredential(acct *Account, req *request, x *xmlw) *apiError {
	u, e := s.userParam(acct, req)
	if e != nil {
		return e
	}
	service, e := required(req, "ServiceName")
	if e != nil {
		return e
	}
	if !credentialServices[service] {
		return errorf(404, "NotSupportedService", "The specified service %s does not support service-specific credentials.", service)
	}
	n := 0
	for _, c := range u.ServiceCredentials {
		if c.ServiceName == service {
			n++
		}
	}
	if n >= 2 {
		return limitExceeded("Cannot exceed quota for ServiceSpecificCredentialsPerUserPerService: 2")
	}
	c := &ServiceCredential{ID: s.newID("ACCA", acct), ServiceName: service, ServiceUserName: u.Name + "-at-" + acct.ID, Created: s.created()}
	u.ServiceCredentials = append(u.ServiceCredentials, c)
	x.in("ServiceSpecificCredential", func() { x.serviceCredential(u, c, s.randomString(44, base64Alphabet)) })
	return nil
}

// listServiceSpecificCredentials answers ListServiceSpecificCredentials,
// of one service when ServiceName is given.
func (s *Server) listServiceSpecificCredentials(acct *Account, req *request, x *xmlw) *apiError {
	u, e := s.userParam(acct, req)
	if e != nil {
		return e
	}
	service := req.form.Get("ServiceName")
	var list []*ServiceCredential
	for _, c := range u.ServiceCredentials {
		if service == "" || c.ServiceName == service {
			list = append(list, c)
		}
	}
	return page(s, req, x, "svccreds,"+u.ID+","+service, "ServiceSpecificCredentials", list, func(c *ServiceCredential) { x.serviceCredential(u, c, "") })
}
