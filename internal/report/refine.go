package report

import (
	"bytes"
	"crypto/sha256"
	"encoding/csv"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"path"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/iamsweep/iamsweep"
	"github.com/iamsweep/iamsweep/internal/policy"
	"github.com/iamsweep/iamsweep/internal/refine"
)

// RefineMeta describes a refinement run for its outputs.
type RefineMeta struct {
	// AsOf is the time the windows end at.
	AsOf time.Time
	// Catalog names the action catalogue used to expand wildcards.
	Catalog string
	// Errors are the accounts that could not be refined (a refinement of
	// several accounts).
	Errors []iamsweep.AccountError
}

// RefineSummary is the JSON document of a refinement run (refine -o json,
// and summary.json beside the policy files of --out DIR):
//
//	{"schema_version", "as_of", "catalog", "principals": [...], "counts"}
type RefineSummary struct {
	SchemaVersion int            `json:"schema_version"`
	AsOf          string         `json:"as_of"`
	Catalog       string         `json:"catalog"`
	Principals    []RefineRecord `json:"principals"`
	Counts        map[string]int `json:"counts"`
	Files         []string       `json:"files,omitempty"`
	// Errors are the accounts that could not be refined; omitted when
	// none failed.
	Errors []Problem `json:"errors,omitempty"`
}

// RefineRecord is one principal of a refinement, an UnusedPermission
// finding. Recommendation has the shape of IAM Access Analyzer's
// GetFindingRecommendation output (its member names included), so that
// tools written for it read it as they are.
type RefineRecord struct {
	Type           string         `json:"type"`
	AccountID      string         `json:"account_id"`
	ARN            string         `json:"arn"`
	ResourceType   string         `json:"resource_type"`
	Name           string         `json:"name"`
	Status         string         `json:"status"`
	Reason         string         `json:"reason"`
	WindowDays     int            `json:"window_days"`
	WindowPattern  *string        `json:"window_pattern"`
	EvidenceSince  *string        `json:"evidence_since"`
	EvidenceUntil  *string        `json:"evidence_until"`
	LastAccessed   *string        `json:"last_accessed"`
	UnusedServices []string       `json:"unused_services"`
	UnusedActions  []string       `json:"unused_actions"`
	Recommendation Recommendation `json:"recommendation"`
	Policies       []RefinePolicy `json:"policies"`
	Notes          []string       `json:"notes"`
}

// Recommendation is Access Analyzer's GetFindingRecommendation output.
type Recommendation struct {
	ResourceArn        string            `json:"resourceArn"`
	RecommendationType string            `json:"recommendationType"`
	Status             string            `json:"status"`
	RecommendedSteps   []RecommendedStep `json:"recommendedSteps"`
}

// RecommendedStep is one member of recommendedSteps.
type RecommendedStep struct {
	UnusedPermissionsRecommendedStep UnusedPermissionsStep `json:"unusedPermissionsRecommendedStep"`
}

// UnusedPermissionsStep is Access Analyzer's
// unusedPermissionsRecommendedStep: recommendedPolicy is the document as
// a JSON string, as Access Analyzer gives it.
type UnusedPermissionsStep struct {
	RecommendedAction string  `json:"recommendedAction"`
	ExistingPolicyID  string  `json:"existingPolicyId"`
	PolicyUpdatedAt   *string `json:"policyUpdatedAt,omitempty"`
	RecommendedPolicy *string `json:"recommendedPolicy,omitempty"`
}

// RefinePolicy is one policy of a principal with its existing and
// recommended documents.
type RefinePolicy struct {
	ExistingPolicyID  string          `json:"existing_policy_id"`
	Name              string          `json:"name"`
	Kind              string          `json:"kind"`
	Steps             []string        `json:"steps"`
	RecommendedName   *string         `json:"recommended_name"`
	File              *string         `json:"file"`
	Size              int             `json:"size"`
	SizeLimit         int             `json:"size_limit"`
	Notes             []string        `json:"notes"`
	ExistingPolicy    json.RawMessage `json:"existing_policy"`
	RecommendedPolicy json.RawMessage `json:"recommended_policy"`
}

// Policy kinds of RefinePolicy.Kind.
const (
	KindInline     = "inline"
	KindManaged    = "customer-managed"
	KindAWSManaged = "aws-managed"
)

// PolicyFile is a recommended document to write under --out DIR.
type PolicyFile struct {
	// Path is relative to DIR, with "/" separators:
	// <account>/<role|user>/<principal name>/<policy name>.json.
	Path string
	// Data is the document, indented, with a final newline.
	Data []byte
}

