package fakeaws

import (
	"fmt"
	"strings"
	"unicode/utf8"
)

// Amazon SNS, as far as a publisher sees it: Publish over the query/XML
// protocol (Action=Publish, Version 2010-03-31), with the rules of the
// SNS API reference:
//
//   - Topics exist per account and Region (WithSNSTopics). A topic is
//     published to in its own Region: a TopicArn of another Region is an
//     InvalidParameter; one that does not exist is NotFound ("Topic does
//     not exist", HTTP 404); one of another account is an
//     AuthorizationError (its default access policy lets only its owner
//     publish).
//   - The message is required, UTF-8 and at most 256 KB (262,144 bytes);
//     MessageStructure json and message attributes are not implemented
//     (InvalidParameter says so).
//   - A subject, when given, is 1 to 100 printable ASCII characters that
//     start with a letter, a digit or a punctuation mark, without line
//     breaks or control characters (InvalidParameter "Invalid parameter:
//     Subject"). (The reference says "less than 100"; SNS takes 100, as
//     moto's issue 1503 records.)
//
// What was published is kept for tests: PublishedMessages.

// snsNamespace is the XML namespace of SNS's responses.
const snsNamespace = "http://sns.amazonaws.com/doc/2010-03-31/"

// The limits of Publish.
const (
	snsMaxMessageBytes = 262144
	snsMaxSubject      = 100
)

// PublishedMessage is a message SNS accepted.
type PublishedMessage struct {
	MessageID string
	AccountID string
	Region    string
	TopicARN  string
	Subject   string
	Message   string
}

// WithSNSTopics creates SNS topics, named by their ARNs
// (arn:aws:sns:REGION:ACCOUNT:NAME).
func WithSNSTopics(arns ...string) Option {
	return func(s *Server) error {
		for _, a := range arns {
			if _, _, ok := parseTopicARN(a); !ok {
				return fmt.Errorf("fakeaws: %q is not an SNS topic ARN", a)
			}
			s.topics[a] = true
		}
		return nil
	}
}

// PublishedMessages returns the messages SNS accepted, in order.
func (s *Server) PublishedMessages() []PublishedMessage {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]PublishedMessage(nil), s.published...)
}

// parseTopicARN returns the Region and account of a topic ARN.
func parseTopicARN(arn string) (region, account string, ok bool) {
	parts := strings.Split(arn, ":")
	if len(parts) != 6 || parts[0] != "arn" || parts[2] != "sns" || parts[3] == "" || len(parts[4]) != 12 || parts[5] == "" {
		return "", "", false
	}
	return parts[3], parts[4], true
}

var snsActions = map[string]queryAction{
	"Publish": (*Server).publish,
	// iamsweep refs' reads (sns_refs.go)
	"ListTopics":         (*Server).listTopics,
	"GetTopicAttributes": (*Server).getTopicAttributes,
}

func (s *Server) publish(_ *Account, req *request, x *xmlw) *apiError {
	invalid := func(what string) *apiError {
		return errorf(400, "InvalidParameter", "Invalid parameter: %s", what)
	}
	f := req.form
	topic := f.Get("TopicArn")
	switch {
	case topic == "" && f.Get("TargetArn") == "" && f.Get("PhoneNumber") == "":
		return invalid("TopicArn or TargetArn Reason: no value for required parameter")
	case topic == "":
		return invalid("fakeaws implements Publish to topics only")
	case f.Get("MessageStructure") != "" || f.Get("MessageAttributes.entry.1.Name") != "":
		return invalid("fakeaws implements plain messages only, without MessageStructure or MessageAttributes")
	}
	region, account, ok := parseTopicARN(topic)
	if !ok || region != req.region {
		return invalid("TopicArn")
	}
	msg, hasMsg := f["Message"]
	switch {
	case !hasMsg || msg[0] == "":
		return invalid("Empty message")
	case len(msg[0]) > snsMaxMessageBytes:
		return invalid("Message too long")
	case !utf8.ValidString(msg[0]):
		return invalid("Message")
	}
	subject, hasSubject := f["Subject"]
	if hasSubject && !validSubject(subject[0]) {
		return invalid("Subject")
	}
	if account != req.accountID {
		return errorf(403, "AuthorizationError", "User: arn:aws:iam::%s:root is not authorized to perform: SNS:Publish on resource: %s", req.accountID, topic)
	}
	if !s.topics[topic] {
		return errorf(404, "NotFound", "Topic does not exist")
	}
	s.msgSeq++
	id := fmt.Sprintf("5b0c7f4e-0000-4000-8000-%012d", s.msgSeq)
	m := PublishedMessage{MessageID: id, AccountID: req.accountID, Region: req.region, TopicARN: topic, Message: msg[0]}
	if hasSubject {
		m.Subject = subject[0]
	}
	s.published = append(s.published, m)
	x.elem("MessageId", id)
	return nil
}

// validSubject reports whether SNS takes s as a subject.
func validSubject(s string) bool {
	if s == "" || len(s) > snsMaxSubject {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < 0x20 || s[i] > 0x7e {
			return false
		}
	}
	return s[0] != ' '
}
