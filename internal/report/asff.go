package report

import (
	"bufio"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/iamsweep/iamsweep"
	"github.com/iamsweep/iamsweep/internal/detect"
)

// The AWS Security Finding Format (ASFF) as iamsweep writes it: the fields
// and limits below are those of the AwsSecurityFinding type of the
// Security Hub API (SDK for Go v2, service/securityhub v1.71.2) and of the
// Security Hub User Guide; docs/securityhub.md cites them.
const (
	// ASFFSchemaVersion is the only schema version ASFF has.
	ASFFSchemaVersion = "2018-10-08"
	// ASFFIDPrefix starts the Id and the GeneratorId of every finding
	// iamsweep makes, so that its findings can be told from others that
	// share the account's default product.
	ASFFIDPrefix = "iamsweep/"
	// ASFFMaxFindingBytes bounds one finding as BatchImportFindings takes
	// it ("up to 240 KB per finding"; read as 240,000 bytes, the smaller
	// reading).
	ASFFMaxFindingBytes = 240_000
	// ASFFMaxBatch and ASFFMaxBatchBytes bound one BatchImportFindings
	// call: 100 findings, 6 MB (read as 6,000,000 bytes).
	ASFFMaxBatch      = 100
	ASFFMaxBatchBytes = 6_000_000

	asffMaxID          = 512  // Id, GeneratorId
	asffMaxTitle       = 256  // Title
	asffMaxDescription = 1024 // Description
	asffMaxRecommend   = 512  // Remediation.Recommendation.Text
	asffMaxFieldValue  = 2048 // a ProductFields value
	asffMaxOriginal    = 64   // Severity.Original
	asffMaxTags        = 50   // Resource.Tags pairs
	asffMaxTagKey      = 128
	asffMaxTagValue    = 256
)

// The record states and compliance statuses iamsweep sets.
const (
	ASFFActive   = "ACTIVE"
	ASFFArchived = "ARCHIVED"
	ASFFFailed   = "FAILED"
	ASFFPassed   = "PASSED"
)

// The severity labels of ASFF, lowest first.
const (
	SeverityInformational = "INFORMATIONAL"
	SeverityLow           = "LOW"
	SeverityMedium        = "MEDIUM"
	SeverityHigh          = "HIGH"
	SeverityCritical      = "CRITICAL"
)

// ASFFFinding is one finding in the AWS Security Finding Format, with the
// fields iamsweep sets. The JSON names are ASFF's, so that the output of
// -o asff goes to `aws securityhub batch-import-findings` as it is.
// Workflow, Note, UserDefinedFields and VerificationState are never set:
// they belong to the customer.
type ASFFFinding struct {
	SchemaVersion         string             `json:"SchemaVersion"`
	ID                    string             `json:"Id"`
	ProductARN            string             `json:"ProductArn"`
	ProductName           string             `json:"ProductName,omitempty"`
	CompanyName           string             `json:"CompanyName,omitempty"`
	GeneratorID           string             `json:"GeneratorId"`
	AwsAccountID          string             `json:"AwsAccountId"`
	Types                 []string           `json:"Types"`
	CreatedAt             time.Time          `json:"CreatedAt"`
	UpdatedAt             time.Time          `json:"UpdatedAt"`
	Severity              ASFFSeverity       `json:"Severity"`
	FindingProviderFields ASFFProviderFields `json:"FindingProviderFields"`
	Title                 string             `json:"Title"`
	Description           string             `json:"Description"`
	Remediation           *ASFFRemediation   `json:"Remediation,omitempty"`
	ProductFields         map[string]string  `json:"ProductFields,omitempty"`
	Resources             []ASFFResource     `json:"Resources"`
	Compliance            ASFFCompliance     `json:"Compliance"`
	RecordState           string             `json:"RecordState"`
}

// ASFFSeverity is a finding's severity: Label is ASFF's scale, Original
// says the idle age in words.
type ASFFSeverity struct {
	Label    string `json:"Label"`
	Original string `json:"Original,omitempty"`
}

