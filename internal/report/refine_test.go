package report

import (
	"bytes"
	"encoding/json"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/iamsweep/iamsweep"
	"github.com/iamsweep/iamsweep/internal/golden"
	"github.com/iamsweep/iamsweep/internal/policy"
	"github.com/iamsweep/iamsweep/internal/refine"
)

var refineNow = time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)

func mustDoc(t *testing.T, s string) iamsweep.PolicyDocument {
	t.Helper()
	d, err := policy.Parse([]byte(s))
	if err != nil {
		t.Fatal(err)
	}
	return d
}

// refineResults refines a role and a user of real shapes with a small
// catalogue.
func refineResults(t *testing.T) []refine.Result {
	t.Helper()
	cat := refine.NewCatalog("test catalogue", map[string][]string{
		"s3":     {"GetObject", "GetBucketPolicy", "GetBucketAcl", "ListBucket", "ListAllMyBuckets"},
		"lambda": {"ListFunctions", "ListLayers", "ListAliases"},
	})
	recent := refineNow.AddDate(0, 0, -2)
	role := refine.Principal{ARN: "arn:aws:iam::111122223333:role/app", Kind: "role", Name: "app", Path: "/",
		Inline: []iamsweep.InlinePolicy{{Name: "ListLambda", Document: mustDoc(t, `{"Version":"2012-10-17","Statement":[{"Sid":"L","Effect":"Allow","Action":["lambda:ListFunctions","lambda:ListAliases"],"Resource":"*","Condition":{"Bool":{"aws:SecureTransport":"true"}}}]}`)}},
		Managed: []refine.ManagedPolicy{
			{ARN: "arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess", Name: "AmazonS3ReadOnlyAccess", UpdatedAt: time.Date(2023, 8, 10, 21, 31, 39, 0, time.UTC),
				Document: mustDoc(t, `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["s3:Get*","s3:List*"],"Resource":"*"}]}`)},
			{ARN: "arn:aws:iam::111122223333:policy/queue", Name: "queue",
				Document: mustDoc(t, `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"sqs:*","Resource":"*"}]}`)},
			{ARN: "arn:aws:iam::111122223333:policy/power", Name: "power",
				Document: mustDoc(t, `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","NotAction":"iam:*","Resource":"*"},{"Effect":"Deny","Action":"s3:DeleteBucket","Resource":"*"}]}`)},
		}}
	rep := iamsweep.AccessReport{ARN: role.ARN, Granularity: iamsweep.GranularityAction, Generated: refineNow, Since: refineNow.AddDate(-1, 0, 0),
		Services: []iamsweep.ServiceAccess{
			{Namespace: "lambda", LastAccessed: recent, ActionLevel: true, Actions: []iamsweep.ActionAccess{{Name: "ListFunctions", LastAccessed: recent}, {Name: "ListAliases"}}},
			{Namespace: "s3", LastAccessed: recent, ActionLevel: true, Actions: []iamsweep.ActionAccess{{Name: "GetBucketPolicy"}, {Name: "ListAllMyBuckets", LastAccessed: recent}}},
			{Namespace: "sqs"},
		}}
	user := refine.Principal{ARN: "arn:aws:iam::111122223333:user/bob", Kind: "user", Name: "bob", Path: "/",
		Tags: []iamsweep.Tag{{Key: "breakglass", Value: "yes"}}}
	o := refine.Options{Now: refineNow, Catalog: cat, ExemptTags: []iamsweep.Tag{{Key: "breakglass"}}}
	var out []refine.Result
	for _, in := range []struct {
		p   refine.Principal
		rep iamsweep.AccessReport
	}{{role, rep}, {user, iamsweep.AccessReport{ARN: user.ARN}}} {
		res, err := refine.Refine(in.p, in.rep, o)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, res)
	}
	return out
}

