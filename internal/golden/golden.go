// Package golden compares a test's output with a golden file under the
// package's testdata directory, and rewrites the file when the tests run
// with -update ("go test ./internal/cli -update", package by package:
// the flag exists only where a test imports this package; review the
// diff before committing it).
//
// Layer: test support. Only _test.go files import it (internal/archtest
// checks), so its -update flag exists only in test binaries.
package golden

import (
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

var update = flag.Bool("update", false, "rewrite the golden files under testdata/ with what the tests produce")

// Path returns the golden file of name for t:
// testdata/<top-level test name>/<name>.golden, so that a test's subtests
// share its directory.
func Path(t testing.TB, name string) string {
	test, _, _ := strings.Cut(t.Name(), "/")
	return filepath.Join("testdata", test, name+".golden")
}

// Check compares got with the golden file of name (see Path) and fails t
// with a diff when they differ. With -update it writes got to the file
// first, creating its directory.
func Check(t testing.TB, name, got string) {
	t.Helper()
	path := Path(t, name)
	if *update {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("read golden file (run go test -update to create it): %v", err)
	}
	if diff := cmp.Diff(string(want), got); diff != "" {
		t.Errorf("%s mismatch (-want +got):\n%s", path, diff)
	}
}

// Updating reports whether the tests run with -update: a test that keeps
// other files for review (screenshots) writes them under testdata/ then.
func Updating() bool { return *update }
