package config

import (
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/iamsweep/iamsweep"
)

func TestParse_retention(t *testing.T) {
	tests := []struct {
		in   string
		want iamsweep.Retention
	}{
		{"retention:\n  keep-scans: 30\n  older-than: 180d\n", iamsweep.Retention{KeepScans: 30, OlderThan: 180 * 24 * time.Hour}},
		{"retention:\n  older-than: 36h30m\n", iamsweep.Retention{OlderThan: 36*time.Hour + 30*time.Minute}},
		{"retention:\n  keep-scans: 010\n", iamsweep.Retention{KeepScans: 10}}, // decimal, not octal
		{"retention:\n", iamsweep.Retention{}},
		{"unused-days: 90\n", iamsweep.Retention{}},
	}
	for _, tt := range tests {
		c, err := Parse(strings.NewReader(tt.in), "c.yaml")
		if err != nil {
			t.Errorf("Parse(%q): %v", tt.in, err)
			continue
		}
		if c.Retention != tt.want {
			t.Errorf("Parse(%q).Retention = %+v, want %+v", tt.in, c.Retention, tt.want)
		}
	}
}

func TestParse_retentionErrors(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want where
		msg  string
	}{
		{"not a mapping", "retention: 30\n", where{"c.yaml", 1, -1, "retention"}, "want a mapping"},
		{"unknown key", "retention:\n  keep: 3\n", where{"c.yaml", 2, -1, "retention"}, `unknown key "keep"; want one of keep-scans, older-than`},
		{"snake case", "retention:\n  keep_scans: 3\n", where{"c.yaml", 2, -1, "retention"}, `unknown key "keep_scans"`},
		{"zero scans", "retention:\n  keep-scans: 0\n", where{"c.yaml", 2, -1, "retention.keep-scans"}, "want 1 or more scans"},
		{"hex scans", "retention:\n  keep-scans: 0x10\n", where{"c.yaml", 2, -1, "retention.keep-scans"}, "want a whole number"},
		{"age without unit", "retention:\n  older-than: 90\n", where{"c.yaml", 2, -1, "retention.older-than"}, "want a duration such as 90d"},
		{"list", "retention:\n  older-than: [90d]\n", where{"c.yaml", 2, -1, "retention.older-than"}, "want a single string value"},
		{"twice", "retention:\n  keep-scans: 3\n  keep-scans: 4\n", where{"c.yaml", 3, -1, "retention.keep-scans"}, "given twice (first on line 2)"},
		{"section twice", "retention: {}\nretention: {}\n", where{"c.yaml", 2, -1, ""}, "given twice"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Parse(strings.NewReader(tt.in), "c.yaml")
			if err == nil {
				t.Fatal("Parse succeeded, want an error")
			}
			got, ie := whereOf(t, err)
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("location (-want +got):\n%s", diff)
			}
			if !strings.Contains(ie.Err.Error(), tt.msg) {
				t.Errorf("message %q does not contain %q", ie.Err.Error(), tt.msg)
			}
		})
	}
}

func TestParseDuration(t *testing.T) {
	const day = 24 * time.Hour
	tests := []struct {
		in   string
		want time.Duration
		msg  string
	}{
		{in: "90d", want: 90 * day},
		{in: " 1d ", want: day},
		{in: "090d", want: 90 * day},
		{in: "720h", want: 720 * time.Hour},
		{in: "36h30m", want: 36*time.Hour + 30*time.Minute},
		{in: "1.5h", want: 90 * time.Minute},
		{in: "0d", msg: "want 1 to"},
		{in: "0h", msg: "more than zero"},
		{in: "-1h", msg: "more than zero"},
		{in: "-1d", msg: "want a duration"},
		{in: "1.5d", msg: "want a duration"},
		{in: "0x10d", msg: "want a duration"},
		{in: "d", msg: "want a duration"},
		{in: "90", msg: "want a duration"},
		{in: "90 days", msg: "want a duration"},
		{in: "1w", msg: "want a duration"},
		{in: "106752d", msg: "want 1 to 106751 days"},
		{in: "", msg: "want a duration"},
	}
	for _, tt := range tests {
		got, err := ParseDuration(tt.in)
		switch {
		case tt.msg == "" && (err != nil || got != tt.want):
			t.Errorf("ParseDuration(%q) = %v, %v; want %v", tt.in, got, err, tt.want)
		case tt.msg != "" && (err == nil || !strings.Contains(err.Error(), tt.msg)):
			t.Errorf("ParseDuration(%q) = %v, %v; want an error containing %q", tt.in, got, err, tt.msg)
		}
	}
}

func TestParseKeepScans(t *testing.T) {
	for in, want := range map[string]int{"1": 1, "030": 30, " 7 ": 7} {
		if got, err := ParseKeepScans(in); err != nil || got != want {
			t.Errorf("ParseKeepScans(%q) = %d, %v; want %d", in, got, err, want)
		}
	}
	for _, in := range []string{"0", "-1", "+1", "0x10", "1.5", "abc", "", "99999999999999999999"} {
		if got, err := ParseKeepScans(in); err == nil {
			t.Errorf("ParseKeepScans(%q) = %d, want an error", in, got)
		}
	}
}
