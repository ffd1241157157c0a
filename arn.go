package iamsweep

import (
	"fmt"
	"strings"
)

// ARN is a parsed Amazon Resource Name:
// arn:partition:service:region:account-id:resource.
type ARN struct {
	Partition string
	Service   string
	Region    string
	AccountID string
	// Resource is everything after the fifth colon ("role/path/name").
	Resource string
}

// String returns the ARN in its text form.
func (a ARN) String() string {
	return "arn:" + a.Partition + ":" + a.Service + ":" + a.Region + ":" + a.AccountID + ":" + a.Resource
}

// ParseARN parses s as an ARN. It checks the structure (six colon-separated
// parts, a non-empty partition, service and resource) and, when present, that
// the account ID is 12 digits or "aws" (AWS-managed policies).
func ParseARN(s string) (ARN, error) {
	parts := strings.SplitN(s, ":", 6)
	if len(parts) != 6 || parts[0] != "arn" {
		return ARN{}, fmt.Errorf("invalid ARN %s: want arn:partition:service:region:account-id:resource", Quote(s))
	}
	a := ARN{Partition: parts[1], Service: parts[2], Region: parts[3], AccountID: parts[4], Resource: parts[5]}
	switch {
	case a.Partition == "":
		return ARN{}, fmt.Errorf("invalid ARN %s: empty partition", Quote(s))
	case a.Service == "":
		return ARN{}, fmt.Errorf("invalid ARN %s: empty service", Quote(s))
	case a.Resource == "":
		return ARN{}, fmt.Errorf("invalid ARN %s: empty resource", Quote(s))
	case a.AccountID != "" && a.AccountID != "aws" && !IsAccountID(a.AccountID):
		return ARN{}, fmt.Errorf("invalid ARN %s: account ID %s is not 12 digits", Quote(s), Quote(a.AccountID))
	}
	return a, nil
}

// IsAccountID reports whether s is a 12-digit AWS account ID.
func IsAccountID(s string) bool {
	if len(s) != 12 {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// IAMResource splits the resource part of an IAM ARN of the given type
// ("role", "user", "policy"...) into its path and name:
// "role/service-role/x" gives ("/service-role/", "x"). It fails when the ARN
// is not an IAM ARN of that type.
func (a ARN) IAMResource(kind string) (path, name string, err error) {
	if a.Service != "iam" || !strings.HasPrefix(a.Resource, kind+"/") {
		return "", "", fmt.Errorf("%s is not an IAM %s ARN", Quote(a.String()), kind)
	}
	rest := a.Resource[len(kind):] // "/path/name"
	i := strings.LastIndexByte(rest, '/')
	path, name = rest[:i+1], rest[i+1:]
	if name == "" {
		return "", "", fmt.Errorf("%s has no %s name", Quote(a.String()), kind)
	}
	return path, name, nil
}
