package authexport

import (
	"bytes"
	"encoding/json"
	"errors"
	"log/slog"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/iamsweep/iamsweep"
)

// logRecord is one line of slog's JSON handler output.
type logRecord struct {
	Level  string `json:"level"`
	Msg    string `json:"msg"`
	Source string `json:"source"`
	Roles  int    `json:"roles"`
}

// newLog returns a logger writing JSON lines at every level to a buffer,
// and a function that decodes what it wrote.
func newLog(t *testing.T) (*slog.Logger, func() []logRecord) {
	t.Helper()
	var buf bytes.Buffer
	log := slog.New(slog.NewJSONHandler(&buf, &slog.HandlerOptions{Level: slog.LevelDebug}))
	return log, func() []logRecord {
		var recs []logRecord
		dec := json.NewDecoder(&buf)
		for dec.More() {
			var r logRecord
			if err := dec.Decode(&r); err != nil {
				t.Fatalf("decode log line: %v", err)
			}
			recs = append(recs, r)
		}
		return recs
	}
}

func TestInventory_Roles(t *testing.T) {
	a := `{"RoleName":"a","Arn":"arn:aws:iam::123456789012:role/a"}`
	b := `{"RoleName":"b","Arn":"arn:aws:iam::123456789012:role/b"}`
	tests := []struct {
		name      string
		in        string
		wantNames []string
		wantErr   bool
		wantLog   []logRecord
	}{
		{
			name:      "complete export logs nothing",
			in:        `{"RoleDetailList":[` + a + `,` + b + `],"IsTruncated":false}`,
			wantNames: []string{"a", "b"},
		},
		{
			name:      "truncated export warns",
			in:        `{"RoleDetailList":[` + a + `,` + b + `],"IsTruncated":true,"Marker":"AAAA"}`,
			wantNames: []string{"a", "b"},
			wantLog:   []logRecord{{Level: "WARN", Msg: "export is truncated", Source: "export.json", Roles: 2}},
		},
		{
			name:    "bad export returns the InputError and does not warn",
			in:      `{"IsTruncated":true,"RoleDetailList":[{"RoleName":"x"}]}`,
			wantErr: true,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			log, records := newLog(t)
			inv := &Inventory{R: strings.NewReader(tt.in), Source: "export.json", Log: log}
			var names []string
			err := inv.Roles(t.Context(), func(r iamsweep.Role) error {
				names = append(names, r.Name)
				return nil
			})
			if tt.wantErr {
				if !iamsweep.IsInputError(err) {
					t.Fatalf("err = %v, want an InputError", err)
				}
			} else if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.wantNames, names); diff != "" {
				t.Errorf("role names mismatch (-want +got):\n%s", diff)
			}
			got := records()
			// The message goes on to say what to do; compare its start.
			for i := range got {
				if msg, _, ok := strings.Cut(got[i].Msg, " ("); ok {
					got[i].Msg = msg
				}
			}
			if diff := cmp.Diff(tt.wantLog, got); diff != "" {
				t.Errorf("log mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

func TestInventory_Roles_truncatedMessage(t *testing.T) {
	log, records := newLog(t)
	inv := &Inventory{R: strings.NewReader(`{"RoleDetailList":[],"IsTruncated":true}`), Source: "export.json", Log: log}
	if err := inv.Roles(t.Context(), func(iamsweep.Role) error { return nil }); err != nil {
		t.Fatal(err)
	}
	recs := records()
	if len(recs) != 1 {
		t.Fatalf("got %d log records, want 1", len(recs))
	}
	// The warning tells the user how to get a complete export.
	for _, want := range []string{"IsTruncated", "--max-items", "--no-paginate"} {
		if !strings.Contains(recs[0].Msg, want) {
			t.Errorf("warning %q does not mention %q", recs[0].Msg, want)
		}
	}
}

func TestInventory_Roles_nilLog(t *testing.T) {
	inv := &Inventory{R: strings.NewReader(`{"RoleDetailList":[],"IsTruncated":true}`), Source: "export.json"}
	if err := inv.Roles(t.Context(), func(iamsweep.Role) error { return nil }); err != nil {
		t.Fatalf("truncated export with no logger: %v", err)
	}
}

func TestInventory_Roles_twice(t *testing.T) {
	log, records := newLog(t)
	inv := &Inventory{R: strings.NewReader(roleList(minimalRole(""))), Source: "export.json", Log: log}
	if err := inv.Roles(t.Context(), func(iamsweep.Role) error { return nil }); err != nil {
		t.Fatal(err)
	}
	calls := 0
	err := inv.Roles(t.Context(), func(iamsweep.Role) error { calls++; return nil })
	if err == nil || !strings.Contains(err.Error(), "called twice") {
		t.Fatalf("second call: err = %v, want a 'called twice' error", err)
	}
	if calls != 0 {
		t.Errorf("second call invoked fn %d times, want 0", calls)
	}
	if recs := records(); len(recs) != 0 {
		t.Errorf("logged %v, want nothing", recs)
	}

	// A failed first call also uses up the inventory: the reader is spent.
	inv = &Inventory{R: strings.NewReader(`[]`), Source: "export.json"}
	if err := inv.Roles(t.Context(), func(iamsweep.Role) error { return nil }); !iamsweep.IsInputError(err) {
		t.Fatalf("first call: err = %v, want an InputError", err)
	}
	if err := inv.Roles(t.Context(), func(iamsweep.Role) error { return nil }); err == nil || iamsweep.IsInputError(err) {
		t.Errorf("second call after a failure: err = %v, want a 'called twice' error", err)
	}
}

func TestInventory_Roles_callbackError(t *testing.T) {
	stop := errors.New("stop")
	inv := &Inventory{R: strings.NewReader(roleList(minimalRole(""), minimalRole(""))), Source: "export.json"}
	calls := 0
	err := inv.Roles(t.Context(), func(iamsweep.Role) error { calls++; return stop })
	if err != stop {
		t.Fatalf("err = %v, want the callback's error unchanged", err)
	}
	if calls != 1 {
		t.Errorf("fn called %d times, want 1", calls)
	}
}

func TestInventory_implementsInventory(t *testing.T) {
	var inv iamsweep.Inventory = &Inventory{R: strings.NewReader(roleList(minimalRole(""))), Source: "export.json"}
	n := 0
	if err := inv.Roles(t.Context(), func(iamsweep.Role) error { n++; return nil }); err != nil || n != 1 {
		t.Errorf("Roles through the interface: %d roles, err %v; want 1, nil", n, err)
	}
}

func TestInventory_Empty(t *testing.T) {
	role := `{"RoleName":"a","Arn":"arn:aws:iam::123456789012:role/a"}`
	root := []iamsweep.User{{Name: "<root_account>", Root: true, HasCredentials: true}}
	noExport := "export.json: the export holds no roles and no users (RoleDetailList and UserDetailList are empty or missing)"
	noReport := "report.csv: the credential report holds no users, only its header row"
	tests := []struct {
		name   string
		export string // "" for none
		report []iamsweep.User
		want   []string
	}{
		{"empty lists", `{"RoleDetailList": [], "UserDetailList": []}`, nil, []string{noExport}},
		{"only groups and policies", `{"GroupDetailList": [], "Policies": []}`, nil, []string{noExport}},
		{"null lists", `{"RoleDetailList": null, "UserDetailList": null}`, nil, []string{noExport}},
		{"a role", `{"RoleDetailList": [` + role + `]}`, nil, nil},
		{"header-only report", "", []iamsweep.User{}, []string{noReport}},
		{"both empty", `{"RoleDetailList": []}`, []iamsweep.User{}, []string{noExport, noReport}},
		{"a report with the root user only", "", root, nil},
		{"no input", "", nil, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			inv := &Inventory{Source: "export.json", Report: tt.report, ReportSource: "report.csv"}
			if tt.export != "" {
				inv.R = strings.NewReader(tt.export)
			}
			if err := inv.Roles(t.Context(), func(iamsweep.Role) error { return nil }); err != nil {
				t.Fatal(err)
			}
			if err := inv.Users(t.Context(), func(iamsweep.User) error { return nil }); err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, inv.Empty()); diff != "" {
				t.Errorf("Empty() (-want +got):\n%s", diff)
			}
		})
	}
}