// ASFFProviderFields are the values a finding provider owns of the fields
// that customers may also change (BatchUpdateFindings): Security Hub takes
// a provider's updates of Severity and Types from here.
type ASFFProviderFields struct {
	Severity ASFFSeverity `json:"Severity"`
	Types    []string     `json:"Types"`
}

// ASFFRemediation says what to do about a finding.
type ASFFRemediation struct {
	Recommendation ASFFRecommendation `json:"Recommendation"`
}

// ASFFRecommendation is the remedy in words.
type ASFFRecommendation struct {
	Text string `json:"Text"`
}

// ASFFCompliance carries the finding's compliance status: FAILED while the
// access is unused, PASSED once the finding is archived.
type ASFFCompliance struct {
	Status string `json:"Status"`
}

// ASFFResource is the principal or credential a finding is about.
type ASFFResource struct {
	Type      string            `json:"Type"`
	ID        string            `json:"Id"`
	Partition string            `json:"Partition,omitempty"`
	Tags      map[string]string `json:"Tags,omitempty"`
	Details   *ASFFDetails      `json:"Details,omitempty"`
}

// ASFFDetails holds one of the IAM resource details.
type ASFFDetails struct {
	AwsIamRole      *ASFFIamRole      `json:"AwsIamRole,omitempty"`
	AwsIamUser      *ASFFIamUser      `json:"AwsIamUser,omitempty"`
	AwsIamAccessKey *ASFFIamAccessKey `json:"AwsIamAccessKey,omitempty"`
}

// ASFFIamRole is the AwsIamRole resource detail.
type ASFFIamRole struct {
	RoleName   string `json:"RoleName,omitempty"`
	RoleID     string `json:"RoleId,omitempty"`
	Path       string `json:"Path,omitempty"`
	CreateDate string `json:"CreateDate,omitempty"`
}

// ASFFIamUser is the AwsIamUser resource detail.
type ASFFIamUser struct {
	UserName   string `json:"UserName,omitempty"`
	UserID     string `json:"UserId,omitempty"`
	Path       string `json:"Path,omitempty"`
	CreateDate string `json:"CreateDate,omitempty"`
}

// ASFFIamAccessKey is the AwsIamAccessKey resource detail.
type ASFFIamAccessKey struct {
	AccessKeyID   string `json:"AccessKeyId,omitempty"`
	AccountID     string `json:"AccountId,omitempty"`
	CreatedAt     string `json:"CreatedAt,omitempty"`
	PrincipalID   string `json:"PrincipalId,omitempty"`
	PrincipalName string `json:"PrincipalName,omitempty"`
	PrincipalType string `json:"PrincipalType,omitempty"`
	Status        string `json:"Status,omitempty"`
}

// ASFFOptions are what an ASFF finding needs beyond the finding itself.
type ASFFOptions struct {
	// Region is the Region the findings are imported to: it is part of
	// the product ARN.
	Region string
	// AsOf is the evaluation time: the findings' UpdatedAt, and the time
	// idle ages are counted to.
	AsOf time.Time
	// UnusedDays is the threshold the verdicts used.
	UnusedDays int
	// OwnerTags are the tag keys that name an owner (Finding.Owner).
	OwnerTags []string
}

// ProductFields keys. Security Hub adds keys of its own under "aws/".
const (
	FieldFindingType = "iamsweep/FindingType"
	FieldVerdict     = "iamsweep/Verdict"
	FieldRule        = "iamsweep/Rule"
	FieldReason      = "iamsweep/Reason"
	FieldDaysUnused  = "iamsweep/DaysUnused"
	FieldLastUsed    = "iamsweep/LastUsed"
	FieldLastRegion  = "iamsweep/LastUsedRegion"
	FieldThreshold   = "iamsweep/UnusedDaysThreshold"
	FieldEvaluatedAt = "iamsweep/EvaluatedAt"
	FieldAccountName = "iamsweep/AccountName"
	FieldOwner       = "iamsweep/Owner"
	FieldPrincipal   = "iamsweep/PrincipalArn"
	FieldKeySlot     = "iamsweep/KeySlot"
	FieldClosed      = "iamsweep/ClosedReason"
)

