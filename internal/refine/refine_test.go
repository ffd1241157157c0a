package refine

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/iamsweep/iamsweep"
	"github.com/iamsweep/iamsweep/internal/detect"
	"github.com/iamsweep/iamsweep/internal/policy"
)

var now = time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)

const roleARN = "arn:aws:iam::111122223333:role/r"

func allow(actions ...string) iamsweep.Statement {
	return iamsweep.Statement{Effect: "Allow", Actions: actions, Resources: []string{"*"}}
}

func doc(stmts ...iamsweep.Statement) iamsweep.PolicyDocument {
	return iamsweep.PolicyDocument{Version: "2012-10-17", Statements: stmts}
}

func inlineRole(docs ...iamsweep.PolicyDocument) Principal {
	p := Principal{ARN: roleARN, Kind: "role", Name: "r", Path: "/"}
	for i, d := range docs {
		p.Inline = append(p.Inline, iamsweep.InlinePolicy{Name: fmt.Sprintf("p%d", i), Document: d})
	}
	return p
}

func report(services ...iamsweep.ServiceAccess) iamsweep.AccessReport {
	return iamsweep.AccessReport{ARN: roleARN, Granularity: iamsweep.GranularityAction, Generated: now,
		Since: now.AddDate(-1, 0, 0), Services: services}
}

var (
	recent = now.AddDate(0, 0, -1)
	old    = now.AddDate(0, 0, -120)
)

// recommended returns the actions of the first statement of each
// policy's recommended document, or "keep"/"detach".
func outcome(res Result) []string {
	var out []string
	for _, pr := range res.Policies {
		switch {
		case !pr.Changed():
			out = append(out, "keep")
		case pr.Recommended == nil:
			out = append(out, "detach")
		default:
			out = append(out, string(policy.Marshal(*pr.Recommended)))
		}
	}
	return out
}

