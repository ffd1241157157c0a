package fakeaws

import "strings"

// The fake reads ARNs and policy documents with its own minimal code, not
// with iamsweep's parsers: a test double that validated requests with the
// code under test would let a parser bug pass on both sides.

// arn is an ARN split into its six fields.
type arn struct {
	partition, service, region, account, resource string
}

// splitARN splits an ARN into its fields: "arn", then partition, service,
// region, account and resource; partition, service and resource not empty,
// the account empty, "aws" or 12 digits. ok is false for anything else.
func splitARN(s string) (a arn, ok bool) {
	parts := strings.SplitN(s, ":", 6)
	if len(parts) != 6 || parts[0] != "arn" || parts[1] == "" || parts[2] == "" || parts[5] == "" ||
		parts[4] != "" && parts[4] != "aws" && !isAccountID(parts[4]) {
		return arn{}, false
	}
	return arn{partition: parts[1], service: parts[2], region: parts[3], account: parts[4], resource: parts[5]}, true
}

// iamResource splits the resource of an IAM ARN of the given type ("role",
// "policy") into path and name: "role/ops/x" gives "/ops/" and "x".
func (a arn) iamResource(kind string) (path, name string, ok bool) {
	rest, found := strings.CutPrefix(a.resource, kind+"/")
	if a.service != "iam" || !found {
		return "", "", false
	}
	rest = "/" + rest
	i := strings.LastIndexByte(rest, '/')
	path, name = rest[:i+1], rest[i+1:]
	return path, name, name != ""
}

// isAccountID reports whether s is 12 digits.
func isAccountID(s string) bool {
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

// pathName joins an IAM path and name into the tail of an ARN: "/" and
// "x" give "/x", "/ops/" and "x" give "/ops/x" (a path without its
// closing slash gets one).
func pathName(path, name string) string {
	if !strings.HasSuffix(path, "/") {
		path += "/"
	}
	return path + name
}