// asffTypeNames are the classifiers of the finding types, after IAM
// Access Analyzer's unused-access finding types.
var asffTypeNames = map[iamsweep.FindingType]string{
	iamsweep.TypeUnusedIAMRole:          "Unused IAM Role",
	iamsweep.TypeUnusedIAMUser:          "Unused IAM User",
	iamsweep.TypeUnusedIAMUserPassword:  "Unused IAM User Password",
	iamsweep.TypeUnusedIAMUserAccessKey: "Unused IAM User Access Key",
	iamsweep.TypeRootAccessKey:          "Root User Access Key",
}

// asffTypeNamespace is the namespace and category of every finding type.
const asffTypeNamespace = "Software and Configuration Checks/AWS Security Best Practices/"

// ASFFTypes returns the ASFF Types of a finding type.
func ASFFTypes(t iamsweep.FindingType) []string {
	name, ok := asffTypeNames[t]
	if !ok {
		name = string(t)
	}
	return []string{asffTypeNamespace + name}
}

// ASFFProductARN returns the default product ARN of an account in a
// Region, the one product every account may import its own findings to:
// arn:PARTITION:securityhub:REGION:ACCOUNT:product/ACCOUNT/default.
func ASFFProductARN(partition, region, account string) string {
	if partition == "" {
		partition = "aws"
	}
	return "arn:" + partition + ":securityhub:" + region + ":" + account + ":product/" + account + "/default"
}

// ASFFGeneratorID returns the GeneratorId of a finding type:
// "iamsweep/UnusedIAMRole".
func ASFFGeneratorID(t iamsweep.FindingType) string { return ASFFIDPrefix + string(t) }

// ASFFFindingType returns the finding type a GeneratorId names, and
// whether it is one of iamsweep's.
func ASFFFindingType(generatorID string) (iamsweep.FindingType, bool) {
	t, ok := strings.CutPrefix(generatorID, ASFFIDPrefix)
	if !ok {
		return "", false
	}
	_, known := asffTypeNames[iamsweep.FindingType(t)]
	return iamsweep.FindingType(t), known
}

// ASFFID returns the Id of a finding: the same for the same account,
// principal and finding type on every scan, so that a rescan updates the
// finding instead of adding another. It is "iamsweep/TYPE/ARN", with the
// access key's ID (or, when the scan did not name keys, its credential
// report slot) after the user's ARN. An Id that would pass ASFF's 512
// characters is "iamsweep/TYPE/ACCOUNT/sha256/HEX" of the same text.
func ASFFID(f iamsweep.Finding) string {
	id := ASFFIDPrefix + string(f.Type) + "/" + f.ARN
	if f.Type == iamsweep.TypeUnusedIAMUserAccessKey || f.Type == iamsweep.TypeRootAccessKey {
		id += "/" + keyRef(f)
	}
	if len(id) <= asffMaxID {
		return id
	}
	sum := sha256.Sum256([]byte(id))
	return ASFFIDPrefix + string(f.Type) + "/" + f.AccountID + "/sha256/" + hex.EncodeToString(sum[:])
}

// keyRef names an access key: its ID, else its slot ("slot-1").
func keyRef(f iamsweep.Finding) string {
	if f.AccessKeyID != "" {
		return f.AccessKeyID
	}
	return "slot-" + strconv.Itoa(f.KeySlot)
}