func TestRefine_rules(t *testing.T) {
	small := NewCatalog("test", map[string][]string{
		"s3":  {"GetObject", "GetBucketPolicy", "GetBucketAcl", "PutObject"},
		"ec2": {"DescribeInstances", "RunInstances"},
	})
	tests := []struct {
		name string
		p    Principal
		rep  iamsweep.AccessReport
		o    Options
		want []string
	}{
		{
			name: "wildcard narrowed to used and untracked actions",
			p:    inlineRole(doc(allow("s3:Get*"))),
			rep: report(iamsweep.ServiceAccess{Namespace: "s3", LastAccessed: recent, ActionLevel: true, Actions: []iamsweep.ActionAccess{
				{Name: "GetBucketPolicy", LastAccessed: recent}, {Name: "GetBucketAcl"}}}),
			want: []string{`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["s3:GetBucketPolicy","s3:GetObject"],"Resource":"*"}]}`},
		},
		{
			name: "use before the window is no use",
			p:    inlineRole(doc(allow("s3:GetBucketAcl", "ec2:DescribeInstances"))),
			rep: report(iamsweep.ServiceAccess{Namespace: "s3", LastAccessed: old},
				iamsweep.ServiceAccess{Namespace: "ec2", LastAccessed: recent}),
			want: []string{`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"ec2:DescribeInstances","Resource":"*"}]}`},
		},
		{
			name: "a window pattern keeps a rare use",
			p:    Principal{ARN: roleARN, Kind: "role", Name: "r", Path: "/backup/", Inline: []iamsweep.InlinePolicy{{Name: "p0", Document: doc(allow("s3:GetBucketAcl"))}}},
			rep:  report(iamsweep.ServiceAccess{Namespace: "s3", LastAccessed: old}),
			o:    Options{Windows: []Window{{Pattern: mustPattern(t, "/backup/*"), Days: 180}}},
			want: []string{"keep"},
		},
		{
			name: "services not in the report are kept",
			p:    inlineRole(doc(allow("s3:GetObject", "sqs:SendMessage", "ec2:RunInstances"))),
			rep:  report(iamsweep.ServiceAccess{Namespace: "s3"}, iamsweep.ServiceAccess{Namespace: "ec2", LastAccessed: recent}),
			want: []string{`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["sqs:SendMessage","ec2:RunInstances"],"Resource":"*"}]}`},
		},
		{
			name: "a wildcard over a service the catalogue lacks is kept",
			p:    inlineRole(doc(allow("newsvc:Get*"))),
			rep: report(iamsweep.ServiceAccess{Namespace: "newsvc", LastAccessed: recent, ActionLevel: true, Actions: []iamsweep.ActionAccess{
				{Name: "GetThing"}}}),
			want: []string{"keep"},
		},
		{
			name: "a literal tracked unused action goes even in a service the catalogue lacks",
			p:    inlineRole(doc(allow("newsvc:GetThing", "newsvc:PutThing"))),
			rep: report(iamsweep.ServiceAccess{Namespace: "newsvc", LastAccessed: recent, ActionLevel: true, Actions: []iamsweep.ActionAccess{
				{Name: "GetThing"}}}),
			want: []string{`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"newsvc:PutThing","Resource":"*"}]}`},
		},
		{
			name: "star rewritten as NotAction of what went unused",
			p:    inlineRole(doc(allow("*"))),
			rep: report(iamsweep.ServiceAccess{Namespace: "s3", LastAccessed: recent, ActionLevel: true, Actions: []iamsweep.ActionAccess{{Name: "PutObject"}}},
				iamsweep.ServiceAccess{Namespace: "ec2"}),
			want: []string{`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","NotAction":["s3:PutObject","ec2:*"],"Resource":"*"}]}`},
		},
		{
			name: "a wildcard over services narrowed per service",
			p:    inlineRole(doc(allow("*:Get*"))),
			rep: report(iamsweep.ServiceAccess{Namespace: "s3", LastAccessed: recent, ActionLevel: true, Actions: []iamsweep.ActionAccess{{Name: "GetBucketAcl"}}},
				iamsweep.ServiceAccess{Namespace: "ec2"}),
			want: []string{`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["s3:GetBucketPolicy","s3:GetObject"],"Resource":"*"}]}`},
		},
		{
			name: "star kept when nothing it matches is unused",
			p:    inlineRole(doc(allow("*"))),
			rep:  report(iamsweep.ServiceAccess{Namespace: "s3", LastAccessed: recent}),
			want: []string{"keep"},
		},
		{
			name: "fully unused policy detached; Deny-only kept",
			p: inlineRole(doc(allow("ec2:RunInstances")),
				doc(iamsweep.Statement{Effect: "Deny", Actions: []string{"ec2:*"}, Resources: []string{"*"}}),
				doc(allow("s3:GetObject"))),
			rep:  report(iamsweep.ServiceAccess{Namespace: "ec2"}, iamsweep.ServiceAccess{Namespace: "s3", LastAccessed: recent}),
			want: []string{"detach", "keep", "keep"},
		},
		{
			name: "service-level report keeps a used service whole",
			p:    inlineRole(doc(allow("s3:Get*"))),
			rep: iamsweep.AccessReport{ARN: roleARN, Granularity: iamsweep.GranularityService, Generated: now, Since: now.AddDate(-1, 0, 0),
				Services: []iamsweep.ServiceAccess{{Namespace: "s3", LastAccessed: recent, ActionLevel: true, Actions: []iamsweep.ActionAccess{{Name: "GetBucketAcl"}}}}},
			want: []string{"keep"},
		},
		{
			name: "service prefix case does not matter",
			p:    inlineRole(doc(allow("S3:GETOBJECT", "EC2:RunInstances"))),
			rep: report(iamsweep.ServiceAccess{Namespace: "s3", LastAccessed: recent},
				iamsweep.ServiceAccess{Namespace: "ec2"}),
			want: []string{`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"S3:GETOBJECT","Resource":"*"}]}`},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.o.Now = now
			tt.o.Catalog = small
			res, err := Refine(tt.p, tt.rep, tt.o)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, outcome(res)); diff != "" {
				t.Errorf("outcome (-want +got):\n%s\n%s: %s", diff, res.Status, res.Reason)
			}
		})
	}
}

