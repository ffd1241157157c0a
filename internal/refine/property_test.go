package refine

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/iamsweep/iamsweep"
	"github.com/iamsweep/iamsweep/internal/policy"
)

// The property tests generate principals, policies and usage at random
// (from a fixed seed) and check the refinement against a small IAM
// evaluator written here, independently of the code under test:
//
//   - never wider: every request the refined policies allow, the original
//     ones allowed;
//   - keeps what was used: every request the original policies allowed
//     whose action the evidence shows used, or cannot judge, the refined
//     ones still allow (actions the catalogue does not list, inside a
//     wildcard that had to be expanded, are the documented exception);
//   - no Deny is ever removed.

var testCatalog = NewCatalog("test", map[string][]string{
	"s3":     {"GetObject", "GetBucketPolicy", "GetBucketAcl", "ListBucket", "ListAllMyBuckets", "PutObject", "PutBucketPolicy", "DeleteObject"},
	"ec2":    {"DescribeInstances", "DescribeVpcs", "RunInstances", "TerminateInstances"},
	"iam":    {"PassRole", "GetRole", "ListRoles", "CreateRole"},
	"lambda": {"ListFunctions", "InvokeFunction", "GetFunction"},
	"sqs":    {"SendMessage", "ReceiveMessage"},
})

// Actions of the request universe beyond the catalogue: a service the
// catalogue does not know and an action newer than the catalogue.
var extraActions = []string{"newsvc:DoThing", "newsvc:GetThing", "s3:BrandNewAction", "ec2:GetConsoleOutput"}

var (
	testResources = []string{"arn:aws:s3:::a", "arn:aws:s3:::b/x", "arn:aws:ec2:us-east-1:111122223333:instance/i-1"}
	testRegions   = []string{"us-east-1", "eu-west-1"}
)

var patternPool = []string{
	"*", "*:*", "s3:*", "s3:Get*", "s3:GetObject", "S3:getobject", "s3:*Object", "s3:Get?ucketAcl", "s3:List*",
	"ec2:*", "ec2:Describe*", "ec2:RunInstances", "iam:PassRole", "iam:*", "iam:Get*", "lambda:*", "lambda:List*",
	"sqs:*", "newsvc:*", "newsvc:Get*", "*:Get*", "s?:*", "*:List*", "e*:*", "s3*", "", "s3:", "**", "*:*:*",
}

func randomStatement(r *rand.Rand) iamsweep.Statement {
	s := iamsweep.Statement{Effect: "Allow"}
	if r.IntN(6) == 0 {
		s.Effect = "Deny"
	}
	pick := func(pool []string, max int) []string {
		n := 1 + r.IntN(max)
		var out []string
		for range n {
			out = append(out, pool[r.IntN(len(pool))])
		}
		return out
	}
	if r.IntN(6) == 0 {
		s.NotActions = pick(patternPool, 3)
	} else {
		s.Actions = pick(patternPool, 4)
	}
	switch r.IntN(4) {
	case 0:
		s.NotResources = []string{"arn:aws:s3:::b/*"}
	case 1:
		s.Resources = []string{"arn:aws:s3:::a", "arn:aws:ec2:*"}
	default:
		s.Resources = []string{"*"}
	}
	if r.IntN(3) == 0 {
		s.Conditions = []iamsweep.Condition{{Operator: "StringEquals", Key: "aws:RequestedRegion", Values: []string{testRegions[r.IntN(2)]}}}
	}
	if r.IntN(2) == 0 {
		s.Sid = fmt.Sprintf("S%d", r.IntN(100))
	}
	return s
}

