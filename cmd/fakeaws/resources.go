package main

import "github.com/iamsweep/iamsweep/internal/fakeaws"

// exampleResources are what the example account runs beyond IAM, so that
// iamsweep refs and plan --refs have something to show (docs/refs.md,
// "Try it without AWS"): bindings of unused roles (a Lambda function, a
// stopped EC2 instance), a bucket policy that grants a role by unique ID,
// a key policy that grants one through an ArnLike pattern, and a used
// role's function.
func exampleResources(account string) *fakeaws.Resources {
	role := func(name string) string { return "arn:aws:iam::" + account + ":role/" + name }
	return &fakeaws.Resources{
		Functions: []fakeaws.Function{
			{Region: "eu-west-1", Name: "quarterly-etl", Role: role("legacy/old-etl-role")},
			{Region: "us-east-1", Name: "inventory-sync", Role: role("app/inventory-lambda-role")},
		},
		Instances: []fakeaws.Instance{
			{Region: "us-east-1", ID: "i-0a1b2c3d4e5f60718", Name: "old-web-1", State: "stopped",
				InstanceProfileARN: "arn:aws:iam::" + account + ":instance-profile/ec2-old-web"},
		},
		Buckets: []fakeaws.Bucket{
			{Region: "eu-west-1", Name: "example-reports-archive", Policy: `{"Version":"2012-10-17","Statement":[
  {"Sid":"LegacyReports","Effect":"Allow","Principal":{"AWS":"AROADCF2WLJUFF3DMUOXH"},"Action":["s3:GetObject","s3:PutObject"],"Resource":"arn:aws:s3:::example-reports-archive/*"}]}`},
		},
		Keys: []fakeaws.Key{
			{Region: "us-west-2", ID: "1234abcd-12ab-34cd-56ef-1234567890ab", Policy: `{"Version":"2012-10-17","Statement":[
  {"Sid":"EnableIAMPolicies","Effect":"Allow","Principal":{"AWS":"arn:aws:iam::` + account + `:root"},"Action":"kms:*","Resource":"*"},
  {"Sid":"LegacyDeploys","Effect":"Allow","Principal":{"AWS":"*"},"Action":["kms:Decrypt","kms:GenerateDataKey"],"Resource":"*",
   "Condition":{"StringEquals":{"kms:CallerAccount":"` + account + `"},"ArnLike":{"aws:PrincipalArn":"arn:aws:iam::` + account + `:role/legacy/jenkins-*"}}}]}`},
		},
	}
}
