package authexport

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"time"
)

// writeExport writes a plausible export of n roles in the AWS CLI v2 shape
// (pretty-printed with four-space indentation, ISO 8601 dates with offset),
// as the benchmark and the large-file tests read it.
func writeExport(w io.Writer, n int) error {
	bw := bufio.NewWriterSize(w, 1<<20)
	base := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
	type obj = map[string]any
	roles := make([]any, 0, 1)
	_ = roles
	fmt.Fprint(bw, "{\n    \"UserDetailList\": [],\n    \"GroupDetailList\": [],\n    \"RoleDetailList\": [")
	for i := 0; i < n; i++ {
		name := fmt.Sprintf("app-%05d-role", i)
		arn := "arn:aws:iam::123456789012:role/app/" + name
		role := obj{
			"Path":       "/app/",
			"RoleName":   name,
			"RoleId":     fmt.Sprintf("AROA%017d", i),
			"Arn":        arn,
			"CreateDate": base.Add(time.Duration(i) * time.Minute).Format("2006-01-02T15:04:05-07:00"),
			"AssumeRolePolicyDocument": obj{
				"Version": "2012-10-17",
				"Statement": []any{obj{
					"Effect":    "Allow",
					"Principal": obj{"Service": "lambda.amazonaws.com"},
					"Action":    "sts:AssumeRole",
				}},
			},
			"InstanceProfileList": []any{},
			"RolePolicyList": []any{obj{
				"PolicyName": "inline-" + name,
				"PolicyDocument": obj{
					"Version": "2012-10-17",
					"Statement": []any{
						obj{"Effect": "Allow", "Action": []string{"s3:GetObject", "s3:PutObject"}, "Resource": "arn:aws:s3:::bucket-" + name + "/*"},
						obj{"Effect": "Allow", "Action": "logs:*", "Resource": "*", "Condition": obj{"StringEquals": obj{"aws:RequestedRegion": "eu-west-1"}}},
					},
				},
			}},
			"AttachedManagedPolicies": []any{
				obj{"PolicyName": "ReadOnlyAccess", "PolicyArn": "arn:aws:iam::aws:policy/ReadOnlyAccess"},
				obj{"PolicyName": "team-policy", "PolicyArn": "arn:aws:iam::123456789012:policy/team-policy"},
			},
			"Tags":         []any{obj{"Key": "owner", "Value": "team-" + fmt.Sprint(i%50) + "@example.com"}, obj{"Key": "env", "Value": "prod"}},
			"RoleLastUsed": obj{"LastUsedDate": base.Add(time.Duration(i) * time.Hour).Format("2006-01-02T15:04:05-07:00"), "Region": "eu-west-1"},
		}
		if i%10 == 0 {
			role["InstanceProfileList"] = []any{obj{
				"Path": "/", "InstanceProfileName": name, "InstanceProfileId": fmt.Sprintf("AIPA%017d", i),
				"Arn":        "arn:aws:iam::123456789012:instance-profile/" + name,
				"CreateDate": base.Format("2006-01-02T15:04:05-07:00"),
				"Roles":      []any{obj{"RoleName": name, "Path": "/app/", "Arn": arn}},
			}}
		}
		b, err := json.MarshalIndent(role, "        ", "    ")
		if err != nil {
			return err
		}
		if i > 0 {
			bw.WriteString(",")
		}
		bw.WriteString("\n        ")
		bw.Write(b)
	}
	fmt.Fprint(bw, "\n    ],\n    \"Policies\": []\n}\n")
	return bw.Flush()
}
