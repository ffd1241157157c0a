package remediate_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/iamsweep/iamsweep"
	"github.com/iamsweep/iamsweep/internal/detect"
	"github.com/iamsweep/iamsweep/internal/policy"
	"github.com/iamsweep/iamsweep/internal/refine"
	"github.com/iamsweep/iamsweep/internal/remediate"
)

// refineCase is a file of internal/refine/testdata/cases, the refinement's
// golden corpus of real-shaped principals and their evidence.
type refineCase struct {
	Now        time.Time      `json:"now"`
	WindowDays int            `json:"window_days"`
	ExemptTags []iamsweep.Tag `json:"exempt_tags"`
	Windows    []struct {
		Pattern string `json:"pattern"`
		Days    int    `json:"days"`
	} `json:"windows"`
	Principals []struct {
		Principal struct {
			ARN     string         `json:"arn"`
			Kind    string         `json:"kind"`
			Name    string         `json:"name"`
			Path    string         `json:"path"`
			Created time.Time      `json:"created"`
			Tags    []iamsweep.Tag `json:"tags"`
			Inline  []struct {
				Name     string          `json:"name"`
				Document json.RawMessage `json:"document"`
			} `json:"inline"`
			Managed []struct {
				ARN       string          `json:"arn"`
				Name      string          `json:"name"`
				UpdatedAt time.Time       `json:"updated_at"`
				Document  json.RawMessage `json:"document"`
			} `json:"managed"`
		} `json:"principal"`
		Report iamsweep.AccessReport `json:"report"`
	} `json:"principals"`
}

func parseDoc(t testing.TB, raw []byte) iamsweep.PolicyDocument {
	t.Helper()
	d, err := policy.Parse(raw)
	if err != nil {
		t.Fatal(err)
	}
	return d
}

// Every recommendation of the refinement's golden corpus becomes a refine
// action that the apply guardrails let run: the plan refines what refine
// recommends, and the guard refuses only what refine never writes.
func TestMakeRefinePlan_corpus(t *testing.T) {
	files, err := filepath.Glob(filepath.Join("..", "refine", "testdata", "cases", "*.json"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no cases: %v", err)
	}
	actions := 0
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		var c refineCase
		if err := json.NewDecoder(bytes.NewReader(data)).Decode(&c); err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		o := refine.Options{Now: c.Now, WindowDays: c.WindowDays, ExemptTags: c.ExemptTags}
		for _, w := range c.Windows {
			pat, err := detect.CompilePattern(w.Pattern)
			if err != nil {
				t.Fatal(err)
			}
			o.Windows = append(o.Windows, refine.Window{Pattern: pat, Days: w.Days})
		}
		var results []refine.Result
		want := 0
		for _, cp := range c.Principals {
			gp := cp.Principal
			p := refine.Principal{ARN: gp.ARN, Kind: gp.Kind, Name: gp.Name, Path: gp.Path, Created: gp.Created, Tags: gp.Tags}
			for _, ip := range gp.Inline {
				p.Inline = append(p.Inline, iamsweep.InlinePolicy{Name: ip.Name, Document: parseDoc(t, ip.Document)})
			}
			for _, mp := range gp.Managed {
				p.Managed = append(p.Managed, refine.ManagedPolicy{ARN: mp.ARN, Name: mp.Name, UpdatedAt: mp.UpdatedAt, Document: parseDoc(t, mp.Document)})
			}
			res, err := refine.Refine(p, cp.Report, o)
			if err != nil {
				t.Fatal(err)
			}
			if res.Status == refine.StatusRefined {
				want++
			}
			results = append(results, res)
		}
		plan := remediate.MakeRefinePlan(remediate.RefinePlanInput{ID: "p", Results: results}, iamsweep.DefaultRemediationPolicy())
		if len(plan.Actions) != want {
			t.Errorf("%s: %d actions, want one per refined principal (%d)", f, len(plan.Actions), want)
		}
		for _, a := range plan.Actions {
			actions++
			if a.Refused != "" {
				t.Errorf("%s: %s refused: %s", f, a.ARN, a.Refused)
			}
		}
	}
	if actions == 0 {
		t.Error("the corpus made no refine action")
	}
}

