// Package configrule is the logic of iamsweep's AWS Config custom rule:
// it reads the rule's parameters and the invoking event that AWS Config
// sends to the rule's Lambda function, and turns role findings into the
// evaluations PutEvaluations records (COMPLIANT for a used role,
// NON_COMPLIANT for an unused one, NOT_APPLICABLE for an exempt or
// deleted one), keyed by the role's unique ID as AWS Config keys IAM
// roles.
//
// Layer: pure. It imports the domain and internal/detect, does no I/O and
// knows neither the AWS SDK nor the Lambda runtime: internal/lambdafn
// decodes the Lambda event and internal/awsapi sends the evaluations.
package configrule