// NewASFFFinding returns the ASFF finding of an unused finding: ACTIVE,
// compliance FAILED, with a severity that grows with the idle age (see
// ASFFSeverityOf). Its CreatedAt is when the principal crossed the
// threshold (the last use, or else the creation, plus the threshold),
// which is the same on every scan; its UpdatedAt is the evaluation time.
func NewASFFFinding(f iamsweep.Finding, o ASFFOptions) ASFFFinding {
	partition := "aws"
	if a, err := iamsweep.ParseARN(f.ARN); err == nil {
		partition = a.Partition
	}
	sev := ASFFSeverityOf(f, o.AsOf)
	types := ASFFTypes(f.Type)
	asOf := o.AsOf.UTC()
	return ASFFFinding{
		SchemaVersion:         ASFFSchemaVersion,
		ID:                    ASFFID(f),
		ProductARN:            ASFFProductARN(partition, o.Region, f.AccountID),
		ProductName:           "iamsweep",
		CompanyName:           "iamsweep",
		GeneratorID:           ASFFGeneratorID(f.Type),
		AwsAccountID:          f.AccountID,
		Types:                 types,
		CreatedAt:             crossedAt(f, o),
		UpdatedAt:             asOf,
		Severity:              sev,
		FindingProviderFields: ASFFProviderFields{Severity: sev, Types: types},
		Title:                 asffTitle(f, o.AsOf),
		Description:           asffDescription(f, o),
		Remediation:           &ASFFRemediation{Recommendation: ASFFRecommendation{Text: cut(remedy(f.Type), asffMaxRecommend)}},
		ProductFields:         asffFields(f, o),
		Resources:             []ASFFResource{asffResource(f, partition)},
		Compliance:            ASFFCompliance{Status: ASFFFailed},
		RecordState:           ASFFActive,
	}
}

// crossedAt is when f's principal crossed the threshold: its last use, or
// (never used) its creation, plus the threshold; the evaluation time when
// neither is known or the result would lie after it.
func crossedAt(f iamsweep.Finding, o ASFFOptions) time.Time {
	asOf := o.AsOf.UTC()
	from := f.LastUsed.Time
	if from.IsZero() {
		from = f.Created
	}
	if from.IsZero() {
		return asOf
	}
	t := from.UTC().AddDate(0, 0, o.UnusedDays)
	if t.After(asOf) {
		return asOf
	}
	return t
}

// idleDays is how long f's principal has been idle: whole days since its
// last use or, never used, since its creation. ok is false when neither
// is known.
func idleDays(f iamsweep.Finding, asOf time.Time) (days int, ok bool) {
	switch {
	case f.DaysUnused != nil:
		return *f.DaysUnused, true
	case !f.Created.IsZero():
		return max(detect.WholeDays(f.Created, asOf), 0), true
	}
	return 0, false
}

// ASFFSeverityOf returns the severity of an unused finding. It grows with
// the idle age: LOW up to 180 days, MEDIUM up to 365, HIGH beyond, and
// MEDIUM when the age is unknown. A root access key is CRITICAL while it
// is active (root keys should not exist) and MEDIUM when inactive; a user
// with no password or access key at all is LOW (it cannot sign in).
func ASFFSeverityOf(f iamsweep.Finding, asOf time.Time) ASFFSeverity {
	days, known := idleDays(f, asOf)
	original := "age unknown"
	if known {
		original = plural(days, "day") + " idle"
		if f.LastUsed.IsZero() {
			original += ", never used"
		}
	}
	label := SeverityMedium
	switch {
	case f.Type == iamsweep.TypeRootAccessKey && f.Rule != iamsweep.RuleInactiveKey:
		label = SeverityCritical
	case f.Type == iamsweep.TypeRootAccessKey:
		label = SeverityMedium
	case f.Rule == iamsweep.RuleNoCredentials:
		label = SeverityLow
	case !known:
		label = SeverityMedium
	case days > 365:
		label = SeverityHigh
	case days > 180:
		label = SeverityMedium
	default:
		label = SeverityLow
	}
	return ASFFSeverity{Label: label, Original: cut(original, asffMaxOriginal)}
}

