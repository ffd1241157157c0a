package report

import (
	"fmt"
	"strings"

	"github.com/iamsweep/iamsweep"
)

// idleBucket counts the unused findings whose days since their last
// recorded use lie from Min to Max (whole days, both included; Max < 0:
// no upper bound), or, with Never, those with no recorded use.
type idleBucket struct {
	Label    string
	Min, Max int
	Never    bool
	Count    int
}

// idleEdges are the upper ends of the idle-age ranges: up to half a year,
// up to a year, then older.
var idleEdges = []int{180, 365}

// idleBuckets returns the ranges of idle age for a scan whose threshold is
// n days. Unused means more than n whole days without use, so the first
// range starts at n+1: with the default 90, "91–180 days", "181–365 days",
// "over 365 days" and "no recorded use"; ranges that the threshold passes
// drop out (with 200: "201–365 days", "over 365 days"; with 400: "over
// 400 days").
func idleBuckets(n int) []idleBucket {
	var bs []idleBucket
	lo := n + 1
	for _, edge := range idleEdges {
		if edge >= lo {
			bs = append(bs, idleBucket{Label: dayRange(lo, edge), Min: lo, Max: edge})
			lo = edge + 1
		}
	}
	bs = append(bs, idleBucket{Label: fmt.Sprintf("over %d days", lo-1), Min: lo, Max: -1})
	return append(bs, idleBucket{Label: "no recorded use", Never: true})
}

func dayRange(lo, hi int) string {
	if lo == hi {
		return fmt.Sprintf("%d days", lo)
	}
	return fmt.Sprintf("%d–%d days", lo, hi)
}

// countIdle counts an unused finding whose days since last use are days
// (nil: no recorded use). A finding unused within the threshold (an
// inactive root access key, unused whatever its age) gets a range of its
// own, "n days or fewer", first.
func countIdle(bs []idleBucket, days *int, n int) []idleBucket {
	for i := range bs {
		b := &bs[i]
		switch {
		case days == nil && b.Never,
			days != nil && !b.Never && *days >= b.Min && (b.Max < 0 || *days <= b.Max):
			b.Count++
			return bs
		}
	}
	within := idleBucket{Label: fmt.Sprintf("%d days or fewer", n), Min: 0, Max: n, Count: 1}
	return append([]idleBucket{within}, bs...)
}

// IdleChart is the geometry of the bar chart of idle age, in SVG user
// units: the HTML report's chart, which the dashboard of iamsweep serve
// draws too.
type IdleChart struct {
	Width, Height int
	Bars          []IdleBar
	// Desc says what the bars show, for screen readers.
	Desc  string
	Total int
}

// IdleBar is one bar of an IdleChart: a range of idle age, its count and
// where to draw it.
type IdleBar struct {
	Label        string
	Class        string
	Count        int
	Y, TextY     int
	BarX, BarW   int
	LabelX, NumX int
}

// Chart layout: labels right-aligned before the bars, the count after.
const (
	chartWidth  = 640
	chartLabelW = 150
	chartBarMax = 420
	chartBarH   = 24
	chartStep   = 34
	chartTop    = 6
)

// NewIdleChart returns the chart of the unused findings among fs by idle
// age, for a scan whose threshold is unusedDays.
func NewIdleChart(fs []iamsweep.Finding, unusedDays int) IdleChart {
	bs := idleBuckets(unusedDays)
	for _, f := range fs {
		if f.Verdict == iamsweep.VerdictUnused {
			bs = countIdle(bs, f.DaysUnused, unusedDays)
		}
	}
	return newIdleChart(bs, unusedDays)
}

func newIdleChart(bs []idleBucket, n int) IdleChart {
	c := IdleChart{Width: chartWidth, Height: 2*chartTop + len(bs)*chartStep - (chartStep - chartBarH)}
	most := 0
	for _, b := range bs {
		most = max(most, b.Count)
		c.Total += b.Count
	}
	parts := make([]string, len(bs))
	age := 0
	for i, b := range bs {
		w := 0
		if most > 0 {
			w = b.Count * chartBarMax / most
		}
		if b.Count > 0 {
			w = max(w, 2) // a count of one among thousands still shows
		}
		var class string
		switch {
		case b.Never:
			class = "never"
		case b.Max >= 0 && b.Max <= n:
			class = "within"
		default:
			class = fmt.Sprintf("age%d", age) // darker with age
			age++
		}
		y := chartTop + i*chartStep
		c.Bars = append(c.Bars, IdleBar{
			Label: b.Label, Class: class, Count: b.Count,
			Y: y, TextY: y + chartBarH/2 + 5,
			BarX: chartLabelW, BarW: w, LabelX: chartLabelW - 10, NumX: chartLabelW + w + 6,
		})
		parts[i] = fmt.Sprintf("%s: %d", b.Label, b.Count)
	}
	c.Desc = fmt.Sprintf("Unused findings by days since their last recorded use (unused: none for more than %d days). %s.",
		n, strings.Join(parts, "; "))
	return c
}