func randomPrincipal(r *rand.Rand) Principal {
	p := Principal{ARN: "arn:aws:iam::111122223333:role/r", Kind: "role", Name: "r", Path: "/"}
	doc := func() iamsweep.PolicyDocument {
		d := iamsweep.PolicyDocument{Version: "2012-10-17"}
		for range 1 + r.IntN(4) {
			d.Statements = append(d.Statements, randomStatement(r))
		}
		return d
	}
	for i := range r.IntN(3) {
		p.Inline = append(p.Inline, iamsweep.InlinePolicy{Name: fmt.Sprintf("inline%d", i), Document: doc()})
	}
	for i := range 1 + r.IntN(3) {
		p.Managed = append(p.Managed, ManagedPolicy{ARN: fmt.Sprintf("arn:aws:iam::111122223333:policy/m%d", i), Name: fmt.Sprintf("m%d", i), Document: doc()})
	}
	return p
}

var propNow = time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)

func randomReport(r *rand.Rand) iamsweep.AccessReport {
	rep := iamsweep.AccessReport{ARN: "arn:aws:iam::111122223333:role/r", Granularity: iamsweep.GranularityAction,
		Generated: propNow, Since: propNow.AddDate(-1, 0, 0)}
	when := func() time.Time {
		switch r.IntN(3) {
		case 0:
			return time.Time{}
		case 1:
			return propNow.AddDate(0, 0, -200) // before a 90-day window
		default:
			return propNow.AddDate(0, 0, -3)
		}
	}
	for _, svc := range []string{"s3", "ec2", "iam", "lambda", "sqs", "newsvc"} {
		if r.IntN(5) == 0 {
			continue // not in the report: no evidence
		}
		sa := iamsweep.ServiceAccess{Namespace: svc, LastAccessed: when(), ActionLevel: r.IntN(2) == 0}
		if sa.ActionLevel {
			names, _ := testCatalog.Actions(svc)
			if svc == "newsvc" {
				names = []string{"DoThing", "GetThing"}
			}
			for _, n := range names {
				if r.IntN(2) == 0 {
					sa.Actions = append(sa.Actions, iamsweep.ActionAccess{Name: n, LastAccessed: when()})
				}
			}
		}
		rep.Services = append(rep.Services, sa)
	}
	return rep
}

type request struct {
	action, resource, region string
}

func statementMatches(s iamsweep.Statement, q request) bool {
	if s.NotActions != nil {
		if anyGlob(s.NotActions, q.action, true) {
			return false
		}
	} else if !anyGlob(s.Actions, q.action, true) {
		return false
	}
	if s.NotResources != nil {
		if anyGlob(s.NotResources, q.resource, false) {
			return false
		}
	} else if !anyGlob(s.Resources, q.resource, false) {
		return false
	}
	for _, c := range s.Conditions {
		if c.Operator != "StringEquals" || c.Key != "aws:RequestedRegion" || !slices.Contains(c.Values, q.region) {
			return false
		}
	}
	return true
}

// anyGlob matches with the reference matcher of match_test.go (case
// folded for actions; resources are case-sensitive in IAM).
func anyGlob(patterns []string, s string, fold bool) bool {
	for _, p := range patterns {
		if fold && slowGlob(p, s) {
			return true
		}
		if !fold && slowGlob(p, s) && caseSensitiveEqualShape(p, s) {
			return true
		}
	}
	return false
}

// caseSensitiveEqualShape is enough for the generated resources, which
// are all lower case.
func caseSensitiveEqualShape(p, s string) bool {
	return strings.ToLower(p) == p && strings.ToLower(s) == s
}

// effective is the set of statements in force for a principal after the
// recommended steps.
func effective(p Principal, res Result) []iamsweep.Statement {
	if res.Policies == nil {
		// Not refined (exempt, unused as a whole...): nothing changes.
		return original(p)
	}
	var out []iamsweep.Statement
	for _, pr := range res.Policies {
		switch {
		case !pr.Changed():
			out = append(out, pr.Existing.Statements...)
		case pr.Recommended != nil:
			out = append(out, pr.Recommended.Statements...)
		}
	}
	return out
}

func original(p Principal) []iamsweep.Statement {
	var out []iamsweep.Statement
	for _, ip := range p.Inline {
		out = append(out, ip.Document.Statements...)
	}
	for _, mp := range p.Managed {
		out = append(out, mp.Document.Statements...)
	}
	return out
}

