package report

import (
	"bytes"
	"encoding/json"
	"fmt"
	"html/template"
	"io"
	"strconv"
	"time"

	"github.com/iamsweep/iamsweep"
	"github.com/iamsweep/iamsweep/internal/policy"
	"github.com/iamsweep/iamsweep/internal/refine"
)

// refineStatusLabels are the statuses in the order the page counts them,
// with their labels.
var refineStatusLabels = []struct {
	Status refine.Status
	Label  string
}{
	{refine.StatusRefined, "refined"},
	{refine.StatusInUse, "in use"},
	{refine.StatusExempt, "exempt"},
	{refine.StatusUnusedPrincipal, "unused as a whole"},
	{refine.StatusInsufficientEvidence, "too little evidence"},
	{refine.StatusNoEvidence, "without evidence"},
}

// refinePage is what the refinement page shows.
type refinePage struct {
	CSP     string
	CSS     template.CSS
	AsOf    time.Time
	Catalog string
	Total   int
	Counts  []refineCount
	Errors  []iamsweep.AccountError
	// Principals are in the order of the results (by ARN).
	Principals []refinePrincipal
}

type refineCount struct {
	Status, Label string
	N             int
}

type refinePrincipal struct {
	Anchor, ARN, Kind, Name, Status, Reason string
	WindowDays                              int
	WindowPattern                           string
	// Since and Until are the dates the evidence covers ("" unknown), Days
	// their distance.
	Since, Until   string
	Days           int
	UnusedServices []string
	UnusedActions  []string
	Notes          []string
	Policies       []refinePagePolicy
}

type refinePagePolicy struct {
	Name, ID, Kind string
	// Step says what is recommended: "keep", "DETACH_POLICY ..." or
	// "CREATE_POLICY ..., then DETACH_POLICY".
	Step      string
	Changed   bool
	Size      int
	SizeLimit int
	Changes   []refinePageChange
	Notes     []string
	// Existing and Recommended are the documents, indented; Recommended
	// is "" when there is none.
	Existing, Recommended string
}

type refinePageChange struct {
	Where          string
	Removed, Added []string
}

// WriteRefineHTML writes a refinement as one self-contained HTML page, in
// the look of the scan's report: the counts by status, the accounts that
// could not be refined, a table of the principals, then per principal
// its status and reason, the window the evidence covers, its unused
// services and actions, and per policy the step, the actions removed and
// added, and the existing and recommended documents. The page loads
// nothing and runs no script (its Content Security Policy forbids both).
func WriteRefineHTML(w io.Writer, results []refine.Result, m RefineMeta) error {
	p := refinePage{CSP: refineCSP, CSS: template.CSS(refinePageCSS), AsOf: m.AsOf.UTC(), Catalog: m.Catalog,
		Total: len(results), Errors: m.Errors}
	counts := map[refine.Status]int{}
	for i, r := range results {
		counts[r.Status]++
		p.Principals = append(p.Principals, newRefinePrincipal(i, r))
	}
	for _, s := range refineStatusLabels {
		p.Counts = append(p.Counts, refineCount{Status: string(s.Status), Label: s.Label, N: counts[s.Status]})
	}
	var b bytes.Buffer
	if err := refineTemplate.ExecuteTemplate(&b, "refine", p); err != nil {
		return fmt.Errorf("render the refinement page: %w", err)
	}
	_, err := b.WriteTo(w)
	return err
}

func newRefinePrincipal(i int, r refine.Result) refinePrincipal {
	rp := refinePrincipal{Anchor: "p-" + strconv.Itoa(i+1), ARN: r.ARN, Kind: r.Kind, Name: r.Name, Status: string(r.Status),
		Reason: r.Reason, WindowDays: r.WindowDays, WindowPattern: r.WindowPattern,
		UnusedServices: r.UnusedServices, UnusedActions: r.UnusedActions, Notes: r.Notes}
	if !r.EvidenceSince.IsZero() && !r.EvidenceUntil.IsZero() {
		rp.Since, rp.Until = r.EvidenceSince.UTC().Format(time.DateOnly), r.EvidenceUntil.UTC().Format(time.DateOnly)
		rp.Days = int(r.EvidenceUntil.Sub(r.EvidenceSince).Hours() / 24)
	}
	for _, p := range r.Policies {
		limit := refine.MaxManagedPolicySize
		if p.Inline {
			limit = refine.MaxRoleInlineSize
			if r.Kind == "user" {
				limit = refine.MaxUserInlineSize
			}
		}
		pp := refinePagePolicy{Name: p.Name, ID: p.ID, Kind: kindOf(p), Step: "keep", Changed: p.Changed(), Size: p.Size,
			SizeLimit: limit, Notes: p.Notes, Existing: indentDoc(p.Existing)}
		switch {
		case !p.Changed():
		case p.Recommended == nil:
			pp.Step = "DETACH_POLICY (nothing it allows was used)"
			if p.Inline {
				pp.Step = "DELETE the inline policy (nothing it allows was used)"
			}
			removed, _ := changeSets(p)
			pp.Changes = []refinePageChange{{Where: "every Allow statement", Removed: removed}}
		default:
			pp.Step = "CREATE_POLICY " + p.RecommendedName + ", then DETACH_POLICY"
			pp.Recommended = indentDoc(*p.Recommended)
			for _, c := range p.Changes {
				removed, added := listDiff(c.Before, c.After)
				pp.Changes = append(pp.Changes, refinePageChange{Where: changeWhere(c), Removed: removed, Added: added})
			}
		}
		rp.Policies = append(rp.Policies, pp)
	}
	return rp
}

// indentDoc returns a policy document as indented JSON.
func indentDoc(d iamsweep.PolicyDocument) string {
	var b bytes.Buffer
	_ = json.Indent(&b, policy.Marshal(d), "", "  ") // Marshal's output is valid JSON
	return b.String()
}

var (
	// refinePageCSS is the scan report's style sheet and the refinement
	// page's own rules.
	refinePageCSS = reportCSS + mustRead("html/refine.css")
	// refineCSP lets the page use its style sheet and nothing else: no
	// script, no request.
	refineCSP = "default-src 'none'; style-src " + hashSource(refinePageCSS) + "; img-src data:; base-uri 'none'; form-action 'none'"

	refineTemplate = template.Must(template.Must(pageTemplate.Clone()).ParseFS(htmlFiles, "html/refine.html.tmpl"))
)
