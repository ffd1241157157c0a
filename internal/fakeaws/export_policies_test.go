package fakeaws

import (
	"context"
	"os"
	"strings"
	"testing"
)

// The managed policies of an export's Policies list are served with their
// documents: the account's own instead of placeholders, AWS managed ones
// the fake's catalogue does not hold instead of NoSuchEntity (refine
// against the sandbox failed with "IAM listed no managed policy").
func TestAccountFromExport_policies(t *testing.T) {
	f, err := os.Open("../../examples/refine/export.json")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	acct, err := AccountFromExport(context.Background(), f, "export.json")
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct{ arn, want string }{
		{"arn:aws:iam::111122223333:policy/etl-queue", `"sqs:*"`},
		{"arn:aws:iam::aws:policy/PowerUserAccess", `"NotAction"`},
		{"arn:aws:iam::aws:policy/AdministratorAccess", `"Action":"*"`}, // the catalogue still answers
	} {
		d, _, e := findPolicy(acct, tt.arn)
		if e != nil {
			t.Errorf("%s: %v", tt.arn, e)
			continue
		}
		if !strings.Contains(d.document, tt.want) {
			t.Errorf("%s: document %s, want it to hold %s", tt.arn, d.document, tt.want)
		}
	}
	var listed []string
	for _, d := range managedPolicies(acct, true, true) {
		listed = append(listed, d.arn)
	}
	if got := strings.Join(listed, " "); !strings.Contains(got, "arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess") {
		t.Errorf("GetAccountAuthorizationDetails' Policies %s lack the attached AmazonS3ReadOnlyAccess", got)
	}
}
