package iamsweep

import (
	"errors"
	"fmt"
	"runtime"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/google/go-cmp/cmp"
)

func TestInputError_Error(t *testing.T) {
	msg := errors.New(`invalid ARN "arn:aws:iam:x"`)
	tests := []struct {
		name string
		in   *InputError
		want string
	}{
		{
			name: "source, line and field",
			in:   &InputError{Source: "config.yaml", Line: 12, Offset: -1, Field: "allowlist[3]", Err: msg},
			want: `config.yaml:12: allowlist[3]: invalid ARN "arn:aws:iam:x"`,
		},
		{
			name: "source and line",
			in:   &InputError{Source: "config.yaml", Line: 1, Offset: -1, Err: msg},
			want: `config.yaml:1: invalid ARN "arn:aws:iam:x"`,
		},
		{
			name: "line wins over offset",
			in:   &InputError{Source: "config.yaml", Line: 3, Offset: 99, Err: msg},
			want: `config.yaml:3: invalid ARN "arn:aws:iam:x"`,
		},
		{
			name: "source, offset and field",
			in:   &InputError{Source: "export.json", Offset: 1234, Field: "RoleDetailList[3].CreateDate", Err: msg},
			want: `export.json: byte 1234: RoleDetailList[3].CreateDate: invalid ARN "arn:aws:iam:x"`,
		},
		{
			name: "source and offset",
			in:   &InputError{Source: "export.json", Offset: 1234, Err: msg},
			want: `export.json: byte 1234: invalid ARN "arn:aws:iam:x"`,
		},
		{
			// The zero Offset is a position; NewInputError (or Offset -1)
			// says there is none.
			name: "offset zero is the first byte",
			in:   &InputError{Source: "export.json", Err: msg},
			want: `export.json: byte 0: invalid ARN "arn:aws:iam:x"`,
		},
		{
			name: "source and field",
			in:   &InputError{Source: "--allow", Offset: -1, Field: "allow[1]", Err: msg},
			want: `--allow: allow[1]: invalid ARN "arn:aws:iam:x"`,
		},
		{
			name: "source only",
			in:   &InputError{Source: "--allow", Offset: -1, Err: msg},
			want: `--allow: invalid ARN "arn:aws:iam:x"`,
		},
		{
			name: "field only",
			in:   &InputError{Offset: -1, Field: "unused-days", Err: msg},
			want: `unused-days: invalid ARN "arn:aws:iam:x"`,
		},
		{
			name: "none",
			in:   &InputError{Offset: -1, Err: msg},
			want: `invalid ARN "arn:aws:iam:x"`,
		},
		{
			name: "negative line is unknown",
			in:   &InputError{Source: "config.yaml", Line: -2, Offset: -1, Err: msg},
			want: `config.yaml: invalid ARN "arn:aws:iam:x"`,
		},
		{
			name: "wrapped message kept whole",
			in:   &InputError{Source: "a.json", Line: 7, Offset: -1, Field: "x", Err: fmt.Errorf("parse: %w", msg)},
			want: `a.json:7: x: parse: invalid ARN "arn:aws:iam:x"`,
		},
		{
			name: "NewInputError",
			in:   NewInputError("config.yaml", "output", errors.New(`want table, json or csv, got "xml"`)),
			want: `config.yaml: output: want table, json or csv, got "xml"`,
		},
		{
			name: "NewInputError without field",
			in:   NewInputError("-", "", errors.New("empty input")),
			want: `-: empty input`,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if diff := cmp.Diff(tt.want, tt.in.Error()); diff != "" {
				t.Errorf("Error() mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

func TestNewInputError(t *testing.T) {
	err := errors.New("bad")
	got := NewInputError("config.yaml", "allow[2]", err)
	want := &InputError{Source: "config.yaml", Line: 0, Offset: -1, Field: "allow[2]", Err: err}
	if diff := cmp.Diff(*want, *got, cmp.Comparer(func(a, b error) bool { return a == b })); diff != "" {
		t.Errorf("NewInputError mismatch (-want +got):\n%s", diff)
	}
}

func TestInputError_Unwrap(t *testing.T) {
	inner := fmt.Errorf("read role: %w", ErrNotFound)
	ie := &InputError{Source: "export.json", Offset: -1, Err: inner}
	if got := ie.Unwrap(); got != inner {
		t.Errorf("Unwrap() = %v, want %v", got, inner)
	}
	if got := errors.Unwrap(ie); got != inner {
		t.Errorf("errors.Unwrap = %v, want %v", got, inner)
	}
	if !errors.Is(ie, ErrNotFound) {
		t.Errorf("errors.Is(%v, ErrNotFound) = false, want true", ie)
	}
	if errors.Is(ie, ErrAccessDenied) {
		t.Errorf("errors.Is(%v, ErrAccessDenied) = true, want false", ie)
	}
	if got := (&InputError{Offset: -1}).Unwrap(); got != nil {
		t.Errorf("Unwrap() of an InputError without Err = %v, want nil", got)
	}
}

func TestIsInputError(t *testing.T) {
	ie := NewInputError("config.yaml", "allow", errors.New("bad pattern"))
	tests := []struct {
		name string
		err  error
		want bool
	}{
		{name: "nil", err: nil, want: false},
		{name: "plain error", err: errors.New("boom"), want: false},
		{name: "sentinel", err: ErrThrottled, want: false},
		{name: "input error", err: ie, want: true},
		{name: "wrapped once", err: fmt.Errorf("load config: %w", ie), want: true},
		{name: "wrapped twice", err: fmt.Errorf("scan: %w", fmt.Errorf("load config: %w", ie)), want: true},
		{name: "joined", err: errors.Join(ErrThrottled, ie), want: true},
		{name: "formatted with %v is not wrapped", err: fmt.Errorf("load config: %v", ie), want: false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := IsInputError(tt.err); got != tt.want {
				t.Errorf("IsInputError(%v) = %v, want %v", tt.err, got, tt.want)
			}
		})
	}
}

func TestQuote(t *testing.T) {
	long := strings.Repeat("x", 79)
	tests := []struct {
		name string
		in   string
		want string
	}{
		{"empty", "", `""`},
		{"short", "yesterday", `"yesterday"`},
		{"escapes as %q does", "a\"b\n\x00", `"a\"b\n\x00"`},
		{"exactly 80 characters", long + "y", `"` + long + `y"`},
		{"81 characters", long + "yz", `"` + long + `y…"`},
		{"counts characters, not bytes", strings.Repeat("é", 80), `"` + strings.Repeat("é", 80) + `"`},
		{"cuts between characters", strings.Repeat("é", 81), `"` + strings.Repeat("é", 80) + `…"`},
		{"invalid UTF-8", strings.Repeat("\xff", 100), `"` + strings.Repeat(`\xff`, 80) + `…"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Quote(tt.in); got != tt.want {
				t.Errorf("Quote() = %s, want %s", got, tt.want)
			}
		})
	}
}

// TestQuote_huge checks that quoting a huge value costs what the excerpt
// costs, not what the value does (issue 9: a 1 GB value gave a 1 GB error
// line and 7.3 GB of memory).
func TestQuote_huge(t *testing.T) {
	s := strings.Repeat("x", 64<<20)
	// TotalAlloc counts the whole process: the least of a few tries
	// leaves out what other goroutines allocated meanwhile (the runtime,
	// parallel tests), which made a single try flaky under load.
	var got string
	alloc := uint64(1 << 62)
	for range 5 {
		var before, after runtime.MemStats
		runtime.ReadMemStats(&before)
		got = Quote(s)
		runtime.ReadMemStats(&after)
		alloc = min(alloc, after.TotalAlloc-before.TotalAlloc)
	}
	if len(got) > 120 || alloc > 4096 {
		t.Errorf("Quote of 64 MiB: %d bytes, %d bytes allocated; want a short excerpt and small allocations", len(got), alloc)
	}
}

// TestInputError_bounds covers issue 9: 100,000 nested levels gave a
// 20-30 KB path, and messages that echo input were unbounded.
func TestInputError_bounds(t *testing.T) {
	deep := strings.Repeat("Statement[0].", 2000) + "Key"
	got := (&InputError{Source: "export.json", Offset: 7, Field: deep, Err: errors.New(strings.Repeat("m", 5000))}).Error()
	want := "export.json: byte 7: " + deep[:100] + "…" + deep[len(deep)-60:] + ": " + strings.Repeat("m", 1024) + "… (5000 bytes in all)"
	if got != want {
		t.Errorf("Error() =\n%s\nwant\n%s", got, want)
	}
	// Cuts fall between characters.
	wide := strings.Repeat("日", 400)
	got = (&InputError{Offset: -1, Field: wide, Err: errors.New(wide)}).Error()
	if !utf8.ValidString(got) || len(got) > 100+60+3+2+1024+30 {
		t.Errorf("Error() = %q: want valid UTF-8 within the bounds", got)
	}
	// Short ones are left as they are.
	if got := (&InputError{Offset: -1, Field: deep[:160], Err: errors.New("m")}).Error(); got != deep[:160]+": m" {
		t.Errorf("Error() = %q, want the 160-byte field whole", got)
	}
}
