package fakeaws

import "strings"

// Amazon SQS, as far as iamsweep refs reads it, over JSON 1.0 (X-Amz-Target
// AmazonSQS.<Action>), the protocol of the AWS SDKs since 2023:
//
//   - ListQueues: the queue URLs of the Region called, with MaxResults (1
//     to 1,000; without it SQS returns up to 1,000 and no NextToken) and
//     NextToken.
//   - GetQueueAttributes: of a queue URL, the attributes asked for
//     (Policy, QueueArn; "All" for every one); a queue without a policy
//     has no Policy attribute. An unknown queue is
//     QueueDoesNotExist (HTTP 400).

const sqsTargetPrefix = "AmazonSQS"

var sqsActions = map[string]jsonAction{
	"ListQueues":         listQueues,
	"GetQueueAttributes": getQueueAttributes,
}

func queueURL(acct *Account, q Queue) string {
	return "https://sqs." + q.Region + ".amazonaws.com/" + acct.ID + "/" + q.Name
}

func listQueues(s *Server, acct *Account, req *request) (any, *apiError) {
	if !acct.Resources.enabled(req.region) {
		return nil, req.proto.invalidToken()
	}
	var in struct {
		MaxResults *int
		NextToken  string
	}
	if e := decodeInput(req, &in); e != nil {
		return nil, e
	}
	limit := 1000
	if in.MaxResults != nil {
		if *in.MaxResults < 1 || *in.MaxResults > 1000 {
			return nil, errorf(400, "InvalidParameterValue", "Value for parameter MaxResults is invalid. Reason: must be between 1 and 1000.")
		}
		limit = *in.MaxResults
	}
	var queues []Queue
	if acct.Resources != nil {
		queues = inRegion(acct.Resources.Queues, req.region, func(q Queue) string { return q.Region })
	}
	items, next, e := resourcePage(s, queues, in.NextToken, limit)
	if e != nil {
		e.code = "InvalidParameterValue"
		return nil, e
	}
	out := struct {
		QueueUrls []string `json:"QueueUrls,omitempty"`
		NextToken string   `json:",omitempty"`
	}{}
	if in.MaxResults != nil {
		out.NextToken = next
	}
	for _, q := range items {
		out.QueueUrls = append(out.QueueUrls, queueURL(acct, q))
	}
	return out, nil
}

func getQueueAttributes(s *Server, acct *Account, req *request) (any, *apiError) {
	if !acct.Resources.enabled(req.region) {
		return nil, req.proto.invalidToken()
	}
	var in struct {
		QueueUrl       string
		AttributeNames []string
	}
	if e := decodeInput(req, &in); e != nil {
		return nil, e
	}
	if acct.Resources != nil {
		for _, q := range acct.Resources.Queues {
			if q.Region != req.region || queueURL(acct, q) != in.QueueUrl {
				continue
			}
			attrs := map[string]string{}
			all := map[string]string{"QueueArn": "arn:aws:sqs:" + q.Region + ":" + acct.ID + ":" + q.Name}
			if q.Policy != "" {
				all["Policy"] = q.Policy
			}
			for _, name := range in.AttributeNames {
				for k, v := range all {
					if name == "All" || strings.EqualFold(name, k) {
						attrs[k] = v
					}
				}
			}
			return map[string]any{"Attributes": attrs}, nil
		}
	}
	return nil, errorf(400, "QueueDoesNotExist", "The specified queue does not exist.")
}
