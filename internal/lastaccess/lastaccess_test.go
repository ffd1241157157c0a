package lastaccess_test

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/iamsweep/iamsweep"
	"github.com/iamsweep/iamsweep/internal/lastaccess"
)

func TestLoadAccessDir(t *testing.T) {
	got, err := lastaccess.LoadAccessDir("testdata")
	if err != nil {
		t.Fatal(err)
	}
	build := "arn:aws:iam::111122223333:role/service-role/build"
	alice := "arn:aws:iam::111122223333:user/alice"
	done := time.Date(2026, 11, 30, 10, 0, 5, 500_000_000, time.UTC)
	aliceDone := time.Unix(1796032805, 250_000_000).UTC()
	want := map[string]iamsweep.AccessReport{
		build: {
			ARN: build, Granularity: iamsweep.GranularityAction, Generated: done, Since: done.Add(-400 * 24 * time.Hour),
			Services: []iamsweep.ServiceAccess{
				{Namespace: "dynamodb", Name: "Amazon DynamoDB"},
				{Namespace: "s3", Name: "Amazon S3", LastAccessed: time.Date(2026, 11, 29, 8, 0, 0, 0, time.UTC), Region: "eu-west-1", ActionLevel: true,
					Actions: []iamsweep.ActionAccess{
						{Name: "CreateBucket"},
						{Name: "ListAllMyBuckets", LastAccessed: time.Date(2026, 11, 29, 8, 0, 0, 0, time.UTC), Region: "eu-west-1"},
					}},
			},
		},
		alice: {
			ARN: alice, Granularity: iamsweep.GranularityService, Generated: aliceDone, Since: aliceDone.Add(-400 * 24 * time.Hour),
			Services: []iamsweep.ServiceAccess{
				{Namespace: "iam", Name: "AWS Identity and Access Management", LastAccessed: time.Unix(1795946400, 0).UTC()},
			},
		},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("reports (-want +got):\n%s", diff)
	}
}

func TestFileName(t *testing.T) {
	for _, arn := range []string{
		"arn:aws:iam::111122223333:role/service-role/build",
		"arn:aws:iam::111122223333:user/a+b=c,d.e@f-g_h",
		"arn:aws-cn:iam::111122223333:role/x",
	} {
		name := lastaccess.FileName(arn)
		if strings.ContainsAny(name, "/:") {
			t.Errorf("FileName(%q) = %q: not a plain file name", arn, name)
		}
		back, err := lastaccess.ARNOfFile(name)
		if err != nil || back != arn {
			t.Errorf("ARNOfFile(FileName(%q)) = %q, %v", arn, back, err)
		}
	}
	// What jq's @uri makes of the ARN of a role with a path.
	if got, want := lastaccess.FileName("arn:aws:iam::111122223333:role/service-role/build"), "arn%3Aaws%3Aiam%3A%3A111122223333%3Arole%2Fservice-role%2Fbuild.json"; got != want {
		t.Errorf("FileName = %q, want %q", got, want)
	}
}

