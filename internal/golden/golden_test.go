package golden

import (
	"os"
	"path/filepath"
	"testing"
)

// recorder is a testing.TB that records failures instead of failing.
type recorder struct {
	testing.TB
	name   string
	failed bool
}

func (r *recorder) Name() string                      { return r.name }
func (r *recorder) Helper()                           {}
func (r *recorder) Errorf(format string, args ...any) { r.failed = true }
func (r *recorder) Fatalf(format string, args ...any) { r.failed = true }
func (r *recorder) Fatal(args ...any)                 { r.failed = true }

func TestCheck(t *testing.T) {
	t.Chdir(t.TempDir())
	if got := Path(&recorder{name: "TestX/sub case"}, "out"); got != filepath.Join("testdata", "TestX", "out.golden") {
		t.Errorf("Path = %s, want testdata/TestX/out.golden", got)
	}
	r := &recorder{TB: t, name: "TestX/a"}
	Check(r, "out", "hello\n")
	if !r.failed {
		t.Error("Check passed without a golden file")
	}

	*update = true
	r = &recorder{TB: t, name: "TestX/a"}
	Check(r, "out", "hello\n")
	*update = false
	if data, err := os.ReadFile(filepath.Join("testdata", "TestX", "out.golden")); r.failed || err != nil || string(data) != "hello\n" {
		t.Fatalf("-update wrote %q (%v), failed %v; want the output", data, err, r.failed)
	}

	for _, tt := range []struct {
		got      string
		wantFail bool
	}{{"hello\n", false}, {"hello", true}, {"bye\n", true}} {
		r = &recorder{TB: t, name: "TestX/b"}
		if Check(r, "out", tt.got); r.failed != tt.wantFail {
			t.Errorf("Check(%q) failed = %v, want %v", tt.got, r.failed, tt.wantFail)
		}
	}
}