func allowed(stmts []iamsweep.Statement, q request) bool {
	allow := false
	for _, s := range stmts {
		if statementMatches(s, q) {
			if s.Effect == "Deny" {
				return false
			}
			allow = allow || s.Effect == "Allow"
		}
	}
	return allow
}

func universe() []string {
	var out []string
	for _, svc := range testCatalog.Services() {
		names, _ := testCatalog.Actions(svc)
		for _, n := range names {
			out = append(out, svc+":"+n)
		}
	}
	return append(out, extraActions...)
}

func TestRefine_properties(t *testing.T) {
	r := rand.New(rand.NewPCG(13, 1))
	actions := universe()
	refined := 0
	for i := range 3000 {
		p := randomPrincipal(r)
		rep := randomReport(r)
		res, err := Refine(p, rep, Options{Now: propNow, Catalog: testCatalog})
		if err != nil {
			t.Fatal(err)
		}
		if res.Status == StatusRefined {
			refined++
		}
		before, after := original(p), effective(p, res)
		ev := newEvidence(rep, propNow.AddDate(0, 0, -DefaultWindowDays))
		describe := func() string {
			var b strings.Builder
			for _, pr := range res.Policies {
				fmt.Fprintf(&b, "\n%s: %s", pr.ID, policy.Marshal(pr.Existing))
				if pr.Changed() {
					fmt.Fprintf(&b, "\n  steps %v", pr.Steps[len(pr.Steps)-1].Action)
					if pr.Recommended != nil {
						fmt.Fprintf(&b, " -> %s", policy.Marshal(*pr.Recommended))
					}
				}
			}
			return b.String()
		}
		for _, s := range before {
			if s.Effect == "Deny" && !slices.ContainsFunc(after, func(a iamsweep.Statement) bool { return statementEqual(a, s) }) {
				t.Fatalf("case %d: a Deny was removed: %+v%s", i, s, describe())
			}
		}
		for _, a := range actions {
			svc, name, _ := splitAction(a)
			// Actions the catalogue lists, and those of services the
			// report covers; a service in neither is new to both and
			// drops out of a wildcard over services (documented).
			_, inReport := ev.services[svc]
			known := slices.Contains(testCatalogNames(svc), name) || (inReport && !slices.Contains(testCatalog.Services(), svc))
			for _, res := range testResources {
				for _, region := range testRegions {
					q := request{action: a, resource: res, region: region}
					was, is := allowed(before, q), allowed(after, q)
					if is && !was {
						t.Fatalf("case %d: refined policies allow %+v, the originals did not%s", i, q, describe())
					}
					if was && !is && ev.keep(svc, name) && known {
						t.Fatalf("case %d: refined policies no longer allow %+v, which the evidence keeps%s", i, q, describe())
					}
				}
			}
		}
	}
	if refined < 500 {
		t.Fatalf("only %d of 3000 generated principals were refined: the generator is too tame", refined)
	}
}

func testCatalogNames(svc string) []string {
	names, _ := testCatalog.Actions(svc)
	return names
}

func statementEqual(a, b iamsweep.Statement) bool {
	return string(policy.Marshal(iamsweep.PolicyDocument{Statements: []iamsweep.Statement{a}})) ==
		string(policy.Marshal(iamsweep.PolicyDocument{Statements: []iamsweep.Statement{b}}))
}