func TestLoadAccessDir_errors(t *testing.T) {
	const role = "arn%3Aaws%3Aiam%3A%3A111122223333%3Arole%2Fr.json"
	ok := func(services string) string {
		return `{"JobStatus":"COMPLETED","JobType":"ACTION_LEVEL","JobCompletionDate":"2026-11-30T10:00:00Z","ServicesLastAccessed":` + services + `}`
	}
	tests := []struct {
		name, file, text string
		want             string
	}{
		{"bad name", "role-r.json", ok(`[]`), `role-r.json: file name: not a percent-encoded principal ARN`},
		{"not a principal", "arn%3Aaws%3As3%3A%3A%3Ab.json", ok(`[]`), `is not the ARN of an IAM role or user`},
		{"syntax", role, "{\n\"JobStatus\": ,\n}", role + `:2: invalid JSON`},
		{"in progress", role, `{"JobStatus":"IN_PROGRESS","ServicesLastAccessed":[]}`, `JobStatus: IN_PROGRESS`},
		{"failed", role, `{"JobStatus":"FAILED","Error":{"Code":"InternalError","Message":"boom"},"ServicesLastAccessed":[]}`, `JobStatus: FAILED: "InternalError boom"`},
		{"not a report", role, `{"Roles":[]}`, `JobStatus: missing`},
		{"truncated", role, `{"JobStatus":"COMPLETED","IsTruncated":true,"Marker":"x","JobCompletionDate":"2026-11-30T10:00:00Z","ServicesLastAccessed":[]}`, `IsTruncated: true`},
		{"next token", role, `{"JobStatus":"COMPLETED","NextToken":"x","JobCompletionDate":"2026-11-30T10:00:00Z","ServicesLastAccessed":[]}`, `NextToken: present`},
		{"no date", role, `{"JobStatus":"COMPLETED","ServicesLastAccessed":[]}`, `JobCompletionDate: missing`},
		{"bad date", role, `{"JobStatus":"COMPLETED","JobCompletionDate":"yesterday","ServicesLastAccessed":[]}`, `JobCompletionDate: not an ISO 8601 time: "yesterday"`},
		{"no services", role, `{"JobStatus":"COMPLETED","JobCompletionDate":"2026-11-30T10:00:00Z"}`, `ServicesLastAccessed: missing`},
		{"bad namespace", role, ok(`[{"ServiceNamespace":"S 3"}]`), `ServicesLastAccessed[0].ServiceNamespace: missing or not a service prefix: "S 3"`},
		{"duplicate service", role, ok(`[{"ServiceNamespace":"s3"},{"ServiceNamespace":"s3"}]`), `ServicesLastAccessed[1].ServiceNamespace: "s3" listed twice`},
		{"bad action time", role, ok(`[{"ServiceNamespace":"s3","TrackedActionsLastAccessed":[{"ActionName":"GetBucketPolicy","LastAccessedTime":true}]}]`), `ServicesLastAccessed[0].TrackedActionsLastAccessed[0].LastAccessedTime: not a time: "true"`},
		{"action with prefix", role, ok(`[{"ServiceNamespace":"s3","TrackedActionsLastAccessed":[{"ActionName":"s3:GetBucketPolicy"}]}]`), `TrackedActionsLastAccessed[0].ActionName: missing or not an action name`},
		{"actions in a service-level report", role, `{"JobStatus":"COMPLETED","JobType":"SERVICE_LEVEL","JobCompletionDate":"2026-11-30T10:00:00Z","ServicesLastAccessed":[{"ServiceNamespace":"s3","TrackedActionsLastAccessed":[{"ActionName":"GetBucketPolicy"}]}]}`, `not ACTION_LEVEL`},
		{"unknown type", role, `{"JobStatus":"COMPLETED","JobType":"POLICY_LEVEL","JobCompletionDate":"2026-11-30T10:00:00Z","ServicesLastAccessed":[]}`, `JobType: unknown granularity`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			if err := os.WriteFile(filepath.Join(dir, tt.file), []byte(tt.text), 0o600); err != nil {
				t.Fatal(err)
			}
			got, err := lastaccess.LoadAccessDir(dir)
			var ie *iamsweep.InputError
			if !errors.As(err, &ie) {
				t.Fatalf("LoadAccessDir = %v, %v; want an *iamsweep.InputError", got, err)
			}
			if !strings.Contains(err.Error(), tt.want) || !strings.Contains(err.Error(), tt.file) {
				t.Errorf("error %q does not name the file and say %q", err, tt.want)
			}
		})
	}
}

func TestLoadAccessDir_missing(t *testing.T) {
	_, err := lastaccess.LoadAccessDir(filepath.Join(t.TempDir(), "nope"))
	var ie *iamsweep.InputError
	if !errors.As(err, &ie) || !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("LoadAccessDir of a missing folder = %v; want an InputError wrapping ErrNotExist", err)
	}
}