func mustPattern(t *testing.T, s string) detect.Pattern {
	t.Helper()
	p, err := detect.CompilePattern(s)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func TestRefine_statuses(t *testing.T) {
	p := inlineRole(doc(allow("s3:GetObject")))
	p.Tags = []iamsweep.Tag{{Key: "Team", Value: "dr"}}
	tests := []struct {
		name       string
		rep        iamsweep.AccessReport
		o          Options
		want       Status
		wantReason string
	}{
		{"exempt by tag with any value", report(), Options{ExemptTags: []iamsweep.Tag{{Key: "team"}}}, StatusExempt, "exempt: tagged Team=dr"},
		{"exempt tag value must match", report(iamsweep.ServiceAccess{Namespace: "s3", LastAccessed: recent}),
			Options{ExemptTags: []iamsweep.Tag{{Key: "Team", Value: "web"}}}, StatusInUse, "nothing to remove"},
		{"evidence shorter than the window", iamsweep.AccessReport{ARN: roleARN, Generated: now, Since: now.AddDate(0, 0, -10)},
			Options{}, StatusInsufficientEvidence, "(10 days); the evidence covers less than the window"},
		{"evidence exactly the window", iamsweep.AccessReport{ARN: roleARN, Generated: now, Since: now.AddDate(0, 0, -90),
			Services: []iamsweep.ServiceAccess{{Namespace: "s3"}, {Namespace: "ec2", LastAccessed: recent}}}, Options{}, StatusRefined, "(90 days)"},
		{"created within the window", iamsweep.AccessReport{ARN: roleARN, Generated: now, Since: now.AddDate(-1, 0, 0)},
			Options{}, StatusInsufficientEvidence, "(5 days)"},
		{"used nothing", report(iamsweep.ServiceAccess{Namespace: "s3", LastAccessed: old}), Options{}, StatusUnusedPrincipal, "used none of the 1 services"},
		{"start of tracking not stated", iamsweep.AccessReport{ARN: roleARN, Generated: now,
			Services: []iamsweep.ServiceAccess{{Namespace: "s3"}}}, Options{}, StatusUnusedPrincipal, "start of tracking not stated"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.o.Now = now
			p := p
			if strings.HasPrefix(tt.name, "created") {
				p.Created = now.AddDate(0, 0, -5)
			}
			res, err := Refine(p, tt.rep, tt.o)
			if err != nil {
				t.Fatal(err)
			}
			if res.Status != tt.want || !strings.Contains(res.Reason, tt.wantReason) {
				t.Errorf("got %s %q, want %s with %q", res.Status, res.Reason, tt.want, tt.wantReason)
			}
		})
	}
}

// A report of months ago ends the window at its date: what was used
// within the window before it counts, and its age is noted.
func TestRefine_oldReport(t *testing.T) {
	generated := now.AddDate(0, -6, 0)
	rep := iamsweep.AccessReport{ARN: roleARN, Granularity: iamsweep.GranularityAction, Generated: generated, Since: generated.AddDate(-1, 0, 0),
		Services: []iamsweep.ServiceAccess{{Namespace: "s3", LastAccessed: generated.AddDate(0, 0, -30)}, {Namespace: "ec2"}}}
	res, err := Refine(inlineRole(doc(allow("s3:GetObject", "ec2:RunInstances"))), rep, Options{Now: now})
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]string{`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"*"}]}`}, outcome(res)); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
	if len(res.Notes) != 1 || !strings.Contains(res.Notes[0], "days old: the window ends at its date, 2026-06-01") {
		t.Errorf("notes %q", res.Notes)
	}
}

func TestRefine_serviceLinkedExempt(t *testing.T) {
	p := Principal{ARN: "arn:aws:iam::111122223333:role/aws-service-role/elasticloadbalancing.amazonaws.com/AWSServiceRoleForElasticLoadBalancing",
		Kind: "role", Name: "AWSServiceRoleForElasticLoadBalancing", Path: "/aws-service-role/elasticloadbalancing.amazonaws.com/"}
	res, err := Refine(p, iamsweep.AccessReport{ARN: p.ARN}, Options{Now: now})
	if err != nil {
		t.Fatal(err)
	}
	if res.Status != StatusExempt || !strings.Contains(res.Reason, "belong to the service") {
		t.Errorf("got %s %q", res.Status, res.Reason)
	}
}

