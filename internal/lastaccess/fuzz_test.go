package lastaccess_test

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/iamsweep/iamsweep"
	"github.com/iamsweep/iamsweep/internal/lastaccess"
)

// FuzzParse checks that any input either parses into a report whose
// services and actions are named, or fails with an InputError naming the
// source.
func FuzzParse(f *testing.F) {
	seeds, _ := filepath.Glob("testdata/*.json")
	for _, s := range seeds {
		b, err := os.ReadFile(s)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Add([]byte(`{"JobStatus":"FAILED","Error":{"Code":"x","Message":"y"}}`))
	f.Add([]byte(`{"JobStatus":"COMPLETED","JobCompletionDate":1e300,"ServicesLastAccessed":[]}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		rep, err := lastaccess.Parse(bytes.NewReader(data), "in.json", "arn:aws:iam::111122223333:role/r")
		if err != nil {
			var ie *iamsweep.InputError
			if !errors.As(err, &ie) || ie.Source != "in.json" {
				t.Fatalf("error %v is not an InputError naming the source", err)
			}
			return
		}
		if rep.Generated.IsZero() || rep.ARN == "" {
			t.Fatalf("report without date or ARN: %+v", rep)
		}
		for _, s := range rep.Services {
			if s.Namespace == "" {
				t.Fatalf("service without namespace: %+v", rep)
			}
			if s.ActionLevel != (len(s.Actions) > 0) {
				t.Fatalf("ActionLevel %v with %d actions", s.ActionLevel, len(s.Actions))
			}
			for _, a := range s.Actions {
				if a.Name == "" {
					t.Fatalf("action without name: %+v", s)
				}
			}
		}
	})
}
