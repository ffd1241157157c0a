package awsapi

import (
	"context"
	"errors"
	"fmt"
	"log/slog"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sesv2"
	sestypes "github.com/aws/aws-sdk-go-v2/service/sesv2/types"
)

// Email is one message to send through Amazon SES: a simple message with
// an HTML and a text part, from a verified identity to one recipient.
type Email struct {
	// From is the sender, a verified SES identity
	// ("iamsweep@example.com", or "iamsweep <iamsweep@example.com>").
	From string
	// To is the recipient's address.
	To string
	// Subject, Text and HTML are the message: its subject line, its plain
	// text part and its HTML part (either part may be empty, not both).
	Subject, Text, HTML string
	// ConfigurationSet is the SES configuration set to send with, or "".
	ConfigurationSet string
}

// SES sends email through the Amazon SES API v2 (SendEmail) in one
// Region.
type SES struct {
	client *sesv2.Client
	region string
}

// NewSES returns an SES client of cfg's account in region, or in cfg's
// Region when region is "". SES is regional: the sender must be verified
// in that Region (and the account out of the SES sandbox there to mail
// unverified recipients). Calls that are retried again and again are
// logged to log.
func NewSES(cfg aws.Config, region string, log *slog.Logger) (*SES, error) {
	if region != "" {
		cfg.Region = region
	}
	if cfg.Region == "" {
		return nil, errors.New("no AWS Region for Amazon SES: set notify.ses-region, --region or AWS_REGION (the Region where the sender is verified)")
	}
	cfg.APIOptions = append(cfg.APIOptions[:len(cfg.APIOptions):len(cfg.APIOptions)], LogRetries(log))
	ownBodies(&cfg)
	return &SES{client: sesv2.NewFromConfig(cfg), region: cfg.Region}, nil
}

// Region returns the Region mail is sent from.
func (s *SES) Region() string { return s.region }

// SendEmail sends m with SendEmail (Simple content in UTF-8) and returns
// the message ID SES gives it. The SDK's retryer retries throttling
// (TooManyRequestsException: the account's maximum sending rate) and
// server errors with backoff; what remains is returned, naming the
// recipient.
//
// Errors: iamsweep.ErrThrottled (the sending rate or the daily quota,
// after the retries), iamsweep.ErrAccessDenied, iamsweep.ErrNotFound (the
// configuration set does not exist), and an *iamsweep.APIError with code
// MessageRejected (an unverified sender, or an unverified recipient in
// the SES sandbox), MailFromDomainNotVerifiedException,
// AccountSuspendedException, SendingPausedException or
// BadRequestException (an invalid address).
func (s *SES) SendEmail(ctx context.Context, m Email) (string, error) {
	utf8 := aws.String("UTF-8")
	body := &sestypes.Body{}
	if m.Text != "" {
		body.Text = &sestypes.Content{Data: aws.String(m.Text), Charset: utf8}
	}
	if m.HTML != "" {
		body.Html = &sestypes.Content{Data: aws.String(m.HTML), Charset: utf8}
	}
	in := &sesv2.SendEmailInput{
		FromEmailAddress: aws.String(m.From),
		Destination:      &sestypes.Destination{ToAddresses: []string{m.To}},
		Content: &sestypes.EmailContent{Simple: &sestypes.Message{
			Subject: &sestypes.Content{Data: aws.String(m.Subject), Charset: utf8},
			Body:    body,
		}},
	}
	if m.ConfigurationSet != "" {
		in.ConfigurationSetName = aws.String(m.ConfigurationSet)
	}
	out, err := s.client.SendEmail(ctx, in)
	if err != nil {
		return "", fmt.Errorf("send email to %s through Amazon SES in %s: %w", m.To, s.region, classify(err))
	}
	return aws.ToString(out.MessageId), nil
}