func TestRefine_errors(t *testing.T) {
	p := inlineRole(doc(allow("s3:GetObject")))
	tests := []struct {
		name string
		p    Principal
		rep  iamsweep.AccessReport
		o    Options
		want string
	}{
		{"report of another principal", p, iamsweep.AccessReport{ARN: "arn:aws:iam::111122223333:role/other"}, Options{}, "the access report is about"},
		{"bad kind", Principal{ARN: roleARN, Kind: "group"}, report(), Options{}, `kind "group"`},
		{"window too long", p, report(), Options{WindowDays: 401}, "window of 401 days"},
		{"negative window", p, report(), Options{WindowDays: -1}, "window of -1 days"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.o.Now = now
			_, err := Refine(tt.p, tt.rep, tt.o)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("err = %v, want %q", err, tt.want)
			}
		})
	}
}

// A managed policy whose narrowed form is too long falls back to the
// wildcards; inline policies of a user share 2,048 characters.
func TestRefine_sizeLimits(t *testing.T) {
	names := make([]string, 400)
	for i := range names {
		names[i] = fmt.Sprintf("GetSomethingRatherLong%03d", i)
	}
	big := NewCatalog("test", map[string][]string{"svc": names})
	rep := report(iamsweep.ServiceAccess{Namespace: "svc", LastAccessed: recent, ActionLevel: true,
		Actions: []iamsweep.ActionAccess{{Name: "GetSomethingRatherLong000"}, {Name: "GetSomethingRatherLong001", LastAccessed: recent}},
	}, iamsweep.ServiceAccess{Namespace: "ec2"})

	managed := Principal{ARN: roleARN, Kind: "role", Name: "r", Managed: []ManagedPolicy{{ARN: "arn:aws:iam::111122223333:policy/m", Name: "m",
		Document: doc(allow("svc:Get*Long*", "ec2:RunInstances"))}}}
	res, err := Refine(managed, rep, Options{Now: now, Catalog: big})
	if err != nil {
		t.Fatal(err)
	}
	pr := res.Policies[0]
	if got := string(policy.Marshal(*pr.Recommended)); got != `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"svc:Get*Long*","Resource":"*"}]}` {
		t.Errorf("recommended %s", got)
	}
	if len(pr.Notes) != 1 || !strings.Contains(pr.Notes[0], "over IAM's 6144 for a managed policy: wildcards kept unexpanded") {
		t.Errorf("notes %q", pr.Notes)
	}

	user := Principal{ARN: "arn:aws:iam::111122223333:user/u", Kind: "user", Name: "u",
		Inline: []iamsweep.InlinePolicy{{Name: "p", Document: doc(allow("svc:Get*RatherLong0*", "ec2:RunInstances"))}}}
	rep.ARN = user.ARN
	res, err = Refine(user, rep, Options{Now: now, Catalog: big})
	if err != nil {
		t.Fatal(err)
	}
	if pr := res.Policies[0]; pr.Size > MaxUserInlineSize || !strings.Contains(strings.Join(pr.Notes, ";"), "over IAM's 2048 for the inline policies of a user") {
		t.Errorf("size %d, notes %q", pr.Size, pr.Notes)
	}
}

func TestRefine_managedQuotaNote(t *testing.T) {
	p := Principal{ARN: roleARN, Kind: "role", Name: "r"}
	for i := range DefaultManagedPolicyQuota {
		p.Managed = append(p.Managed, ManagedPolicy{ARN: fmt.Sprintf("arn:aws:iam::111122223333:policy/m%d", i), Name: fmt.Sprintf("m%d", i),
			Document: doc(allow("s3:GetObject", "ec2:RunInstances"))})
	}
	res, err := Refine(p, report(iamsweep.ServiceAccess{Namespace: "s3", LastAccessed: recent}, iamsweep.ServiceAccess{Namespace: "ec2"}), Options{Now: now})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Notes) != 1 || !strings.Contains(res.Notes[0], "detach the existing policy before attaching") {
		t.Errorf("notes %q", res.Notes)
	}
}

