package refine

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/iamsweep/iamsweep"
	"github.com/iamsweep/iamsweep/internal/detect"
	"github.com/iamsweep/iamsweep/internal/golden"
	"github.com/iamsweep/iamsweep/internal/policy"
)

// goldenCase is a file of testdata/cases: real-shaped principals, their
// service last accessed data and the options.
type goldenCase struct {
	Comment    string         `json:"comment"`
	Now        time.Time      `json:"now"`
	WindowDays int            `json:"window_days"`
	Windows    []goldenWindow `json:"windows"`
	ExemptTags []iamsweep.Tag `json:"exempt_tags"`
	Principals []struct {
		Principal goldenPrincipal       `json:"principal"`
		Report    iamsweep.AccessReport `json:"report"`
	} `json:"principals"`
}

type goldenWindow struct {
	Pattern string `json:"pattern"`
	Days    int    `json:"days"`
}

type goldenPrincipal struct {
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
}

func (g goldenPrincipal) principal(t *testing.T) Principal {
	t.Helper()
	p := Principal{ARN: g.ARN, Kind: g.Kind, Name: g.Name, Path: g.Path, Created: g.Created, Tags: g.Tags}
	for _, ip := range g.Inline {
		p.Inline = append(p.Inline, iamsweep.InlinePolicy{Name: ip.Name, Document: mustParse(t, ip.Document)})
	}
	for _, mp := range g.Managed {
		p.Managed = append(p.Managed, ManagedPolicy{ARN: mp.ARN, Name: mp.Name, UpdatedAt: mp.UpdatedAt, Document: mustParse(t, mp.Document)})
	}
	return p
}

func mustParse(t *testing.T, raw []byte) iamsweep.PolicyDocument {
	t.Helper()
	doc, err := policy.Parse(raw)
	if err != nil {
		t.Fatal(err)
	}
	return doc
}

// TestRefine_golden refines every case of testdata/cases with the real
// action catalogue and compares the exact recommended documents with
// testdata/TestRefine_golden/<case>.golden (go test -update rewrites).
func TestRefine_golden(t *testing.T) {
	files, err := filepath.Glob(filepath.Join("testdata", "cases", "*.json"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no cases: %v", err)
	}
	for _, f := range files {
		name := strings.TrimSuffix(filepath.Base(f), ".json")
		t.Run(name, func(t *testing.T) {
			data, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			var c goldenCase
			dec := json.NewDecoder(bytes.NewReader(data))
			dec.DisallowUnknownFields()
			if err := dec.Decode(&c); err != nil {
				t.Fatalf("%s: %v", f, err)
			}
			o := Options{Now: c.Now, WindowDays: c.WindowDays, ExemptTags: c.ExemptTags}
			for _, w := range c.Windows {
				pat, err := detect.CompilePattern(w.Pattern)
				if err != nil {
					t.Fatal(err)
				}
				o.Windows = append(o.Windows, Window{Pattern: pat, Days: w.Days})
			}
			var b strings.Builder
			for _, gp := range c.Principals {
				res, err := Refine(gp.Principal.principal(t), gp.Report, o)
				if err != nil {
					t.Fatal(err)
				}
				render(&b, res)
			}
			golden.Check(t, name, b.String())
		})
	}
}

// render prints a result for people: what a reviewer of the golden files
// reads.
func render(b *strings.Builder, res Result) {
	fmt.Fprintf(b, "== %s (%s)\nstatus: %s\nreason: %s\n", res.ARN, res.Kind, res.Status, res.Reason)
	if len(res.UnusedServices) > 0 {
		fmt.Fprintf(b, "unused services: %s\n", strings.Join(res.UnusedServices, ", "))
	}
	if len(res.UnusedActions) > 0 {
		fmt.Fprintf(b, "unused actions: %s\n", strings.Join(res.UnusedActions, ", "))
	}
	for _, n := range res.Notes {
		fmt.Fprintf(b, "note: %s\n", n)
	}
	for _, pr := range res.Policies {
		kind := "managed"
		if pr.Inline {
			kind = "inline"
		} else if pr.AWSManaged {
			kind = "AWS managed"
		}
		fmt.Fprintf(b, "\n-- %s policy %s (%d characters)\n", kind, pr.ID, pr.Size)
		if !pr.Changed() {
			b.WriteString("keep as it is\n")
		}
		for _, s := range pr.Steps {
			fmt.Fprintf(b, "step: %s %s\n", s.Action, s.ExistingPolicyID)
		}
		for _, n := range pr.Notes {
			fmt.Fprintf(b, "note: %s\n", n)
		}
		if pr.Recommended != nil {
			var out bytes.Buffer
			_ = json.Indent(&out, policy.Marshal(*pr.Recommended), "", "  ")
			fmt.Fprintf(b, "recommended %s:\n%s\n", pr.RecommendedName, out.String())
		}
	}
	b.WriteString("\n")
}
