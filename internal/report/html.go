package report

import (
	"bytes"
	"crypto/sha256"
	"embed"
	"encoding/base64"
	"fmt"
	"html/template"
	"io"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/iamsweep/iamsweep"
)

// HTMLOptions control the HTML report.
type HTMLOptions struct {
	// OwnerTags are the tag keys that name a principal's owner, tried in
	// order (iamsweep.Finding.Owner); none means no owner is shown.
	OwnerTags []string
}

// NewHTML returns a Writer of one self-contained HTML page: the counts by
// verdict and type, a chart of the idle age of the unused findings, tables
// by account and by owner, the accounts that failed or were skipped, and
// every finding with its reason. The page loads nothing (a Content
// Security Policy forbids it), reads without script, and has a few lines
// of inline script that sort and filter the findings.
//
// The counts come first on the page, so the writer keeps until End each
// finding's table row, already rendered (about 150 bytes a finding), and
// the counts; not the findings. Rows are in the order they arrive (the
// scan's: by account, type, ARN), unused first, then used, then exempt.
func NewHTML(w io.Writer, o HTMLOptions) Writer {
	return &htmlWriter{w: w, o: o, accounts: map[string]*htmlAccount{}, owners: map[string]*verdictCounts{},
		byType: map[iamsweep.FindingType]*verdictCounts{}}
}

type htmlWriter struct {
	w        io.Writer
	o        HTMLOptions
	meta     Meta
	tally    tally
	rows     [3]bytes.Buffer // rendered <tr> rows: unused, used, exempt
	accounts map[string]*htmlAccount
	owners   map[string]*verdictCounts
	byType   map[iamsweep.FindingType]*verdictCounts
	idle     []idleBucket
	row      htmlRow // reused for each row
}

// verdictCounts counts findings by verdict.
type verdictCounts struct{ Evaluated, Unused, Used, Exempt int }

func (c *verdictCounts) add(v iamsweep.Verdict) {
	c.Evaluated++
	switch v {
	case iamsweep.VerdictUnused:
		c.Unused++
	case iamsweep.VerdictUsed:
		c.Used++
	case iamsweep.VerdictExempt:
		c.Exempt++
	}
}

type htmlAccount struct {
	ID, Name string
	verdictCounts
}

type htmlOwner struct {
	Name string // "" for the principals with no owner tag
	verdictCounts
}

type htmlType struct {
	Label string
	verdictCounts
}

// htmlRow is one finding's row of the findings table. Class is the
// verdict's initial (u, s, x: unused, used, exempt): the page has one row
// for each finding, and every byte of a row counts ten thousand times.
type htmlRow struct {
	Class, Verdict, Type, Account, Principal, Owner, LastUsed, Days, Reason string
}

func (h *htmlWriter) Begin(m Meta) error {
	h.meta = m
	h.idle = idleBuckets(m.UnusedDays)
	return nil
}

func (h *htmlWriter) Findings(fs []iamsweep.Finding) error {
	for _, f := range fs {
		h.tally.add(f)
		a := h.accounts[f.AccountID]
		if a == nil {
			a = &htmlAccount{ID: f.AccountID}
			h.accounts[f.AccountID] = a
		}
		if a.Name == "" {
			a.Name = f.AccountName
		}
		a.add(f.Verdict)
		owner := f.Owner(h.o.OwnerTags)
		o := h.owners[owner]
		if o == nil {
			o = &verdictCounts{}
			h.owners[owner] = o
		}
		o.add(f.Verdict)
		t := h.byType[f.Type]
		if t == nil {
			t = &verdictCounts{}
			h.byType[f.Type] = t
		}
		t.add(f.Verdict)
		if f.Verdict == iamsweep.VerdictUnused {
			h.idle = countIdle(h.idle, f.DaysUnused, h.meta.UnusedDays)
		}

		r := &h.row
		r.Verdict, r.Type, r.Account, r.Principal, r.Owner, r.Reason = string(f.Verdict), typeLabel(f.Type), f.AccountID, principal(f), owner, f.Reason
		r.LastUsed, r.Days = "", "" // the style sheet shows a dash
		if !f.LastUsed.IsZero() {
			r.LastUsed = f.LastUsed.Time.UTC().Format(time.DateOnly)
		}
		if f.DaysUnused != nil {
			r.Days = strconv.Itoa(*f.DaysUnused)
		}
		buf := &h.rows[2]
		r.Class = "x"
		switch f.Verdict {
		case iamsweep.VerdictUnused:
			buf, r.Class = &h.rows[0], "u"
		case iamsweep.VerdictUsed:
			buf, r.Class = &h.rows[1], "s"
		}
		if err := rowTemplate.Execute(buf, r); err != nil {
			return fmt.Errorf("render the row of %s: %w", f.ARN, err)
		}
	}
	return nil
}

