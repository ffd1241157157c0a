package fakeaws

import "slices"

// SNS's reads for iamsweep refs, over the query protocol: ListTopics (100
// a page, NextToken) of the topics seeded in Account.Resources.Topics in
// the Region called, and GetTopicAttributes (TopicArn, Owner, Policy: the
// seeded policy or SNS's default, which names only the owner account). An
// unknown topic is NotFound (HTTP 404).

func topicARN(acct *Account, t Topic) string {
	return "arn:aws:sns:" + t.Region + ":" + acct.ID + ":" + t.Name
}

func (s *Server) listTopics(acct *Account, req *request, x *xmlw) *apiError {
	if !acct.Resources.enabled(req.region) {
		return req.proto.invalidToken()
	}
	var topics []Topic
	if acct.Resources != nil {
		topics = inRegion(acct.Resources.Topics, req.region, func(t Topic) string { return t.Region })
	}
	items, next, e := resourcePage(s, topics, req.form.Get("NextToken"), 100)
	if e != nil {
		e.code = "InvalidParameter"
		return e
	}
	x.in("Topics", func() {
		for _, t := range items {
			x.in("member", func() { x.elem("TopicArn", topicARN(acct, t)) })
		}
	})
	if next != "" {
		x.elem("NextToken", next)
	}
	return nil
}

func (s *Server) getTopicAttributes(acct *Account, req *request, x *xmlw) *apiError {
	if !acct.Resources.enabled(req.region) {
		return req.proto.invalidToken()
	}
	arn := req.form.Get("TopicArn")
	i := -1
	if acct.Resources != nil {
		i = slices.IndexFunc(acct.Resources.Topics, func(t Topic) bool { return topicARN(acct, t) == arn })
	}
	if i < 0 {
		return errorf(404, "NotFound", "Topic does not exist")
	}
	t := acct.Resources.Topics[i]
	policy := t.Policy
	if policy == "" {
		policy = `{"Version":"2008-10-17","Id":"__default_policy_ID","Statement":[{"Sid":"__default_statement_ID","Effect":"Allow","Principal":{"AWS":"*"},"Action":["SNS:Publish"],"Resource":"` +
			arn + `","Condition":{"StringEquals":{"AWS:SourceOwner":"` + acct.ID + `"}}}]}`
	}
	x.in("Attributes", func() {
		for _, kv := range [][2]string{{"TopicArn", arn}, {"Owner", acct.ID}, {"Policy", policy}} {
			x.in("entry", func() {
				x.elem("key", kv[0])
				x.elem("value", kv[1])
			})
		}
	})
	return nil
}