// noun names what a finding is about: "IAM role", "console password of
// IAM user".
func noun(f iamsweep.Finding) string {
	switch f.Type {
	case iamsweep.TypeUnusedIAMRole:
		return "IAM role " + f.Name
	case iamsweep.TypeUnusedIAMUser:
		return "IAM user " + f.Name
	case iamsweep.TypeUnusedIAMUserPassword:
		return "Console password of IAM user " + f.Name
	case iamsweep.TypeUnusedIAMUserAccessKey:
		return "Access key " + maskKey(f) + " of IAM user " + f.Name
	case iamsweep.TypeRootAccessKey:
		return "Root user access key " + maskKey(f)
	}
	return string(f.Type) + " " + f.Name
}

// maskKey names an access key by its slot and the last four characters of
// its ID, as logs do: "2 (…WXYZ)".
func maskKey(f iamsweep.Finding) string {
	s := strconv.Itoa(f.KeySlot)
	if n := len(f.AccessKeyID); n >= 4 {
		s += " (…" + f.AccessKeyID[n-4:] + ")"
	}
	return s
}

func asffTitle(f iamsweep.Finding, asOf time.Time) string {
	title := noun(f) + " is unused"
	if days, ok := idleDays(f, asOf); ok {
		if f.LastUsed.IsZero() {
			title += ": never used in " + plural(days, "day")
		} else {
			title += ": idle for " + plural(days, "day")
		}
	}
	if f.Type == iamsweep.TypeRootAccessKey && f.Rule != iamsweep.RuleInactiveKey {
		title = noun(f) + " is active and should not exist"
	}
	return cut(title, asffMaxTitle)
}

// asffDescription is the verdict, its reason and the remedy, in at most
// 1,024 characters: a long reason is cut first, so that the remedy stays.
func asffDescription(f iamsweep.Finding, o ASFFOptions) string {
	head := noun(f) + " (" + f.ARN + ") in account " + f.AccountID
	if f.AccountName != "" {
		head += " (" + f.AccountName + ")"
	}
	head += fmt.Sprintf(" is unused (no recorded use in more than %s) as of %s: ", plural(o.UnusedDays, "day"), o.AsOf.UTC().Format("2006-01-02"))
	tail := "."
	if owner := f.Owner(o.OwnerTags); owner != "" {
		tail += " Owner: " + owner + "."
	}
	tail += " " + remedy(f.Type)
	return fit(head, f.Reason, tail, asffMaxDescription)
}

// remedy says what to do about an unused finding of type t.
func remedy(t iamsweep.FindingType) string {
	switch t {
	case iamsweep.TypeUnusedIAMRole:
		return "Remedy: confirm with its owner that nothing needs it, then quarantine or delete it (iamsweep plan, then iamsweep apply, which backs it up first so that iamsweep restore can bring it back)."
	case iamsweep.TypeUnusedIAMUser:
		return "Remedy: confirm with its owner that nothing needs it, then quarantine or delete the user (iamsweep plan, then iamsweep apply, which backs it up first so that iamsweep restore can bring it back)."
	case iamsweep.TypeUnusedIAMUserPassword:
		return "Remedy: delete the console password if nobody signs in as this user (remediation.passwords: delete-password in iamsweep's policy)."
	case iamsweep.TypeUnusedIAMUserAccessKey:
		return "Remedy: deactivate the access key, and delete it once nothing has broken (iamsweep plan and apply: deactivate-key, delete-key)."
	case iamsweep.TypeRootAccessKey:
		return "Remedy: delete the root user's access key; the root user should have none (sign in as the root user, Security credentials)."
	}
	return "Remedy: review it and remove it if nothing needs it."
}