// NewRefineSummary builds the JSON document of results; files, when not
// nil, are the policy files written (PolicyFiles), named in the records.
func NewRefineSummary(m RefineMeta, results []refine.Result, files []PolicyFile) RefineSummary {
	s := RefineSummary{SchemaVersion: SchemaVersion, AsOf: m.AsOf.UTC().Format(time.RFC3339), Catalog: m.Catalog,
		Principals: make([]RefineRecord, 0, len(results)), Counts: map[string]int{}}
	byKey := map[string]string{}
	for _, f := range files {
		byKey[f.Path] = f.Path
		s.Files = append(s.Files, f.Path)
	}
	for _, r := range results {
		s.Counts[string(r.Status)]++
		s.Principals = append(s.Principals, newRefineRecord(r, byKey))
	}
	for _, e := range m.Errors {
		s.Errors = append(s.Errors, Problem{AccountID: e.Account.ID, AccountName: optional(e.Account.Name), Stage: e.Stage,
			Code: optional(e.Code), Message: e.Message})
	}
	return s
}

func optTime(t time.Time) *string {
	if t.IsZero() {
		return nil
	}
	s := t.UTC().Format(time.RFC3339)
	return &s
}

func optString(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

func accountOf(arn string) string {
	a, err := iamsweep.ParseARN(arn)
	if err != nil {
		return ""
	}
	return a.AccountID
}

func kindOf(p refine.PolicyResult) string {
	switch {
	case p.Inline:
		return KindInline
	case p.AWSManaged:
		return KindAWSManaged
	}
	return KindManaged
}

func newRefineRecord(r refine.Result, files map[string]string) RefineRecord {
	rec := RefineRecord{
		Type: string(iamsweep.TypeUnusedPermission), AccountID: accountOf(r.ARN), ARN: r.ARN,
		ResourceType: "AWS::IAM::Role", Name: r.Name, Status: string(r.Status), Reason: r.Reason,
		WindowDays: r.WindowDays, WindowPattern: optString(r.WindowPattern),
		EvidenceSince: optTime(r.EvidenceSince), EvidenceUntil: optTime(r.EvidenceUntil), LastAccessed: optTime(r.LastAccessed),
		UnusedServices: nonNil(r.UnusedServices), UnusedActions: nonNil(r.UnusedActions), Notes: nonNil(r.Notes),
		Recommendation: Recommendation{ResourceArn: r.ARN, RecommendationType: "UnusedPermissionRecommendation",
			Status: "SUCCEEDED", RecommendedSteps: []RecommendedStep{}},
		Policies: []RefinePolicy{},
	}
	if r.Kind == "user" {
		rec.ResourceType = "AWS::IAM::User"
	}
	for _, p := range r.Policies {
		limit := refine.MaxManagedPolicySize
		if p.Inline {
			limit = refine.MaxRoleInlineSize
			if r.Kind == "user" {
				limit = refine.MaxUserInlineSize
			}
		}
		rp := RefinePolicy{ExistingPolicyID: p.ID, Name: p.Name, Kind: kindOf(p), Steps: []string{}, Size: p.Size, SizeLimit: limit,
			Notes: nonNil(p.Notes), ExistingPolicy: policy.Marshal(p.Existing), RecommendedPolicy: json.RawMessage("null")}
		if p.Recommended != nil {
			rp.RecommendedName = optString(p.RecommendedName)
			rp.RecommendedPolicy = policy.Marshal(*p.Recommended)
			if f, ok := files[PolicyFilePath(r, p)]; ok {
				rp.File = &f
			}
		}
		for _, st := range p.Steps {
			rp.Steps = append(rp.Steps, string(st.Action))
			step := UnusedPermissionsStep{RecommendedAction: string(st.Action), ExistingPolicyID: st.ExistingPolicyID, PolicyUpdatedAt: optTime(st.PolicyUpdatedAt)}
			if st.RecommendedPolicy != nil {
				doc := string(policy.Marshal(*st.RecommendedPolicy))
				step.RecommendedPolicy = &doc
			}
			rec.Recommendation.RecommendedSteps = append(rec.Recommendation.RecommendedSteps, RecommendedStep{step})
		}
		rec.Policies = append(rec.Policies, rp)
	}
	return rec
}

// WriteRefineJSON writes the JSON document of results (NewRefineSummary).
func WriteRefineJSON(w io.Writer, s RefineSummary) error {
	b, err := marshalIndent(s, "")
	if err != nil {
		return err
	}
	b = append(b, '\n')
	_, err = w.Write(b)
	return err
}

// PolicyFilePath is where the recommended document of p is written under
// --out DIR.
func PolicyFilePath(r refine.Result, p refine.PolicyResult) string {
	kind := r.Kind
	return path.Join(safeName(accountOf(r.ARN)), kind, safeName(r.Name), safeName(p.RecommendedName)+".json")
}

// safeName keeps a name usable as one path element. IAM names hold
// letters, digits and "+=,.@_-" only; anything else (and "." or ".."
// alone) becomes "_".
func safeName(s string) string {
	if s == "" || s == "." || s == ".." {
		return "_"
	}
	var b strings.Builder
	for _, c := range s {
		if c < 128 && (c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || strings.ContainsRune("+=,.@_-", c)) {
			b.WriteRune(c)
		} else {
			b.WriteByte('_')
		}
	}
	return b.String()
}

// PolicyFiles returns the recommended documents of results as files, in
// result order.
func PolicyFiles(results []refine.Result) []PolicyFile {
	var out []PolicyFile
	for _, r := range results {
		for _, p := range r.Policies {
			if p.Recommended == nil {
				continue
			}
			var buf bytes.Buffer
			_ = json.Indent(&buf, policy.Marshal(*p.Recommended), "", "  ") // Marshal's output is valid JSON
			buf.WriteByte('\n')
			out = append(out, PolicyFile{Path: PolicyFilePath(r, p), Data: buf.Bytes()})
		}
	}
	return out
}

// WriteRefineCSV writes one row per policy of each principal: the
// principal, its status, the policy, the steps and what they remove.
func WriteRefineCSV(w io.Writer, results []refine.Result) error {
	cw := csv.NewWriter(w)
	_ = cw.Write([]string{"type", "account_id", "arn", "status", "window_days", "policy_id", "policy_kind", "steps",
		"recommended_name", "removed", "added", "size", "notes", "reason"})
	for _, r := range results {
		if len(r.Policies) == 0 {
			_ = cw.Write([]string{string(iamsweep.TypeUnusedPermission), accountOf(r.ARN), csvSafe(r.ARN), string(r.Status),
				strconv.Itoa(r.WindowDays), "", "", "", "", "", "", "", strings.Join(r.Notes, "; "), csvSafe(r.Reason)})
			continue
		}
		for _, p := range r.Policies {
			var steps []string
			for _, s := range p.Steps {
				steps = append(steps, string(s.Action))
			}
			removed, added := changeSets(p)
			name := ""
			if p.Recommended != nil {
				name = p.RecommendedName
			}
			_ = cw.Write([]string{string(iamsweep.TypeUnusedPermission), accountOf(r.ARN), csvSafe(r.ARN), string(r.Status),
				strconv.Itoa(r.WindowDays), csvSafe(p.ID), kindOf(p), strings.Join(steps, " "), csvSafe(name),
				csvSafe(strings.Join(removed, " ")), csvSafe(strings.Join(added, " ")), strconv.Itoa(p.Size),
				csvSafe(strings.Join(p.Notes, "; ")), csvSafe(r.Reason)})
		}
	}
	cw.Flush()
	return cw.Error()
}

// changeSets returns what a policy's refinement removes from and adds to
// its action lists. For a policy detached whole, every Allow action is
// removed.
func changeSets(p refine.PolicyResult) (removed, added []string) {
	if p.Changed() && p.Recommended == nil {
		for _, s := range p.Existing.Statements {
			if s.Effect == "Allow" {
				removed = append(removed, s.Actions...)
				removed = append(removed, s.NotActions...)
			}
		}
		return removed, nil
	}
	for _, c := range p.Changes {
		r, a := listDiff(c.Before, c.After)
		removed, added = append(removed, r...), append(added, a...)
	}
	return removed, added
}

// listDiff returns the entries of before missing from after, and those of
// after missing from before, compared without regard to case.
func listDiff(before, after []string) (removed, added []string) {
	in := func(list []string, s string) bool {
		for _, x := range list {
			if strings.EqualFold(x, s) {
				return true
			}
		}
		return false
	}
	for _, b := range before {
		if !in(after, b) {
			removed = append(removed, b)
		}
	}
	for _, a := range after {
		if !in(before, a) {
			added = append(added, a)
		}
	}
	return removed, added
}

// RefineTableOptions control the refinement table.
type RefineTableOptions struct {
	// Color marks removals red and additions green (for a terminal).
	Color bool
	// MaxListed caps the lines of one side of a statement's diff; 0 is 12.
	MaxListed int
	// Errors are the accounts that could not be refined, listed after the
	// principals.
	Errors []iamsweep.AccountError
}

// WriteRefineTable writes results for people: per principal its status
// and reason, unused services and actions, then per policy the steps and
// a diff of each changed statement ("-" removed, "+" added).
func WriteRefineTable(w io.Writer, results []refine.Result, o RefineTableOptions) error {
	if o.MaxListed == 0 {
		o.MaxListed = 12
	}
	red, green, bold, reset := "", "", "", ""
	if o.Color {
		red, green, bold, reset = "\x1b[31m", "\x1b[32m", "\x1b[1m", "\x1b[0m"
	}
	var b strings.Builder
	counts := map[refine.Status]int{}
	for _, r := range results {
		counts[r.Status]++
		fmt.Fprintf(&b, "%s%s%s  %s\n  %s\n", bold, r.ARN, reset, r.Status, r.Reason)
		if len(r.UnusedServices) > 0 {
			fmt.Fprintf(&b, "  unused services: %s\n", strings.Join(r.UnusedServices, ", "))
		}
		if len(r.UnusedActions) > 0 {
			fmt.Fprintf(&b, "  unused actions: %s\n", strings.Join(r.UnusedActions, ", "))
		}
		for _, n := range r.Notes {
			fmt.Fprintf(&b, "  note: %s\n", n)
		}
		for _, p := range r.Policies {
			if !p.Changed() && len(p.Notes) == 0 {
				continue
			}
			fmt.Fprintf(&b, "  %s (%s): ", p.Name, kindOf(p))
			switch {
			case !p.Changed():
				b.WriteString("keep\n")
			case p.Recommended == nil:
				b.WriteString("DETACH_POLICY (nothing it allows was used)\n")
			default:
				fmt.Fprintf(&b, "CREATE_POLICY %s, then DETACH_POLICY (%d characters)\n", p.RecommendedName, p.Size)
			}
			if p.Changed() && p.Recommended != nil {
				for _, c := range p.Changes {
					fmt.Fprintf(&b, "    %s:\n", changeWhere(c))
					removed, added := listDiff(c.Before, c.After)
					diffLines(&b, "-", red, reset, removed, o.MaxListed)
					diffLines(&b, "+", green, reset, added, o.MaxListed)
				}
			}
			for _, n := range p.Notes {
				fmt.Fprintf(&b, "    note: %s\n", n)
			}
		}
		b.WriteString("\n")
	}
	for _, e := range o.Errors {
		code := ""
		if e.Code != "" {
			code = " " + e.Code
		}
		fmt.Fprintf(&b, "account %s not refined (%s%s): %s\n", e.Account.ID, e.Stage, code, e.Message)
	}
	if len(o.Errors) > 0 {
		b.WriteString("\n")
	}
	fmt.Fprintf(&b, "%d principals: %d refined, %d in use, %d exempt, %d unused as a whole, %d with too little evidence, %d without evidence\n", len(results),
		counts[refine.StatusRefined], counts[refine.StatusInUse], counts[refine.StatusExempt], counts[refine.StatusUnusedPrincipal],
		counts[refine.StatusInsufficientEvidence], counts[refine.StatusNoEvidence])
	_, err := io.WriteString(w, b.String())
	return err
}

// changeWhere names the statement a change is to, and the list changed:
// `statement "Sid" (removed) Action`.
func changeWhere(c refine.StatementChange) string {
	where := fmt.Sprintf("statement %d", c.Index+1)
	if c.Sid != "" {
		where = fmt.Sprintf("statement %q", c.Sid)
	}
	if c.Removed {
		where += " (removed)"
	}
	if c.Field == "NotAction" {
		return where + " NotAction (each exclusion added takes access away)"
	}
	return where + " Action"
}

// diffLines writes one side of a diff, at most max lines and a count of
// the rest.
func diffLines(b *strings.Builder, sign, color, reset string, list []string, max int) {
	for i, s := range list {
		if i == max {
			fmt.Fprintf(b, "      %s%s ... and %d more%s\n", color, sign, len(list)-max, reset)
			return
		}
		fmt.Fprintf(b, "      %s%s %s%s\n", color, sign, s, reset)
	}
}

// nonNil returns s, or an empty list for nil (JSON [] rather than null).
func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

// RefineASFFType is the ASFF Types entry of an UnusedPermission finding.
// The finding type is deliberately not among those scan exports and
// archives (ASFFFindingType does not know it): a scan never proves that
// a refinement no longer holds.
const RefineASFFType = asffTypeNamespace + "Unused Permissions"

// NewRefineASFF returns the ASFF finding of a refined principal (status
// refined), and false for any other result. Its Id is stable per account
// and principal, so a later refinement updates it.
func NewRefineASFF(r refine.Result, o ASFFOptions) (ASFFFinding, bool) {
	if r.Status != refine.StatusRefined {
		return ASFFFinding{}, false
	}
	a, _ := iamsweep.ParseARN(r.ARN)
	partition := a.Partition
	kind := "role"
	resource := ASFFResource{Type: "AwsIamRole", ID: r.ARN, Partition: partition,
		Details: &ASFFDetails{AwsIamRole: &ASFFIamRole{RoleName: r.Name}}}
	if r.Kind == "user" {
		kind = "user"
		resource = ASFFResource{Type: "AwsIamUser", ID: r.ARN, Partition: partition,
			Details: &ASFFDetails{AwsIamUser: &ASFFIamUser{UserName: r.Name}}}
	}
	changed := 0
	for _, p := range r.Policies {
		if p.Changed() {
			changed++
		}
	}
	severity := ASFFSeverity{Label: SeverityLow, Original: fmt.Sprintf("%d unused services, %d unused actions", len(r.UnusedServices), len(r.UnusedActions))}
	if len(r.UnusedServices) > 0 {
		severity.Label = SeverityMedium
	}
	id := ASFFIDPrefix + string(iamsweep.TypeUnusedPermission) + "/" + r.ARN
	if len(id) > asffMaxID {
		sum := sha256.Sum256([]byte(id))
		id = ASFFIDPrefix + string(iamsweep.TypeUnusedPermission) + "/" + a.AccountID + "/sha256/" + hex.EncodeToString(sum[:])
	}
	types := []string{RefineASFFType}
	f := ASFFFinding{
		SchemaVersion: ASFFSchemaVersion, ID: id, ProductARN: ASFFProductARN(partition, o.Region, a.AccountID),
		ProductName: "iamsweep", CompanyName: "iamsweep",
		GeneratorID: ASFFGeneratorID(iamsweep.TypeUnusedPermission), AwsAccountID: a.AccountID, Types: types,
		CreatedAt: o.AsOf.UTC(), UpdatedAt: o.AsOf.UTC(), Severity: severity,
		FindingProviderFields: ASFFProviderFields{Severity: severity, Types: types},
		Title:                 cut(fmt.Sprintf("IAM %s %s holds permissions it did not use in %d days", kind, r.Name, r.WindowDays), 256),
		Description: cut(fmt.Sprintf("%s. Unused services: %s. Unused actions: %s.", r.Reason,
			listOrNone(r.UnusedServices), listOrNone(r.UnusedActions)), 1024),
		Remediation: &ASFFRemediation{Recommendation: ASFFRecommendation{Text: cut(fmt.Sprintf(
			"Replace %d of its policies with the refined documents iamsweep refine writes (--out DIR), after review.", changed), 512)}},
		ProductFields: map[string]string{
			FieldFindingType:            string(iamsweep.TypeUnusedPermission),
			FieldPrincipal:              r.ARN,
			FieldReason:                 cut(r.Reason, 2048),
			"iamsweep/WindowDays":       strconv.Itoa(r.WindowDays),
			"iamsweep/UnusedServices":   strconv.Itoa(len(r.UnusedServices)),
			"iamsweep/UnusedActions":    strconv.Itoa(len(r.UnusedActions)),
			"iamsweep/PoliciesToChange": strconv.Itoa(changed),
			FieldEvaluatedAt:            o.AsOf.UTC().Format(time.RFC3339),
		},
		Resources:   []ASFFResource{resource},
		Compliance:  ASFFCompliance{Status: ASFFFailed},
		RecordState: ASFFActive,
	}
	return f, true
}

func listOrNone(l []string) string {
	if len(l) == 0 {
		return "none"
	}
	return strings.Join(l, ", ")
}

// WriteRefineASFF writes the ASFF findings of the refined principals as
// one JSON array, for aws securityhub batch-import-findings.
func WriteRefineASFF(w io.Writer, results []refine.Result, o ASFFOptions) error {
	out := []ASFFFinding{}
	for _, r := range results {
		if f, ok := NewRefineASFF(r, o); ok {
			out = append(out, f)
		}
	}
	b, err := marshalIndent(out, "")
	if err != nil {
		return err
	}
	_, err = w.Write(append(b, '\n'))
	return err
}

// RefineExportScope says what a refinement of one account looked at,
// which bounds what its export to Security Hub may archive.
type RefineExportScope struct {
	// All is true when every role and user of the account was refined
	// (--all): a held finding whose principal is not among the results
	// is of a principal no longer in the account.
	All bool
}

// refineGeneratorID is the GeneratorId of refine's findings.
var refineGeneratorID = ASFFGeneratorID(iamsweep.TypeUnusedPermission)

// PlanRefineASFF decides what a refinement sends to Security Hub for one
// account, from its results there and the findings of iamsweep Security
// Hub holds ACTIVE (only refine's own, GeneratorId
// "iamsweep/UnusedPermission", are considered; scan's are never touched):
//
//   - every refined principal's finding is imported, ACTIVE (new, or
//     updating the one held: its CreatedAt is kept);
//   - a held finding whose principal was refined again and now has no
//     recommended step (in use, exempt, or unused as a whole, which is
//     scan's finding) is archived (ASFFClose);
//   - a held finding whose principal is not among the results is
//     archived when scope.All (the principal is gone), else kept;
//   - a held finding whose principal now lacks the evidence to judge it
//     (no-evidence, insufficient-evidence) is kept: missing evidence
//     proves nothing.
//
// As in PlanASFF, a finding Security Hub holds from the same evaluation
// time is Unchanged, one held from a later time Stale.
func PlanRefineASFF(results []refine.Result, active []ASFFFinding, scope RefineExportScope, o ASFFOptions) ASFFPlan {
	held := map[string]ASFFFinding{}
	for _, a := range active {
		if a.GeneratorID != refineGeneratorID || a.RecordState == ASFFArchived {
			continue // scan's, another product's, or not active
		}
		if prev, dup := held[a.ID]; !dup || a.UpdatedAt.After(prev.UpdatedAt) {
			held[a.ID] = a
		}
	}
	at := o.AsOf.UTC()
	var plan ASFFPlan
	send := func(to *[]ASFFFinding, f ASFFFinding) {
		h, ok := held[f.ID]
		switch {
		case ok && h.UpdatedAt.Equal(at) && f.RecordState != ASFFArchived:
			plan.Unchanged++
		case ok && !h.UpdatedAt.Before(at):
			plan.Stale = append(plan.Stale, ASFFFailure{ID: f.ID, Code: CodeNotNewer,
				Message: "Security Hub holds this finding updated at " + h.UpdatedAt.UTC().Format(time.RFC3339Nano) +
					", not before this refinement's evaluation time " + at.Format(time.RFC3339Nano) + "; it ignores an update that is not newer"})
		default:
			*to = append(*to, f)
		}
	}
	byPrincipal := map[string]refine.Result{}
	for _, r := range results {
		byPrincipal[r.ARN] = r
		f, ok := NewRefineASFF(r, o)
		if !ok {
			continue
		}
		if h, ok := held[f.ID]; ok && !h.CreatedAt.IsZero() {
			f.CreatedAt = h.CreatedAt.UTC()
		}
		send(&plan.Import, f)
	}
	ids := make([]string, 0, len(held))
	for id := range held {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	for _, id := range ids {
		h := held[id]
		r, found := byPrincipal[h.ProductFields[FieldPrincipal]]
		switch {
		case found && r.Status == refine.StatusRefined:
			continue // imported above
		case found && (r.Status == refine.StatusNoEvidence || r.Status == refine.StatusInsufficientEvidence),
			!found && !scope.All:
			plan.Kept++
		case found:
			send(&plan.Archive, ASFFClose(h, string(r.Status), "now "+string(r.Status)+": "+r.Reason, at))
		default:
			send(&plan.Archive, ASFFClose(h, "gone", "no longer in the account (deleted)", at))
		}
	}
	sort.Slice(plan.Import, func(i, j int) bool { return plan.Import[i].ID < plan.Import[j].ID })
	sort.Slice(plan.Stale, func(i, j int) bool { return plan.Stale[i].ID < plan.Stale[j].ID })
	return plan
}