func TestRefinedInlineName(t *testing.T) {
	if got := refinedInlineName("ListLambda"); got != "ListLambda-refined" {
		t.Errorf("got %q", got)
	}
	if got := refinedInlineName(strings.Repeat("q", 128)); len(got) != 128 || !strings.HasSuffix(got, "-refined") {
		t.Errorf("got %q", got)
	}
}

func TestRecommendedName(t *testing.T) {
	if got := recommendedName("ReadOnly", "app"); got != "ReadOnly-app-refined" {
		t.Errorf("got %q", got)
	}
	long := strings.Repeat("p", 120)
	if got := recommendedName(long, "app"); got != long+"-refined" {
		t.Errorf("got %q", got)
	}
	if got := recommendedName(strings.Repeat("q", 128), "app"); len(got) != 128 {
		t.Errorf("got %d characters", len(got))
	}
}

func TestCompress(t *testing.T) {
	cat := NewCatalog("test", map[string][]string{"svc": {
		"GetA", "GetAb", "GetAbc", "GetB", "GetBx", "GetC", "ListX"}})
	tests := []struct {
		name    string
		pattern string
		tracked []iamsweep.ActionAccess
		want    []string
	}{
		{"a run with nothing dropped becomes a prefix", "svc:Get*",
			[]iamsweep.ActionAccess{{Name: "GetC"}}, []string{"svc:GetA*", "svc:GetB*"}},
		{"a kept name that prefixes a dropped one stays by its name", "svc:Get*",
			[]iamsweep.ActionAccess{{Name: "GetAbc"}}, []string{"svc:GetA", "svc:GetAb", "svc:GetB*", "svc:GetC"}},
		{"a tracked action newer than the catalogue counts", "svc:Get*",
			[]iamsweep.ActionAccess{{Name: "GetBz"}, {Name: "GetC"}}, []string{"svc:GetA*", "svc:GetB", "svc:GetBx"}},
		{"case does not matter", "SVC:get*",
			[]iamsweep.ActionAccess{{Name: "getc"}}, []string{"svc:GetA*", "svc:GetB*"}},
		{"the whole service", "svc:*",
			[]iamsweep.ActionAccess{{Name: "ListX"}}, []string{"svc:Get*"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rep := report(iamsweep.ServiceAccess{Namespace: "svc", LastAccessed: recent, ActionLevel: true,
				Actions: append([]iamsweep.ActionAccess{{Name: "GetA", LastAccessed: recent}}, tt.tracked...)},
				iamsweep.ServiceAccess{Namespace: "ec2", LastAccessed: recent})
			res, err := Refine(inlineRole(doc(allow(tt.pattern))), rep, Options{Now: now, Catalog: cat})
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, res.Policies[0].Recommended.Statements[0].Actions); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
}

// An AdministratorAccess whose unused tracked actions are too many to
// list still loses its unused services.
func TestRefine_starServicesOnly(t *testing.T) {
	var tracked []iamsweep.ActionAccess
	for i := range 400 {
		tracked = append(tracked, iamsweep.ActionAccess{Name: fmt.Sprintf("DoSomethingRatherLong%03d", i)})
	}
	tracked = append(tracked, iamsweep.ActionAccess{Name: "Used", LastAccessed: recent})
	rep := report(iamsweep.ServiceAccess{Namespace: "svc", LastAccessed: recent, ActionLevel: true, Actions: tracked},
		iamsweep.ServiceAccess{Namespace: "ec2"}, iamsweep.ServiceAccess{Namespace: "sqs"})
	p := Principal{ARN: roleARN, Kind: "role", Name: "r", Managed: []ManagedPolicy{{ARN: "arn:aws:iam::aws:policy/AdministratorAccess",
		Name: "AdministratorAccess", Document: doc(allow("*"))}}}
	res, err := Refine(p, rep, Options{Now: now})
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]string{`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","NotAction":["ec2:*","sqs:*"],"Resource":"*"}]}`}, outcome(res)); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
	if notes := strings.Join(res.Policies[0].Notes, "; "); !strings.Contains(notes, "only unused services excluded, so that it fits") {
		t.Errorf("notes %q", notes)
	}
}