// htmlPage is what the page templates show around the findings' rows.
type htmlPage struct {
	CSP        string
	CSS        template.CSS
	Script     template.JS
	AsOf       time.Time
	UnusedDays int
	OwnerTags  string
	Counts     verdictCounts
	Types      []htmlType
	Idle       IdleChart
	Accounts   []htmlAccount
	Owners     []htmlOwner
	Errors     []iamsweep.AccountError
	Skipped    []iamsweep.Account
	// MultiAccount: more than one account was in scope.
	MultiAccount bool
}

func (h *htmlWriter) End(totals Totals) error {
	c := h.tally.all
	p := htmlPage{
		CSP:          contentSecurityPolicy,
		CSS:          template.CSS(reportCSS),
		Script:       template.JS(reportJS),
		AsOf:         h.meta.AsOf.UTC(),
		UnusedDays:   h.meta.UnusedDays,
		OwnerTags:    strings.Join(h.o.OwnerTags, ", "),
		Counts:       verdictCounts{Evaluated: c.Evaluated, Unused: c.Unused, Used: c.Used, Exempt: c.Exempt},
		Idle:         newIdleChart(h.idle, h.meta.UnusedDays),
		Errors:       totals.Errors,
		Skipped:      totals.Skipped,
		MultiAccount: len(h.accounts)+len(totals.Errors)+len(totals.Skipped) > 1,
	}
	for _, ty := range typeOrder {
		if n := h.byType[ty]; n != nil {
			p.Types = append(p.Types, htmlType{Label: typeNouns[ty], verdictCounts: *n})
		}
	}
	for _, a := range h.accounts {
		p.Accounts = append(p.Accounts, *a)
	}
	sort.Slice(p.Accounts, func(i, j int) bool { return p.Accounts[i].ID < p.Accounts[j].ID })
	for name, n := range h.owners {
		p.Owners = append(p.Owners, htmlOwner{Name: name, verdictCounts: *n})
	}
	// Most unused first: who has the most to review.
	sort.Slice(p.Owners, func(i, j int) bool {
		a, b := p.Owners[i], p.Owners[j]
		if a.Unused != b.Unused {
			return a.Unused > b.Unused
		}
		return a.Name < b.Name
	})

	if err := pageTemplate.ExecuteTemplate(h.w, "top", p); err != nil {
		return err
	}
	for i := range h.rows {
		if _, err := h.rows[i].WriteTo(h.w); err != nil {
			return err
		}
	}
	return pageTemplate.ExecuteTemplate(h.w, "bottom", p)
}

// The page's template, style sheet and script.
var (
	//go:embed html
	htmlFiles embed.FS

	reportCSS = mustRead("html/report.css")
	reportJS  = mustRead("html/report.js")
	// contentSecurityPolicy lets the page run its own script and style
	// sheet and load nothing at all: no request leaves the page, and
	// markup that got past the escaping could not run.
	contentSecurityPolicy = "default-src 'none'; style-src " + hashSource(reportCSS) + "; script-src " + hashSource(reportJS) +
		"; img-src data:; base-uri 'none'; form-action 'none'"

	pageTemplate = template.Must(template.New("report.html.tmpl").Funcs(template.FuncMap{
		"plural":  plural,
		"account": accountLabel,
		"inc":     func(n int) int { return n + 1 },
		"rfc3339": func(t time.Time) string { return t.UTC().Format(time.RFC3339) },
	}).ParseFS(htmlFiles, "html/report.html.tmpl"))
	rowTemplate = pageTemplate.Lookup("row")
)

func mustRead(name string) string {
	b, err := htmlFiles.ReadFile(name)
	if err != nil {
		panic(err) // embedded at build time: cannot fail
	}
	return string(b)
}

// hashSource is the CSP source expression that allows an inline element
// whose content is s.
func hashSource(s string) string {
	sum := sha256.Sum256([]byte(s))
	return "'sha256-" + base64.StdEncoding.EncodeToString(sum[:]) + "'"
}