func TestRefineOutputs(t *testing.T) {
	results := refineResults(t)
	files := PolicyFiles(results)
	var paths []string
	for _, f := range files {
		paths = append(paths, f.Path)
	}
	golden.Check(t, "files", strings.Join(paths, "\n")+"\n"+string(files[0].Data))

	var js bytes.Buffer
	if err := WriteRefineJSON(&js, NewRefineSummary(RefineMeta{AsOf: refineNow, Catalog: "test catalogue"}, results, files)); err != nil {
		t.Fatal(err)
	}
	golden.Check(t, "json", js.String())
	// The recommendation reads as Access Analyzer's output does.
	var doc struct {
		Principals []struct {
			Recommendation struct {
				RecommendedSteps []struct {
					Step struct {
						RecommendedAction, ExistingPolicyID, RecommendedPolicy string
					} `json:"unusedPermissionsRecommendedStep"`
				} `json:"recommendedSteps"`
			} `json:"recommendation"`
		} `json:"principals"`
	}
	if err := json.Unmarshal(js.Bytes(), &doc); err != nil {
		t.Fatal(err)
	}
	steps := doc.Principals[0].Recommendation.RecommendedSteps
	if len(steps) == 0 || steps[0].Step.RecommendedAction != "CREATE_POLICY" || steps[0].Step.ExistingPolicyID != "ListLambda" {
		t.Fatalf("steps %+v", steps)
	}
	if _, err := policy.Parse([]byte(steps[0].Step.RecommendedPolicy)); err != nil {
		t.Fatalf("recommendedPolicy is not a policy document: %v", err)
	}

	for _, color := range []bool{false, true} {
		var tb bytes.Buffer
		if err := WriteRefineTable(&tb, results, RefineTableOptions{Color: color, MaxListed: 3}); err != nil {
			t.Fatal(err)
		}
		name := "table"
		if color {
			name = "table-tty"
		}
		golden.Check(t, name, tb.String())
	}

	var cb bytes.Buffer
	if err := WriteRefineCSV(&cb, results); err != nil {
		t.Fatal(err)
	}
	golden.Check(t, "csv", cb.String())

	var hb bytes.Buffer
	if err := WriteRefineHTML(&hb, results, RefineMeta{AsOf: refineNow, Catalog: "test catalogue",
		Errors: []iamsweep.AccountError{{Account: iamsweep.Account{ID: "444455556666", Name: "audit"}, Stage: "assume-role", Code: "AccessDenied", Message: "not authorized"}}}); err != nil {
		t.Fatal(err)
	}
	golden.Check(t, "html", hb.String())
}

