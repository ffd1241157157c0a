package iamsweep

import (
	"testing"
	"time"
)

func TestJoinPathName(t *testing.T) {
	tests := []struct {
		name       string
		path, role string
		want       string
	}{
		{name: "root path", path: "/", role: "deployer", want: "/deployer"},
		{name: "one level", path: "/service-role/", role: "aws-codestar-service-role", want: "/service-role/aws-codestar-service-role"},
		{name: "two levels", path: "/a/b/", role: "x", want: "/a/b/x"},
		{name: "empty path counts as root", path: "", role: "x", want: "/x"},
		{name: "path without trailing slash", path: "/a", role: "x", want: "/a/x"},
		{name: "deep path without trailing slash", path: "/a/b", role: "x", want: "/a/b/x"},
		{name: "empty name", path: "/a/", role: "", want: "/a/"},
		{name: "empty path and name", path: "", role: "", want: "/"},
		{name: "unicode and IAM name characters", path: "/tëam/ü/", role: "a+b=c,d.e@f-g_h", want: "/tëam/ü/a+b=c,d.e@f-g_h"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := JoinPathName(tt.path, tt.role); got != tt.want {
				t.Errorf("JoinPathName(%q, %q) = %q, want %q", tt.path, tt.role, got, tt.want)
			}
		})
	}
}

func TestRole_PathName(t *testing.T) {
	tests := []struct {
		name string
		role Role
		want string
	}{
		{name: "service role", role: Role{Path: "/service-role/", Name: "aws-codestar-service-role"}, want: "/service-role/aws-codestar-service-role"},
		{name: "root path", role: Role{Path: "/", Name: "deployer"}, want: "/deployer"},
		{name: "no path", role: Role{Name: "deployer"}, want: "/deployer"},
		{name: "service-linked", role: Role{Path: "/aws-service-role/support.amazonaws.com/", Name: "AWSServiceRoleForSupport"}, want: "/aws-service-role/support.amazonaws.com/AWSServiceRoleForSupport"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.role.PathName(); got != tt.want {
				t.Errorf("PathName() = %q, want %q", got, tt.want)
			}
		})
	}
}

func TestRole_Tag(t *testing.T) {
	r := Role{Tags: []Tag{
		{Key: "team", Value: "ops"},
		{Key: "Team", Value: "Ops2"},
		{Key: "env", Value: ""},
		{Key: "team", Value: "duplicate"},
		{Key: "", Value: "empty key"},
	}}
	tests := []struct {
		name      string
		role      Role
		key       string
		wantValue string
		wantOK    bool
	}{
		{name: "present", role: r, key: "team", wantValue: "ops", wantOK: true},
		{name: "exact case", role: r, key: "Team", wantValue: "Ops2", wantOK: true},
		{name: "other case absent", role: r, key: "TEAM", wantValue: "", wantOK: false},
		{name: "empty value present", role: r, key: "env", wantValue: "", wantOK: true},
		{name: "empty key", role: r, key: "", wantValue: "empty key", wantOK: true},
		{name: "absent", role: r, key: "owner", wantValue: "", wantOK: false},
		{name: "no tags", role: Role{}, key: "team", wantValue: "", wantOK: false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v, ok := tt.role.Tag(tt.key)
			if v != tt.wantValue || ok != tt.wantOK {
				t.Errorf("Tag(%q) = %q, %v; want %q, %v", tt.key, v, ok, tt.wantValue, tt.wantOK)
			}
		})
	}
}

func TestUsage_IsZero(t *testing.T) {
	tests := []struct {
		name string
		in   Usage
		want bool
	}{
		{name: "zero", in: Usage{}, want: true},
		{name: "region without time", in: Usage{Region: "us-east-1"}, want: true},
		{name: "time", in: Usage{Time: time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)}, want: false},
		{name: "unix epoch is a time", in: Usage{Time: time.Unix(0, 0)}, want: false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.in.IsZero(); got != tt.want {
				t.Errorf("IsZero() = %v, want %v", got, tt.want)
			}
		})
	}
}
