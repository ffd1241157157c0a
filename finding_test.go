package iamsweep

import "testing"

func TestFinding_Owner(t *testing.T) {
	tags := []Tag{{Key: "Team", Value: "data"}, {Key: "Owner", Value: " alice@example.com "}, {Key: "contact", Value: ""}}
	tests := []struct {
		name string
		tags []Tag
		keys []string
		want string
	}{
		{"default key, other case", tags, DefaultOwnerTags, "alice@example.com"},
		{"first key that is set wins", tags, []string{"team", "owner"}, "data"},
		{"an empty value is no owner", tags, []string{"contact", "owner"}, "alice@example.com"},
		{"no such key", tags, []string{"cost-center"}, ""},
		{"no keys", tags, nil, ""},
		{"no tags read", nil, DefaultOwnerTags, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := (Finding{Tags: tt.tags}).Owner(tt.keys); got != tt.want {
				t.Errorf("Owner(%q) = %q, want %q", tt.keys, got, tt.want)
			}
		})
	}
}

func TestKeyOf(t *testing.T) {
	role := Finding{AccountID: "111122223333", Type: TypeUnusedIAMRole, ARN: "arn:aws:iam::111122223333:role/a"}
	key := Finding{AccountID: "111122223333", Type: TypeUnusedIAMUserAccessKey, ARN: "arn:aws:iam::111122223333:user/b", AccessKeyID: "AKIAEXAMPLE"}
	if got := KeyOf(role); got != "111122223333 UnusedIAMRole arn:aws:iam::111122223333:role/a" {
		t.Errorf("KeyOf(role) = %q", got)
	}
	if got := KeyOf(key); got != "111122223333 UnusedIAMUserAccessKey arn:aws:iam::111122223333:user/b AKIAEXAMPLE" {
		t.Errorf("KeyOf(key) = %q", got)
	}
}