func TestSafeName(t *testing.T) {
	for in, want := range map[string]string{"": "_", ".": "_", "..": "_", "a/b": "a_b", "Ok+=,.@_-9": "Ok+=,.@_-9", "é": "_"} {
		if got := safeName(in); got != want {
			t.Errorf("safeName(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestNewRefineASFF(t *testing.T) {
	results := refineResults(t)
	o := ASFFOptions{Region: "eu-west-1", AsOf: refineNow}
	a, ok := NewRefineASFF(results[0], o)
	if !ok {
		t.Fatal("no finding for a refined principal")
	}
	if a.SchemaVersion != ASFFSchemaVersion || a.ID != "iamsweep/UnusedPermission/arn:aws:iam::111122223333:role/app" ||
		a.ProductARN != "arn:aws:securityhub:eu-west-1:111122223333:product/111122223333/default" || a.AwsAccountID != "111122223333" ||
		a.GeneratorID != "iamsweep/UnusedPermission" || a.Title == "" || len(a.Resources) != 1 || a.Resources[0].Type != "AwsIamRole" ||
		a.Severity.Label != SeverityMedium || a.RecordState != ASFFActive || a.Compliance.Status != ASFFFailed {
		t.Errorf("finding %+v", a)
	}
	if len([]rune(a.Description)) > 1024 || len([]rune(a.Title)) > 256 || len(a.ProductFields) > 50 {
		t.Errorf("over ASFF's limits: %d, %d, %d", len([]rune(a.Description)), len([]rune(a.Title)), len(a.ProductFields))
	}
	if _, ok := NewRefineASFF(results[1], o); ok {
		t.Error("a finding for an exempt principal")
	}
	// A scan's export never archives refine's findings: it does not know
	// their type.
	if _, known := ASFFFindingType(a.GeneratorID); known {
		t.Error("scan's export knows UnusedPermission findings and would archive them")
	}
}

func TestPlanRefineASFF(t *testing.T) {
	results := refineResults(t) // app refined, bob exempt
	earlier := refineNow.AddDate(0, 0, -7)
	o := ASFFOptions{Region: "eu-west-1", AsOf: refineNow}
	prev := ASFFOptions{Region: "eu-west-1", AsOf: earlier}
	app, _ := NewRefineASFF(results[0], prev)
	app.CreatedAt = earlier.AddDate(0, 0, -30)
	// bob was refined a week ago; he is exempt now.
	bobRefined := results[0]
	bobRefined.ARN, bobRefined.Kind, bobRefined.Name = results[1].ARN, "user", "bob"
	bob, _ := NewRefineASFF(bobRefined, prev)
	// A principal deleted since, and one without evidence now.
	goneRes := results[0]
	goneRes.ARN, goneRes.Name = "arn:aws:iam::111122223333:role/gone", "gone"
	gone, _ := NewRefineASFF(goneRes, prev)
	quietRes := results[0]
	quietRes.ARN, quietRes.Name = "arn:aws:iam::111122223333:role/quiet", "quiet"
	quiet, _ := NewRefineASFF(quietRes, prev)
	quietNow := quietRes
	quietNow.Status, quietNow.Reason = refine.StatusNoEvidence, "no report"
	// scan's own finding of the same role: never refine's to archive.
	scanF := NewASFFFinding(iamsweep.Finding{Type: iamsweep.TypeUnusedIAMRole, AccountID: "111122223333", ARN: "arn:aws:iam::111122223333:role/gone",
		Verdict: iamsweep.VerdictUnused, Name: "gone"}, prev)
	active := []ASFFFinding{app, bob, gone, quiet, scanF}
	now := append(slices.Clone(results), quietNow)

	ids := func(fs []ASFFFinding) []string {
		var out []string
		for _, f := range fs {
			out = append(out, f.ID+" "+string(f.RecordState))
		}
		return out
	}
	for _, tc := range []struct {
		name    string
		scope   RefineExportScope
		archive []string
		kept    int
	}{
		{"named principals", RefineExportScope{}, []string{bob.ID + " ARCHIVED"}, 2},
		{"all", RefineExportScope{All: true}, []string{gone.ID + " ARCHIVED", bob.ID + " ARCHIVED"}, 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			plan := PlanRefineASFF(now, active, tc.scope, o)
			if got := ids(plan.Import); !slices.Equal(got, []string{app.ID + " ACTIVE"}) {
				t.Errorf("import %v", got)
			}
			if !plan.Import[0].CreatedAt.Equal(app.CreatedAt) || !plan.Import[0].UpdatedAt.Equal(refineNow) {
				t.Errorf("created %v updated %v: want the held CreatedAt and the evaluation time", plan.Import[0].CreatedAt, plan.Import[0].UpdatedAt)
			}
			if got := ids(plan.Archive); !slices.Equal(got, tc.archive) {
				t.Errorf("archive %v, want %v", got, tc.archive)
			}
			if plan.Kept != tc.kept || plan.Unchanged != 0 || len(plan.Stale) != 0 {
				t.Errorf("kept %d unchanged %d stale %v", plan.Kept, plan.Unchanged, plan.Stale)
			}
			if c := plan.Archive[len(plan.Archive)-1]; c.ProductFields[FieldVerdict] != "exempt" || !strings.HasPrefix(c.ProductFields[FieldClosed], "now exempt: ") {
				t.Errorf("closed %v", c.ProductFields)
			}
		})
	}

	// A complete scan of every type leaves refine's findings alone.
	if p := PlanASFF(nil, active, ExportScope{Complete: true}, o); len(p.Archive) != 1 || p.Archive[0].ID != scanF.ID {
		t.Errorf("scan's export archives %v, want its own finding only", ids(p.Archive))
	}

	// A rerun of the same evaluation changes nothing; a later one held is stale.
	again := PlanRefineASFF(results, []ASFFFinding{PlanRefineASFF(results, active, RefineExportScope{}, o).Import[0]}, RefineExportScope{}, o)
	if len(again.Import) != 0 || again.Unchanged != 1 {
		t.Errorf("rerun: %+v", again)
	}
	later, _ := NewRefineASFF(results[0], ASFFOptions{Region: "eu-west-1", AsOf: refineNow.Add(time.Hour)})
	if p := PlanRefineASFF(results, []ASFFFinding{later}, RefineExportScope{}, o); len(p.Import) != 0 || len(p.Stale) != 1 || p.Stale[0].Code != CodeNotNewer {
		t.Errorf("held newer: %+v", p)
	}
}