// asffFields are the ProductFields of an unused finding.
func asffFields(f iamsweep.Finding, o ASFFOptions) map[string]string {
	m := map[string]string{
		FieldFindingType: string(f.Type),
		FieldVerdict:     string(f.Verdict),
		FieldRule:        string(f.Rule),
		FieldReason:      cut(f.Reason, asffMaxFieldValue),
		FieldThreshold:   strconv.Itoa(o.UnusedDays),
		FieldEvaluatedAt: o.AsOf.UTC().Format(time.RFC3339),
		FieldPrincipal:   cut(f.ARN, asffMaxFieldValue),
		FieldLastUsed:    "never",
	}
	if days, ok := idleDays(f, o.AsOf); ok {
		m[FieldDaysUnused] = strconv.Itoa(days)
	}
	if !f.LastUsed.IsZero() {
		m[FieldLastUsed] = f.LastUsed.Time.UTC().Format(time.RFC3339)
	}
	if f.LastUsed.Region != "" {
		m[FieldLastRegion] = f.LastUsed.Region
	}
	if f.AccountName != "" {
		m[FieldAccountName] = cut(f.AccountName, asffMaxFieldValue)
	}
	if owner := f.Owner(o.OwnerTags); owner != "" {
		m[FieldOwner] = cut(owner, asffMaxFieldValue)
	}
	if f.KeySlot != 0 {
		m[FieldKeySlot] = strconv.Itoa(f.KeySlot)
	}
	return m
}

// asffResource is the one resource of a finding: the role, the user (for
// the user and its password) or the access key.
func asffResource(f iamsweep.Finding, partition string) ASFFResource {
	r := ASFFResource{ID: f.ARN}
	switch partition {
	case "aws", "aws-cn", "aws-us-gov": // the partitions ASFF's Partition takes
		r.Partition = partition
	}
	switch f.Type {
	case iamsweep.TypeUnusedIAMRole:
		r.Type = "AwsIamRole"
		r.Tags = asffTags(f.Tags)
		r.Details = &ASFFDetails{AwsIamRole: &ASFFIamRole{RoleName: f.Name, RoleID: f.PrincipalID, Path: f.Path, CreateDate: stamp(f.Created)}}
	case iamsweep.TypeUnusedIAMUser, iamsweep.TypeUnusedIAMUserPassword:
		r.Type = "AwsIamUser"
		r.Tags = asffTags(f.Tags)
		u := &ASFFIamUser{UserName: f.Name, UserID: f.PrincipalID, Path: f.Path}
		if f.Type == iamsweep.TypeUnusedIAMUser {
			u.CreateDate = stamp(f.Created) // a password finding's is the password's
		}
		r.Details = &ASFFDetails{AwsIamUser: u}
	case iamsweep.TypeUnusedIAMUserAccessKey, iamsweep.TypeRootAccessKey:
		r.Type = "AwsIamAccessKey"
		r.ID = "AWS::IAM::AccessKey:" + f.AccessKeyID
		if f.AccessKeyID == "" {
			r.ID = "AWS::IAM::AccessKey:" + f.ARN + "/" + keyRef(f)
		}
		k := &ASFFIamAccessKey{AccessKeyID: f.AccessKeyID, AccountID: f.AccountID, CreatedAt: stamp(f.Created),
			PrincipalID: f.PrincipalID, PrincipalName: f.Name, PrincipalType: "IAMUser", Status: "Active"}
		if f.Type == iamsweep.TypeRootAccessKey {
			k.PrincipalType, k.PrincipalName, k.PrincipalID = "Root", "root", f.AccountID
		}
		if f.Rule == iamsweep.RuleInactiveKey {
			k.Status = "Inactive"
		}
		r.Details = &ASFFDetails{AwsIamAccessKey: k}
	default:
		r.Type = "Other"
	}
	return r
}

// asffTags are a principal's tags as Resource.Tags holds them (at most 50,
// keys to 128 and values to 256 characters, as IAM's own limits are).
func asffTags(tags []iamsweep.Tag) map[string]string {
	if len(tags) == 0 {
		return nil
	}
	m := make(map[string]string, len(tags))
	for _, t := range tags {
		if len(m) == asffMaxTags {
			break
		}
		if t.Key == "" {
			continue
		}
		m[cut(t.Key, asffMaxTagKey)] = cut(t.Value, asffMaxTagValue)
	}
	return m
}

