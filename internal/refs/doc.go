// Package refs finds what still points at an IAM principal before it is
// removed (its blast radius): other roles whose trust policy names it
// (role chaining), the CloudFormation stack that owns it, compute that runs
// as it (Lambda functions, EC2 instances through instance profiles, ECS
// task definitions) and resource-based policies that name it by ARN, by
// unique ID, by a wildcard that matches it or in a condition.
//
// An Index is built once per account (or organization) from the roles and
// users of the export iamsweep already reads and the bindings an adapter
// lists once per account and Region; each principal is then looked up in
// it, so the reads do not grow with the number of principals.
//
// Layer: pure. No I/O, no SDK: it works on the root package's types.
package refs
