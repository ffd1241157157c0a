package refine

import (
	"slices"
	"testing"
)

// TestDedupKeepOrderMatchesLower checks the hashed ASCII path against the
// plain lower-case one it replaces, and that non-ASCII text takes the
// latter.
func TestDedupKeepOrderMatchesLower(t *testing.T) {
	cases := [][]string{
		nil,
		{"s3:GetObject"},
		{"s3:GetObject", "S3:getobject", "s3:PutObject", "s3:GetObject*", "s3:getObject"},
		{"a", "A", "b", "B", "a", "ab", "Ab", "aB"},
		{"svc:K", "svc:\u212a", "svc:k"}, // Kelvin sign: ToLower makes it "k"
		{"", "", "x"},
	}
	for _, c := range cases {
		got := dedupKeepOrder(slices.Clone(c))
		want := dedupKeepOrderLower(slices.Clone(c))
		if !slices.Equal(got, want) {
			t.Errorf("dedupKeepOrder(%q) = %q, want %q", c, got, want)
		}
	}
}
