package credreport

import (
	"bytes"
	"errors"
	"io"
	"os"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/iamsweep/iamsweep"
)

func ts(s string) time.Time {
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		panic(err)
	}
	return t.UTC()
}

func wantReport() []iamsweep.User {
	return []iamsweep.User{
		{
			AccountID: "111122223333", ARN: "arn:aws:iam::111122223333:root", Name: RootUser, Root: true,
			Created: ts("2019-03-04T08:15:00Z"), HasCredentials: true, MFAActive: true,
			AccessKeys: []iamsweep.AccessKey{{Slot: 1, Active: true, Created: ts("2019-03-04T08:20:00Z"),
				LastUsed: iamsweep.Usage{Time: ts("2026-10-30T07:00:00Z"), Region: "us-east-1"}, LastUsedService: "sts"}},
		},
		{
			AccountID: "111122223333", ARN: "arn:aws:iam::111122223333:user/alice", Name: "alice", Path: "/",
			Created: ts("2021-06-01T09:00:00Z"), HasCredentials: true, MFAActive: true,
			Password: &iamsweep.Password{LastUsed: ts("2026-11-20T16:45:12Z"), LastChanged: ts("2025-01-10T11:00:00Z")},
			AccessKeys: []iamsweep.AccessKey{
				{Slot: 1, Active: true, Created: ts("2024-02-01T10:00:00Z"), LastUsed: iamsweep.Usage{Time: ts("2026-11-22T23:59:00Z"), Region: "eu-west-1"}, LastUsedService: "s3"},
				{Slot: 2, Active: false, Created: ts("2021-06-01T09:05:00Z"), LastUsed: iamsweep.Usage{Time: ts("2022-01-01T00:00:00Z"), Region: "us-east-1"}, LastUsedService: "iam"},
			},
		},
		{
			AccountID: "111122223333", ARN: "arn:aws:iam::111122223333:user/ci/ci-legacy", Name: "ci-legacy", Path: "/ci/",
			Created: ts("2019-09-09T09:09:09Z"), HasCredentials: true, ActiveCertificates: 1,
			AccessKeys: []iamsweep.AccessKey{
				{Slot: 1, Active: true, Created: ts("2019-09-09T09:10:00Z")},
				{Slot: 2, Active: true, Created: ts("2023-04-01T00:00:00Z"), LastUsed: iamsweep.Usage{Time: ts("2026-03-15T12:00:00Z"), Region: "us-east-1"}, LastUsedService: "ec2"},
			},
		},
		{
			AccountID: "111122223333", ARN: "arn:aws:iam::111122223333:user/bob", Name: "bob", Path: "/",
			Created: ts("2024-05-05T05:05:05Z"), HasCredentials: true,
			Password: &iamsweep.Password{LastChanged: ts("2024-05-05T05:05:05Z")},
		},
	}
}

