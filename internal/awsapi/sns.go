package awsapi

import (
	"context"
	"fmt"
	"log/slog"
	"sync"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sns"

	"github.com/iamsweep/iamsweep"
)

// SNS publishes messages to Amazon SNS topics, each in its topic's
// Region: SNS takes a topic's messages only in the Region of the topic.
type SNS struct {
	cfg aws.Config

	mu      sync.Mutex
	clients map[string]*sns.Client // by Region
}

// NewSNS returns an SNS client of cfg's account (cfg's Region is not used:
// each topic's ARN names its Region). Calls that are retried again and
// again are logged to log.
func NewSNS(cfg aws.Config, log *slog.Logger) *SNS {
	cfg.APIOptions = append(cfg.APIOptions[:len(cfg.APIOptions):len(cfg.APIOptions)], LogRetries(log))
	ownBodies(&cfg)
	return &SNS{cfg: cfg, clients: map[string]*sns.Client{}}
}

// client returns the client of region, made on first use.
func (s *SNS) client(region string) *sns.Client {
	s.mu.Lock()
	defer s.mu.Unlock()
	c := s.clients[region]
	if c == nil {
		cfg := s.cfg.Copy()
		cfg.Region = region
		c = sns.NewFromConfig(cfg)
		s.clients[region] = c
	}
	return c
}

// Publish publishes message with subject (the subject line of the
// topic's email subscriptions; "" for none) to the topic with Publish, in
// the topic's Region, and returns the message ID SNS gives it. The
// caller keeps the message within SNS's limits (256 KB; a subject of
// printable ASCII under 100 characters). The SDK's retryer retries
// throttling and server errors with backoff.
//
// Errors: iamsweep.ErrThrottled (after the retries),
// iamsweep.ErrAccessDenied (AuthorizationError: no sns:Publish on the
// topic, or a topic of another account whose policy does not allow it),
// iamsweep.ErrNotFound (NotFound: no such topic), and an
// *iamsweep.APIError with code InvalidParameter (a malformed ARN, a
// subject or message SNS refuses) or KMS... (an encrypted topic whose key
// cannot be used).
func (s *SNS) Publish(ctx context.Context, topicARN, subject, message string) (string, error) {
	arn, err := iamsweep.ParseARN(topicARN)
	if err != nil || arn.Service != "sns" || arn.Region == "" {
		return "", fmt.Errorf("publish to SNS topic %s: not an SNS topic ARN (arn:aws:sns:REGION:ACCOUNT:NAME)", iamsweep.Quote(topicARN))
	}
	in := &sns.PublishInput{TopicArn: aws.String(topicARN), Message: aws.String(message)}
	if subject != "" {
		in.Subject = aws.String(subject)
	}
	out, err := s.client(arn.Region).Publish(ctx, in)
	if err != nil {
		return "", fmt.Errorf("publish to SNS topic %s: %w", topicARN, classify(err))
	}
	return aws.ToString(out.MessageId), nil
}