// Over generated policies and usage, what refine recommends passes the
// guard of apply: a refined document is within its existing one and keeps
// its Deny statements, and no Deny is detached.
func TestMakeRefinePlan_generated(t *testing.T) {
	r := rand.New(rand.NewPCG(13, 2026))
	cat := refine.DefaultCatalog()
	services := []string{"s3", "sqs", "ec2", "kms", "dynamodb", "logs"}
	now := time.Date(2026, 11, 23, 0, 0, 0, 0, time.UTC)
	pick := func(list []string) string { return list[r.IntN(len(list))] }
	pattern := func() string {
		svc := pick(services)
		names, _ := cat.Actions(svc)
		n := pick(names)
		switch r.IntN(6) {
		case 0:
			return svc + ":*"
		case 1:
			return svc + ":" + n[:1+r.IntN(len(n))] + "*"
		case 2:
			return "*"
		case 3:
			return svc + ":*" + n[len(n)/2:]
		}
		return svc + ":" + n
	}
	statement := func() string {
		var acts []string
		for range 1 + r.IntN(4) {
			acts = append(acts, `"`+pattern()+`"`)
		}
		effect, field := "Allow", "Action"
		if r.IntN(6) == 0 {
			effect = "Deny"
		}
		if r.IntN(8) == 0 {
			field = "NotAction"
		}
		cond := ""
		if r.IntN(4) == 0 {
			cond = `,"Condition":{"StringEquals":{"aws:RequestedRegion":"eu-west-1"}}`
		}
		res := pick([]string{`"*"`, `"arn:aws:s3:::bucket/*"`, `["arn:aws:sqs:*:*:q","*"]`})
		return fmt.Sprintf(`{"Effect":%q,%q:[%s],"Resource":%s%s}`, effect, field, strings.Join(acts, ","), res, cond)
	}
	document := func() iamsweep.PolicyDocument {
		var sts []string
		for range 1 + r.IntN(4) {
			sts = append(sts, statement())
		}
		return parseDoc(t, []byte(`{"Version":"2012-10-17","Statement":[`+strings.Join(sts, ",")+`]}`))
	}
	checked := 0
	for i := range 400 {
		arn := fmt.Sprintf("arn:aws:iam::111122223333:role/r%d", i)
		p := refine.Principal{ARN: arn, Kind: "role", Name: fmt.Sprintf("r%d", i), Path: "/", Created: now.AddDate(-2, 0, 0)}
		for j := range 1 + r.IntN(3) {
			p.Inline = append(p.Inline, iamsweep.InlinePolicy{Name: fmt.Sprintf("in%d", j), Document: document()})
		}
		for j := range r.IntN(3) {
			p.Managed = append(p.Managed, refine.ManagedPolicy{ARN: fmt.Sprintf("arn:aws:iam::111122223333:policy/m%d", j), Name: fmt.Sprintf("m%d", j), Document: document()})
		}
		rep := iamsweep.AccessReport{ARN: arn, Granularity: iamsweep.GranularityAction, Generated: now, Since: now.AddDate(-1, 0, 0)}
		for _, svc := range services {
			sa := iamsweep.ServiceAccess{Namespace: svc, ActionLevel: r.IntN(2) == 0}
			if r.IntN(2) == 0 {
				sa.LastAccessed = now.AddDate(0, 0, -r.IntN(200))
			}
			if sa.ActionLevel {
				names, _ := cat.Actions(svc)
				for range 1 + r.IntN(6) {
					aa := iamsweep.ActionAccess{Name: pick(names)}
					if !sa.LastAccessed.IsZero() && r.IntN(2) == 0 {
						aa.LastAccessed = sa.LastAccessed
					}
					sa.Actions = append(sa.Actions, aa)
				}
			}
			rep.Services = append(rep.Services, sa)
		}
		res, err := refine.Refine(p, rep, refine.Options{Now: now})
		if err != nil {
			t.Fatal(err)
		}
		plan := remediate.MakeRefinePlan(remediate.RefinePlanInput{ID: "p", Results: []refine.Result{res}}, iamsweep.DefaultRemediationPolicy())
		for _, a := range plan.Actions {
			checked++
			if a.Refused != "" {
				t.Errorf("%s refused: %s\nchanges: %+v", a.ARN, a.Refused, a.Changes)
			}
		}
	}
	if checked < 50 {
		t.Errorf("only %d refine actions over the generated principals", checked)
	}
}