func TestParse(t *testing.T) {
	data, err := os.ReadFile("testdata/report.csv")
	if err != nil {
		t.Fatal(err)
	}
	crlf := bytes.ReplaceAll(data, []byte("\n"), []byte("\r\n"))
	tests := []struct {
		name string
		data []byte
	}{
		{"as AWS sends it", data},
		{"Windows line endings", crlf},
		{"byte order mark", append([]byte{0xEF, 0xBB, 0xBF}, crlf...)},
		{"no final newline", bytes.TrimRight(data, "\n")},
		{"columns in another order, plus a new one", reorder(t, data)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Parse(bytes.NewReader(tt.data), "report.csv")
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(wantReport(), got); diff != "" {
				t.Errorf("Parse mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

// reorder moves the user column last and adds a column AWS might add.
func reorder(t *testing.T, data []byte) []byte {
	t.Helper()
	var out []string
	for _, line := range strings.Split(strings.TrimRight(string(data), "\n"), "\n") {
		fields := strings.Split(line, ",")
		extra := "future_value"
		if len(out) == 0 {
			extra = "some_future_column"
		}
		out = append(out, strings.Join(append(append(fields[1:], fields[0]), extra), ","))
	}
	return []byte(strings.Join(out, "\n") + "\n")
}

func TestParse_errors(t *testing.T) {
	data, err := os.ReadFile("testdata/report.csv")
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimRight(string(data), "\n"), "\n")
	header := lines[0]
	tests := []struct {
		name      string
		data      string
		wantLine  int
		wantField string
		wantMsg   string
	}{
		{"empty", "", 0, "", "file is empty"},
		{"truncated last line", strings.Join(lines[:4], "\n") + "\n" + lines[4][:40], 5, "", "row has 3 of the header's 23 fields: the file looks cut short"},
		{"truncated last line with CRLF", strings.ReplaceAll(strings.Join(lines[:3], "\n")+"\n"+lines[3][:60], "\n", "\r\n"), 4, "", "the file looks cut short"},
		{"extra field", header + "\n" + lines[1] + ",x\n", 2, "", "row has 24 fields, the header 23"},
		{"not a report", "name,arn\nalice,arn:aws:iam::111122223333:user/alice\n", 1, "", `not a credential report: the header has no "user" column`},
		{"missing column", strings.Replace(header, "access_key_2_last_used_date", "access_key_2_last_used_when", 1) + "\n", 1, "", `no "access_key_2_last_used_date" column`},
		{"bad timestamp", header + "\n" + strings.Replace(lines[2], "2026-11-20T16:45:12+00:00", "last week", 1) + "\n", 2, "password_last_used", `invalid timestamp "last week"`},
		{"bad boolean", header + "\n" + strings.Replace(lines[4], ",true,no_information,", ",yes,no_information,", 1) + "\n", 2, "password_enabled", `invalid value "yes"`},
		{"bad arn", header + "\n" + strings.Replace(lines[4], "arn:aws:iam::111122223333:user/bob", "bob", 1) + "\n", 2, "arn", "invalid ARN"},
		{"unterminated quote", header + "\n\"alice,arn\n", 2, "", "invalid CSV"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Parse(strings.NewReader(tt.data), "report.csv")
			var ie *iamsweep.InputError
			if !errors.As(err, &ie) {
				t.Fatalf("error %v (%T), want an *iamsweep.InputError", err, err)
			}
			if ie.Source != "report.csv" || ie.Line != tt.wantLine || ie.Field != tt.wantField || !strings.Contains(ie.Err.Error(), tt.wantMsg) {
				t.Errorf("error = %q (line %d, field %q), want line %d, field %q, message containing %q",
					err, ie.Line, ie.Field, tt.wantLine, tt.wantField, tt.wantMsg)
			}
		})
	}
}

// TestParse_duplicateUser covers issue 9: two rows for one user gave two
// sets of findings and duplicate plan actions.
func TestParse_duplicateUser(t *testing.T) {
	data, err := os.ReadFile("testdata/report.csv")
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimRight(string(data), "\n"), "\n")
	alice := lines[2]
	tests := []struct {
		name string
		rows []string
		want string
	}{
		{"the same row twice", []string{lines[1], alice, lines[3], alice},
			`report.csv:5: user "arn:aws:iam::111122223333:user/alice" is also on line 3: a credential report has one row per user`},
		{"the root row twice", []string{lines[1], alice, lines[1]},
			`report.csv:4: user "arn:aws:iam::111122223333:root" is also on line 2: a credential report has one row per user`},
		{"the same name in another case and path", []string{alice, strings.Replace(strings.Replace(alice, "alice,", "Alice,", 1), "user/alice", "user/dev/Alice", 1)},
			`report.csv:3: user "arn:aws:iam::111122223333:user/dev/Alice" is also on line 2, as "arn:aws:iam::111122223333:user/alice" (IAM user names are unique regardless of case and path): a credential report has one row per user`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := lines[0] + "\n" + strings.Join(tt.rows, "\n") + "\n"
			_, err := Parse(strings.NewReader(in), "report.csv")
			if !iamsweep.IsInputError(err) {
				t.Fatalf("err = %v, want an *iamsweep.InputError", err)
			}
			if got := err.Error(); got != tt.want {
				t.Errorf("error text:\n got %s\nwant %s", got, tt.want)
			}
		})
	}
	t.Run("same name in another account", func(t *testing.T) {
		other := strings.ReplaceAll(alice, "111122223333", "444455556666")
		if _, err := Parse(strings.NewReader(lines[0]+"\n"+alice+"\n"+other+"\n"), "report.csv"); err != nil {
			t.Errorf("err = %v, want none: the users are in different accounts", err)
		}
	})
}

func TestParse_headerOnly(t *testing.T) {
	data, _ := os.ReadFile("testdata/report.csv")
	header := strings.SplitN(string(data), "\n", 2)[0] + "\n"
	got, err := Parse(strings.NewReader(header), "report.csv")
	if err != nil || len(got) != 0 {
		t.Errorf("Parse(header only) = %v, %v; want no users and no error", got, err)
	}
}

func FuzzParse(f *testing.F) {
	data, _ := os.ReadFile("testdata/report.csv")
	f.Add(data)
	f.Add([]byte("user,arn\n"))
	f.Add([]byte{0xEF, 0xBB, 0xBF})
	f.Fuzz(func(t *testing.T, in []byte) {
		users, err := Parse(bytes.NewReader(in), "fuzz.csv")
		if err != nil {
			var ie *iamsweep.InputError
			if !errors.As(err, &ie) {
				t.Fatalf("error %v is not an *iamsweep.InputError", err)
			}
			return
		}
		for _, u := range users {
			if !u.HasCredentials || u.ARN == "" {
				t.Fatalf("user %+v lacks HasCredentials or ARN", u)
			}
			for _, k := range u.AccessKeys {
				if k.Slot != 1 && k.Slot != 2 {
					t.Fatalf("key slot %d", k.Slot)
				}
			}
		}
	})
}

// TestParse_hugeValues covers issue 9: input was echoed into messages
// without bound (a 1 MB timestamp gave a 1 MB error line), and a huge
// value cost memory in proportion. A value is quoted by a short excerpt,
// and a row over 1 MiB is refused before it is held.
func TestParse_hugeValues(t *testing.T) {
	data, err := os.ReadFile("testdata/report.csv")
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimRight(string(data), "\n"), "\n")
	header, bob := lines[0], lines[4]
	big := strings.Repeat("1", 1_000_000)
	tests := []struct {
		name string
		in   io.Reader
		want string
	}{
		{"a 1 MB timestamp", strings.NewReader(header + "\n" + strings.Replace(bob, "2024-05-05T05:05:05+00:00", big, 1) + "\n"),
			`report.csv:2: user_creation_time: invalid timestamp "` + strings.Repeat("1", 80) + `…": want ISO 8601 such as 2016-02-10T15:58:34+00:00, N/A or no_information`},
		{"a 1 MB boolean", strings.NewReader(header + "\n" + strings.Replace(bob, ",true,", ","+big+",", 1) + "\n"),
			`report.csv:2: password_enabled: invalid value "` + strings.Repeat("1", 80) + `…": want true, false or not_supported`},
		{"a 1 MB ARN", strings.NewReader(header + "\n" + strings.Replace(bob, "arn:aws:iam::111122223333:user/bob", "arn:"+big, 1) + "\n"),
			`report.csv:2: arn: invalid ARN "arn:` + strings.Repeat("1", 76) + `…": want arn:partition:service:region:account-id:resource`},
		{"a huge value", io.MultiReader(strings.NewReader(header+"\n"+bob+"\n"+bob[:20]), &repeat{b: 'x', n: 64 << 20}, strings.NewReader(",x\n")),
			`report.csv:3: a row of more than 1048576 bytes: no credential report row is this long`},
		{"a huge quoted value over many lines", io.MultiReader(strings.NewReader(header+"\n\""), &repeat{b: '\n', n: 64 << 20}, strings.NewReader("\",x\n")),
			`report.csv:2: a row of more than 1048576 bytes: no credential report row is this long`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var before, after runtime.MemStats
			runtime.ReadMemStats(&before)
			_, err := Parse(tt.in, "report.csv")
			runtime.ReadMemStats(&after)
			if alloc := after.TotalAlloc - before.TotalAlloc; alloc > 16<<20 {
				t.Errorf("Parse allocated %d MiB, want at most 16", alloc>>20)
			}
			if !iamsweep.IsInputError(err) {
				t.Fatalf("err = %v, want an *iamsweep.InputError", err)
			}
			if got := err.Error(); got != tt.want {
				t.Errorf("error:\n got %.400s\nwant %s", got, tt.want)
			}
		})
	}
}

// repeat reads n bytes b, made as they are read.
type repeat struct {
	b byte
	n int64
}

func (r *repeat) Read(p []byte) (int, error) {
	if r.n == 0 {
		return 0, io.EOF
	}
	p = p[:min(int64(len(p)), r.n)]
	for i := range p {
		p[i] = r.b
	}
	r.n -= int64(len(p))
	return len(p), nil
}
