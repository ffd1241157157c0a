package iamsweep

import (
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestParseARN(t *testing.T) {
	tests := []struct {
		name    string
		in      string
		want    ARN
		wantErr bool
	}{
		{name: "role with path", in: "arn:aws:iam::123456789012:role/service-role/x", want: ARN{Partition: "aws", Service: "iam", AccountID: "123456789012", Resource: "role/service-role/x"}},
		{name: "aws managed policy", in: "arn:aws:iam::aws:policy/ReadOnlyAccess", want: ARN{Partition: "aws", Service: "iam", AccountID: "aws", Resource: "policy/ReadOnlyAccess"}},
		{name: "china partition", in: "arn:aws-cn:iam::123456789012:user/u", want: ARN{Partition: "aws-cn", Service: "iam", AccountID: "123456789012", Resource: "user/u"}},
		{name: "resource with colons", in: "arn:aws:sqs:eu-west-1:123456789012:queue:x", want: ARN{Partition: "aws", Service: "sqs", Region: "eu-west-1", AccountID: "123456789012", Resource: "queue:x"}},
		{name: "too few parts", in: "arn:aws:iam::123456789012", wantErr: true},
		{name: "not an arn", in: "role/x", wantErr: true},
		{name: "bad account", in: "arn:aws:iam::12345:role/x", wantErr: true},
		{name: "empty partition", in: "arn::iam::123456789012:role/x", wantErr: true},
		{name: "empty resource", in: "arn:aws:iam::123456789012:", wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseARN(tt.in)
			if (err != nil) != tt.wantErr {
				t.Fatalf("ParseARN(%q) error = %v, want error %v", tt.in, err, tt.wantErr)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("ParseARN(%q) mismatch (-want +got):\n%s", tt.in, diff)
			}
			if err == nil && got.String() != tt.in {
				t.Errorf("String() = %q, want %q", got.String(), tt.in)
			}
		})
	}
}

func TestARN_IAMResource(t *testing.T) {
	tests := []struct {
		in, kind, path, name string
		wantErr              bool
	}{
		{in: "arn:aws:iam::123456789012:role/x", kind: "role", path: "/", name: "x"},
		{in: "arn:aws:iam::123456789012:role/a/b/x", kind: "role", path: "/a/b/", name: "x"},
		{in: "arn:aws:iam::123456789012:user/x", kind: "role", wantErr: true},
		{in: "arn:aws:iam::123456789012:role/a/", kind: "role", wantErr: true},
		{in: "arn:aws:s3:::role/x", kind: "role", wantErr: true},
	}
	for _, tt := range tests {
		a, err := ParseARN(tt.in)
		if err != nil {
			t.Fatal(err)
		}
		path, name, err := a.IAMResource(tt.kind)
		if (err != nil) != tt.wantErr || path != tt.path || name != tt.name {
			t.Errorf("IAMResource(%q, %q) = %q, %q, %v; want %q, %q, error %v", tt.in, tt.kind, path, name, err, tt.path, tt.name, tt.wantErr)
		}
	}
}
