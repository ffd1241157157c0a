package config

import (
	"bytes"
	"testing"

	"github.com/iamsweep/iamsweep"
)

// FuzzParse checks that no YAML makes Parse or Validate panic and that every
// error either returns is an *iamsweep.InputError naming the file.
func FuzzParse(f *testing.F) {
	seeds := []string{
		"",
		"---\n",
		"# comment\n",
		"unused-days: 30\nas-of: 2026-11-23\nallow:\n  - /a/*\n  - \"/b|/c\"\ninclude-managed: true\noutput: json\n",
		"out: x.json\nall: false\nfail-on: UnusedIAMRole\nfrom-file: export.json\nregion: eu-west-1\n",
		"profile: p\nendpoint-url: http://127.0.0.1:4566\nlog-level: debug\nlog-format: json\n",
		"unused_days: 30\n",
		"all: yes\n",
		"all: true\nall: false\n",
		"a: 1\n---\nb: 2\n",
		"- a\n- b\n",
		"allow: [/a, [b], {c: d}, ~]\n",
		"region: &r x\nprofile: *r\n",
		"<<: {all: true}\n",
		"? [a, b]\n: c\n",
		"unused-days: 30\n  output: x\n",
		"output: !!binary aGVsbG8=\n",
		"allow: \"[z-a]\"\n",
	}
	for _, s := range seeds {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		c, err := Parse(bytes.NewReader(data), "fuzz.yaml")
		if err != nil {
			checkInputError(t, "Parse", err)
			return
		}
		if err := c.Validate(); err != nil {
			checkInputError(t, "Validate", err)
		}
	})
}

func checkInputError(t *testing.T, op string, err error) {
	t.Helper()
	ie, ok := err.(*iamsweep.InputError)
	if !ok {
		t.Fatalf("%s error %v is a %T, want *iamsweep.InputError", op, err, err)
	}
	if ie.Err == nil || ie.Line < 0 || ie.Offset != -1 {
		t.Errorf("%s: malformed InputError %#v", op, ie)
	}
	if op == "Parse" && ie.Source != "fuzz.yaml" {
		t.Errorf("Parse error names %q, want fuzz.yaml", ie.Source)
	}
}
