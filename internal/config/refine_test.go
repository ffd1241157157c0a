package config

import (
	"errors"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/iamsweep/iamsweep"
)

func TestParseWindows(t *testing.T) {
	got, err := ParseWindows([]string{"/backup/*=400", "/a=b/*=7"})
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 || got[0].Days != 400 || got[1].Pattern.String() != "/a=b/*" || got[1].Days != 7 ||
		!got[0].Pattern.Match("/backup/snap") {
		t.Errorf("got %+v", got)
	}
	for _, bad := range []string{"/backup/*", "/x=0", "/x=401", "/x=ten", "=5", "/[z-a]=5", "backup/*=400", "snapshot-dr=400"} {
		if _, err := ParseWindows([]string{"/ok=1", bad}); err == nil || !strings.HasPrefix(err.Error(), "value 2: ") {
			t.Errorf("ParseWindows(%q) = %v, want an error about value 2", bad, err)
		}
	}
}

func TestParseExemptTags(t *testing.T) {
	got, err := ParseExemptTags([]string{"breakglass", "iamsweep:refine=exempt", "k="})
	if err != nil {
		t.Fatal(err)
	}
	want := []iamsweep.Tag{{Key: "breakglass"}, {Key: "iamsweep:refine", Value: "exempt"}, {Key: "k"}}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
	if _, err := ParseExemptTags([]string{"=v"}); err == nil {
		t.Error("an empty key was accepted")
	}
}

func TestValidate_refine(t *testing.T) {
	for _, tt := range []struct {
		set   func(*Config)
		field string
	}{
		{func(c *Config) { c.WindowDays = 0 }, "window-days"},
		{func(c *Config) { c.WindowDays = 401 }, "window-days"},
		{func(c *Config) { c.Windows = []string{"x"} }, "window"},
		{func(c *Config) { c.ExemptTags = []string{""} }, "exempt-tag"},
	} {
		c := Default()
		tt.set(&c)
		err := c.Validate()
		var ie *iamsweep.InputError
		if !errors.As(err, &ie) || ie.Field != tt.field {
			t.Errorf("Validate() = %v, want an error on %s", err, tt.field)
		}
	}
}