func stamp(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format(time.RFC3339)
}

// ASFFClose returns a copy of an active finding closed by a scan that
// proved it no longer holds: ARCHIVED, compliance PASSED, severity
// INFORMATIONAL, updated at at, with the reason in ClosedReason and at
// the head of the description. Workflow is left to the customer.
func ASFFClose(a ASFFFinding, verdict, reason string, at time.Time) ASFFFinding {
	c := a
	c.RecordState = ASFFArchived
	c.Compliance = ASFFCompliance{Status: ASFFPassed}
	c.Severity = ASFFSeverity{Label: SeverityInformational, Original: "closed"}
	c.FindingProviderFields = ASFFProviderFields{Severity: c.Severity, Types: a.Types}
	if len(c.Types) == 0 {
		if t, ok := ASFFFindingType(a.GeneratorID); ok {
			c.Types = ASFFTypes(t)
		}
		c.FindingProviderFields.Types = c.Types
	}
	c.UpdatedAt = at.UTC()
	c.ProductFields = make(map[string]string, len(a.ProductFields)+2)
	for k, v := range a.ProductFields {
		c.ProductFields[k] = v
	}
	c.ProductFields[FieldVerdict] = verdict
	c.ProductFields[FieldClosed] = cut(reason, asffMaxFieldValue)
	c.ProductFields[FieldEvaluatedAt] = at.UTC().Format(time.RFC3339)
	c.Description = fit("Closed on "+at.UTC().Format("2006-01-02")+": "+reason+". Before: ", a.Description, "", asffMaxDescription)
	return c
}

// cut shortens s to at most n characters (runes), ending it with "…" when
// it was cut; it never splits a character.
func cut(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	if n < 1 {
		return ""
	}
	i, count := 0, 0
	for i < len(s) && count < n-1 {
		_, size := utf8.DecodeRuneInString(s[i:])
		i += size
		count++
	}
	return s[:i] + "…"
}

// fit joins head, middle and tail in at most n characters, cutting the
// middle first, then the head; the tail is cut last.
func fit(head, middle, tail string, n int) string {
	rc := utf8.RuneCountInString
	if rc(head)+rc(middle)+rc(tail) <= n {
		return head + middle + tail
	}
	room := n - rc(head) - rc(tail)
	if room >= 2 {
		return head + cut(middle, room) + tail
	}
	return cut(head+middle+tail, n)
}

// NewASFF returns a Writer of the unused findings as a JSON array of ASFF
// findings, the form `aws securityhub batch-import-findings --findings
// file://...` reads. Findings that are not unused are left out, and so
// are the accounts that failed (the caller reports them). The findings
// are ACTIVE: closing those that no longer hold needs what Security Hub
// holds, which only --to securityhub reads.
func NewASFF(w io.Writer, o ASFFOptions) Writer {
	return &asffWriter{w: bufio.NewWriterSize(w, 64<<10), o: o}
}

type asffWriter struct {
	w *bufio.Writer
	o ASFFOptions
	n int
}

func (a *asffWriter) Begin(m Meta) error {
	a.o.AsOf, a.o.UnusedDays = m.AsOf, m.UnusedDays
	_, err := a.w.WriteString("[")
	return err
}

func (a *asffWriter) Findings(fs []iamsweep.Finding) error {
	for _, f := range fs {
		if !f.Unused() {
			continue
		}
		b, err := marshalIndent(NewASFFFinding(f, a.o), "  ")
		if err != nil {
			return err
		}
		if a.n > 0 {
			a.w.WriteByte(',')
		}
		a.w.WriteString("\n  ")
		if _, err := a.w.Write(b); err != nil {
			return err
		}
		a.n++
	}
	return nil
}

func (a *asffWriter) End(Totals) error {
	if a.n > 0 {
		a.w.WriteByte('\n')
	}
	a.w.WriteString("]\n")
	return a.w.Flush()
}
