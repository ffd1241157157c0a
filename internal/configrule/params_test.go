package configrule

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/iamsweep/iamsweep"
)

func TestParseParams(t *testing.T) {
	tests := []struct {
		name    string
		in      string
		want    Params
		wantErr string
	}{
		{name: "none", in: "", want: Params{}},
		{name: "empty object", in: "{}", want: Params{}},
		{name: "both", in: `{"max_days_for_last_used":"60","role_pattern_allowlist":"/breakglass-role|/security-*"}`,
			want: Params{MaxDays: 60, Allow: []string{"/breakglass-role", "/security-*"}}},
		{name: "days as a number", in: `{"max_days_for_last_used":90}`, want: Params{MaxDays: 90}},
		{name: "days 1", in: `{"max_days_for_last_used":"1"}`, want: Params{MaxDays: 1}},
		{name: "days 400", in: `{"max_days_for_last_used":" 400 "}`, want: Params{MaxDays: 400}},
		{name: "empty values are not given", in: `{"max_days_for_last_used":"","role_pattern_allowlist":""}`, want: Params{}},
		{name: "comma separated", in: `{"role_pattern_allowlist":"/a/*, /b"}`, want: Params{Allow: []string{"/a/*", "/b"}}},
		{name: "comma inside a set", in: `{"role_pattern_allowlist":"/x[,]y|/z"}`, want: Params{Allow: []string{"/x[,]y", "/z"}}},
		{name: "list of strings", in: `{"role_pattern_allowlist":["/a","/b|/c"]}`, want: Params{Allow: []string{"/a", "/b", "/c"}}},
		{name: "blog template alias", in: `{"role-whitelist":"/breakglass-role"}`, want: Params{Allow: []string{"/breakglass-role"}}},
		{name: "blog code alias", in: `{"role_whitelist":"/breakglass-role"}`, want: Params{Allow: []string{"/breakglass-role"}}},

		{name: "days 0", in: `{"max_days_for_last_used":"0"}`, wantErr: `ruleParameters: max_days_for_last_used: want a whole number of days from 1 to 400 (IAM records use for 400 days), got "0"`},
		{name: "days 401", in: `{"max_days_for_last_used":"401"}`, wantErr: `got "401"`},
		{name: "days not a number", in: `{"max_days_for_last_used":"sixty"}`, wantErr: `got "sixty"`},
		{name: "days fraction", in: `{"max_days_for_last_used":60.5}`, wantErr: `got "60.5"`},
		{name: "days object", in: `{"max_days_for_last_used":{}}`, wantErr: "max_days_for_last_used: want a string"},
		{name: "unknown", in: `{"max_day_for_last_used":"60"}`, wantErr: "ruleParameters: max_day_for_last_used: unknown rule parameter; the rule takes max_days_for_last_used and role_pattern_allowlist"},
		{name: "allowlist twice", in: `{"role_pattern_allowlist":"/a","role_whitelist":"/b"}`, wantErr: "given twice"},
		{name: "bad pattern", in: `{"role_pattern_allowlist":"/a|/b[z-a]"}`, wantErr: "role_pattern_allowlist: pattern 2: invalid pattern"},
		{name: "empty pattern", in: `{"role_pattern_allowlist":"/a||/b"}`, wantErr: "empty pattern"},
		{name: "allowlist number", in: `{"role_pattern_allowlist":true}`, wantErr: "want a string of patterns"},
		{name: "not JSON", in: `max_days=60`, wantErr: "ruleParameters: want a JSON object of parameters"},
		{name: "two objects", in: `{} {}`, wantErr: "got more after it"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseParams(tt.in)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) || !iamsweep.IsInputError(err) {
					t.Fatalf("ParseParams(%s) = %+v, %v; want an input error containing %q", tt.in, got, err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("ParseParams(%s) (-want +got):\n%s", tt.in, diff)
			}
		})
	}
}

func TestSplitAllowlist(t *testing.T) {
	tests := []struct {
		in   string
		want []string
	}{
		{"/a", []string{"/a"}},
		{"/a|/b,/c", []string{"/a", "/b", "/c"}},
		{"/a[,|]b", []string{"/a[,|]b"}},
		{"/a[]|,]b|/c", []string{"/a[]|,]b", "/c"}},
		{"/a[!,]b,/c", []string{"/a[!,]b", "/c"}},
		{"/a[,b", []string{"/a[", "b"}}, // unclosed: split; the pattern then fails to compile
		{"", []string{""}},
	}
	for _, tt := range tests {
		if diff := cmp.Diff(tt.want, SplitAllowlist(tt.in)); diff != "" {
			t.Errorf("SplitAllowlist(%q) (-want +got):\n%s", tt.in, diff)
		}
	}
}

func FuzzParseParams(f *testing.F) {
	for _, s := range []string{"", "{}", `{"max_days_for_last_used":"60"}`, `{"role_pattern_allowlist":"/a[,]|b"}`, `{"role_whitelist":["/x"]}`} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		p, err := ParseParams(s)
		if err != nil {
			if !iamsweep.IsInputError(err) {
				t.Fatalf("error %v is not an input error", err)
			}
			return
		}
		if p.MaxDays < 0 || p.MaxDays > 400 {
			t.Fatalf("MaxDays %d", p.MaxDays)
		}
		for _, a := range p.Allow {
			if a == "" || strings.ContainsAny(a, "|") {
				t.Fatalf("pattern %q", a)
			}
		}
	})
}