// TestSize holds the added-up size equal to the printed one, over
// generated documents and some with strings that need escaping.
func TestSize(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 7))
	docs := []iamsweep.PolicyDocument{
		{},
		{Version: "2012-10-17", Statements: []iamsweep.Statement{}},
		{ID: "x\"y", Statements: []iamsweep.Statement{{Effect: "Allow", Actions: []string{"s3:Get\\"}}}},
		{Statements: []iamsweep.Statement{{Sid: "é", Effect: "Allow", Actions: []string{"a"}}}},
		{Statements: []iamsweep.Statement{{Effect: "Allow", Principal: &iamsweep.Principals{Wildcard: true}}}},
		{Statements: []iamsweep.Statement{{Effect: "Allow", Conditions: []iamsweep.Condition{
			{Operator: "StringLike", Key: "k1", Values: []string{"a", "b"}}, {Operator: "Bool", Key: "k2", Values: []string{"true"}},
			{Operator: "StringLike", Key: "k3", Values: []string{}}}}}},
	}
	for range 500 {
		p := randomPrincipal(r)
		for _, m := range p.Managed {
			docs = append(docs, m.Document)
		}
	}
	for _, d := range docs {
		if got, want := size(d), len(policy.Marshal(d)); got != want {
			t.Fatalf("size = %d, printed %d: %s", got, want, policy.Marshal(d))
		}
	}
}

// FuzzRefine refines any document the parser takes, under a fixed
// report, and checks it never widens: every request of the universe and
// of the actions the document names that the refined document allows,
// the original allowed.
func FuzzRefine(f *testing.F) {
	for _, s := range []string{
		`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["s3:Get*","ec2:*"],"Resource":"*"}]}`,
		`{"Statement":{"Effect":"Allow","NotAction":"iam:*","Resource":"*"}}`,
		`{"Statement":[{"Effect":"Allow","Action":"*","NotResource":"arn:aws:s3:::b/*"},{"Effect":"Deny","Action":"s3:Put*","Resource":"*"}]}`,
		`{"Statement":[{"Effect":"Allow","Action":["*:Get*","s?:List*","newsvc:*"],"Resource":"*","Condition":{"StringEquals":{"aws:RequestedRegion":"us-east-1"}}}]}`,
	} {
		f.Add([]byte(s))
	}
	rep := iamsweep.AccessReport{ARN: "arn:aws:iam::111122223333:role/r", Granularity: iamsweep.GranularityAction,
		Generated: propNow, Since: propNow.AddDate(-1, 0, 0), Services: []iamsweep.ServiceAccess{
			{Namespace: "s3", LastAccessed: propNow.AddDate(0, 0, -1), ActionLevel: true, Actions: []iamsweep.ActionAccess{
				{Name: "GetBucketPolicy"}, {Name: "ListAllMyBuckets", LastAccessed: propNow.AddDate(0, 0, -1)}, {Name: "PutBucketPolicy"}}},
			{Namespace: "ec2"},
			{Namespace: "lambda", LastAccessed: propNow.AddDate(0, 0, -1)},
			{Namespace: "newsvc", LastAccessed: propNow.AddDate(0, 0, -1), ActionLevel: true, Actions: []iamsweep.ActionAccess{{Name: "GetThing"}}},
		}}
	actions := universe()
	f.Fuzz(func(t *testing.T, data []byte) {
		doc, err := policy.Parse(data)
		if err != nil || len(doc.Statements) > 20 {
			return
		}
		p := Principal{ARN: rep.ARN, Kind: "role", Name: "r", Path: "/",
			Managed: []ManagedPolicy{{ARN: "arn:aws:iam::111122223333:policy/p", Name: "p", Document: doc}}}
		res, err := Refine(p, rep, Options{Now: propNow, Catalog: testCatalog})
		if err != nil {
			t.Fatal(err)
		}
		before, after := original(p), effective(p, res)
		names := slices.Clone(actions)
		for _, s := range doc.Statements {
			for _, a := range append(slices.Clone(s.Actions), s.NotActions...) {
				if !hasWildcard(a) {
					names = append(names, a)
				}
			}
		}
		for _, a := range names {
			for _, res := range append(slices.Clone(testResources), "*") {
				for _, region := range testRegions {
					q := request{action: a, resource: res, region: region}
					if allowed(after, q) && !allowed(before, q) {
						t.Fatalf("refined allows %+v, the original did not\noriginal %s", q, policy.Marshal(doc))
					}
				}
			}
		}
	})
}
