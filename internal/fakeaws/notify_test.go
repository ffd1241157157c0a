package fakeaws_test

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/sesv2"
	sestypes "github.com/aws/aws-sdk-go-v2/service/sesv2/types"
	"github.com/aws/aws-sdk-go-v2/service/sns"
	"github.com/aws/smithy-go"
	"github.com/google/go-cmp/cmp"

	"github.com/iamsweep/iamsweep/internal/fakeaws"
)

const (
	mailAccount  = "111122223333"
	mailOther    = "444455556666"
	mailKey      = "AKIAMAILMAILMAILMAIL"
	mailOtherKey = "AKIAOTHEROTHEROTHER1"
	mailRegion   = "eu-west-1"
)

func mailServer(t *testing.T, opts ...fakeaws.Option) *fakeaws.Server {
	t.Helper()
	return fakeaws.New(t, append([]fakeaws.Option{
		fakeaws.WithAccounts(&fakeaws.Account{ID: mailAccount}, &fakeaws.Account{ID: mailOther}),
		fakeaws.WithCredentials(mailKey, mailAccount),
		fakeaws.WithCredentials(mailOtherKey, mailOther),
	}, opts...)...)
}

func sdkConfig(srv *fakeaws.Server, key, region string) aws.Config {
	return aws.Config{
		Region:       region,
		Credentials:  credentials.NewStaticCredentialsProvider(key, "secret", ""),
		BaseEndpoint: aws.String(srv.URL),
		HTTPClient:   srv.Client(),
		Retryer:      func() aws.Retryer { return aws.NopRetryer{} },
	}
}

func code(err error) string {
	var apiErr smithy.APIError
	if errors.As(err, &apiErr) {
		return apiErr.ErrorCode()
	}
	if err != nil {
		return err.Error()
	}
	return ""
}

func email(from string, to ...string) *sesv2.SendEmailInput {
	return &sesv2.SendEmailInput{
		FromEmailAddress: aws.String(from),
		Destination:      &sestypes.Destination{ToAddresses: to},
		Content: &sestypes.EmailContent{Simple: &sestypes.Message{
			Subject: &sestypes.Content{Data: aws.String("iamsweep: 1 unused IAM role"), Charset: aws.String("UTF-8")},
			Body: &sestypes.Body{
				Text: &sestypes.Content{Data: aws.String("text part"), Charset: aws.String("UTF-8")},
				Html: &sestypes.Content{Data: aws.String("<p>html part</p>"), Charset: aws.String("UTF-8")},
			},
		}},
	}
}

func TestSES_SendEmail(t *testing.T) {
	srv := mailServer(t,
		fakeaws.WithSES(mailRegion, mailAccount, fakeaws.SES{Identities: []string{"example.com", "alice@example.org"}, ConfigurationSets: []string{"notices"}}),
		fakeaws.WithSES(mailRegion, mailOther, fakeaws.SES{Identities: []string{"example.net"}, Production: true}))
	c := sesv2.NewFromConfig(sdkConfig(srv, mailKey, mailRegion))
	ctx := t.Context()

	in := email("iamsweep <iamsweep@example.com>", "alice@example.org")
	in.ConfigurationSetName = aws.String("notices")
	out, err := c.SendEmail(ctx, in)
	if err != nil {
		t.Fatal(err)
	}
	want := []fakeaws.SentEmail{{MessageID: aws.ToString(out.MessageId), AccountID: mailAccount, Region: mailRegion,
		From: "iamsweep <iamsweep@example.com>", To: []string{"alice@example.org"}, Cc: []string{}, Bcc: []string{},
		Subject: "iamsweep: 1 unused IAM role", Text: "text part", HTML: "<p>html part</p>", ConfigurationSet: "notices"}}
	got := srv.SentEmails()
	for i := range got {
		if got[i].Cc == nil {
			got[i].Cc = []string{}
		}
		if got[i].Bcc == nil {
			got[i].Bcc = []string{}
		}
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("sent (-want +got):\n%s", diff)
	}
	if n := srv.CallCount("SendEmail"); n != 1 {
		t.Errorf("%d SendEmail calls recorded", n)
	}
	if !strings.Contains(strings.Join(srv.Actions(), " "), "ses:SendEmail") {
		t.Errorf("actions %v, want ses:SendEmail", srv.Actions())
	}

	tests := []struct {
		name     string
		cfg      aws.Config
		in       func() *sesv2.SendEmailInput
		wantCode string
		wantMsg  string
	}{
		{"unverified sender", sdkConfig(srv, mailKey, mailRegion), func() *sesv2.SendEmailInput { return email("x@elsewhere.com", "alice@example.org") },
			"MessageRejected", "failed the check in region EU-WEST-1: x@elsewhere.com"},
		{"sandbox: unverified recipient", sdkConfig(srv, mailKey, mailRegion), func() *sesv2.SendEmailInput { return email("a@example.com", "bob@example.org") },
			"MessageRejected", "failed the check in region EU-WEST-1: bob@example.org"},
		{"sandbox: the mailbox simulator", sdkConfig(srv, mailKey, mailRegion), func() *sesv2.SendEmailInput {
			return email("a@example.com", "success@simulator.amazonses.com")
		}, "", ""},
		{"out of the sandbox", sdkConfig(srv, mailOtherKey, mailRegion), func() *sesv2.SendEmailInput { return email("a@example.net", "anyone@example.org") }, "", ""},
		{"another Region: nothing verified", sdkConfig(srv, mailKey, "us-east-1"), func() *sesv2.SendEmailInput { return email("a@example.com", "alice@example.org") },
			"MessageRejected", "US-EAST-1: a@example.com, alice@example.org"},
		{"unknown configuration set", sdkConfig(srv, mailKey, mailRegion), func() *sesv2.SendEmailInput {
			in := email("a@example.com", "alice@example.org")
			in.ConfigurationSetName = aws.String("nope")
			return in
		}, "NotFoundException", "<nope> does not exist"},
		{"illegal address", sdkConfig(srv, mailKey, mailRegion), func() *sesv2.SendEmailInput { return email("a@example.com", "not an address") },
			"BadRequestException", "Illegal address"},
		{"no body", sdkConfig(srv, mailKey, mailRegion), func() *sesv2.SendEmailInput {
			in := email("a@example.com", "alice@example.org")
			in.Content.Simple.Body = &sestypes.Body{}
			return in
		}, "BadRequestException", "Body"},
		{"too many recipients", sdkConfig(srv, mailKey, mailRegion), func() *sesv2.SendEmailInput {
			return email("a@example.com", strings.Split(strings.Repeat("alice@example.org,", 51), ",")[:51]...)
		}, "BadRequestException", "1 to 50"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := len(srv.SentEmails())
			_, err := sesv2.NewFromConfig(tt.cfg).SendEmail(ctx, tt.in())
			if got := code(err); got != tt.wantCode || (err != nil && !strings.Contains(err.Error(), tt.wantMsg)) {
				t.Fatalf("error %v, want code %q with %q", err, tt.wantCode, tt.wantMsg)
			}
			sent := len(srv.SentEmails()) - before
			if (tt.wantCode == "") != (sent == 1) {
				t.Errorf("%d messages recorded", sent)
			}
		})
	}
}

func TestSES_throttling(t *testing.T) {
	now := time.Date(2026, 11, 23, 0, 0, 0, 0, time.UTC)
	srv := mailServer(t, fakeaws.WithClock(func() time.Time { return now }),
		fakeaws.WithSES(mailRegion, mailAccount, fakeaws.SES{Identities: []string{"example.com"}, Production: true, MaxSendRate: 1}))
	c := sesv2.NewFromConfig(sdkConfig(srv, mailKey, mailRegion))
	if _, err := c.SendEmail(t.Context(), email("a@example.com", "b@example.org")); err != nil {
		t.Fatal(err)
	}
	_, err := c.SendEmail(t.Context(), email("a@example.com", "b@example.org"))
	var re interface{ HTTPStatusCode() int }
	if code(err) != "TooManyRequestsException" || !errors.As(err, &re) || re.HTTPStatusCode() != 429 {
		t.Fatalf("a second message in the same second: %v, want TooManyRequestsException (429)", err)
	}
	now = now.Add(time.Second)
	if _, err := c.SendEmail(t.Context(), email("a@example.com", "b@example.org")); err != nil {
		t.Errorf("a second later: %v", err)
	}
	if n := len(srv.SentEmails()); n != 2 {
		t.Errorf("%d messages recorded, want 2", n)
	}

	// Injected throttling speaks SES's words too.
	srv2 := mailServer(t, fakeaws.WithThrottleRate(1))
	_, err = sesv2.NewFromConfig(sdkConfig(srv2, mailKey, mailRegion)).SendEmail(t.Context(), email("a@example.com", "b@example.org"))
	if code(err) != "TooManyRequestsException" {
		t.Errorf("WithThrottleRate: %v, want TooManyRequestsException", err)
	}
}

func TestSNS_Publish(t *testing.T) {
	topic := "arn:aws:sns:" + mailRegion + ":" + mailAccount + ":iamsweep-notices"
	srv := mailServer(t, fakeaws.WithSNSTopics(topic))
	c := sns.NewFromConfig(sdkConfig(srv, mailKey, mailRegion))
	ctx := t.Context()
	out, err := c.Publish(ctx, &sns.PublishInput{TopicArn: aws.String(topic), Subject: aws.String("iamsweep: 2 unused IAM roles"), Message: aws.String("héllo\nworld")})
	if err != nil {
		t.Fatal(err)
	}
	want := []fakeaws.PublishedMessage{{MessageID: aws.ToString(out.MessageId), AccountID: mailAccount, Region: mailRegion, TopicARN: topic,
		Subject: "iamsweep: 2 unused IAM roles", Message: "héllo\nworld"}}
	if diff := cmp.Diff(want, srv.PublishedMessages()); diff != "" {
		t.Errorf("published (-want +got):\n%s", diff)
	}
	if !strings.Contains(strings.Join(srv.Actions(), " "), "sns:Publish") {
		t.Errorf("actions %v, want sns:Publish", srv.Actions())
	}

	tests := []struct {
		name     string
		cfg      aws.Config
		in       sns.PublishInput
		wantCode string
	}{
		{"no such topic", sdkConfig(srv, mailKey, mailRegion), sns.PublishInput{TopicArn: aws.String(topic + "-nope"), Message: aws.String("m")}, "NotFound"},
		{"another Region", sdkConfig(srv, mailKey, "us-east-1"), sns.PublishInput{TopicArn: aws.String(topic), Message: aws.String("m")}, "InvalidParameter"},
		{"another account's topic", sdkConfig(srv, mailOtherKey, mailRegion), sns.PublishInput{TopicArn: aws.String(topic), Message: aws.String("m")}, "AuthorizationError"},
		{"empty message", sdkConfig(srv, mailKey, mailRegion), sns.PublishInput{TopicArn: aws.String(topic), Message: aws.String("")}, "InvalidParameter"},
		{"message of 256 KB", sdkConfig(srv, mailKey, mailRegion), sns.PublishInput{TopicArn: aws.String(topic), Message: aws.String(strings.Repeat("x", 262144))}, ""},
		{"message over 256 KB", sdkConfig(srv, mailKey, mailRegion), sns.PublishInput{TopicArn: aws.String(topic), Message: aws.String(strings.Repeat("x", 262145))}, "InvalidParameter"},
		{"subject of 100", sdkConfig(srv, mailKey, mailRegion), sns.PublishInput{TopicArn: aws.String(topic), Message: aws.String("m"), Subject: aws.String(strings.Repeat("s", 100))}, ""},
		{"subject of 101", sdkConfig(srv, mailKey, mailRegion), sns.PublishInput{TopicArn: aws.String(topic), Message: aws.String("m"), Subject: aws.String(strings.Repeat("s", 101))}, "InvalidParameter"},
		{"subject with a line break", sdkConfig(srv, mailKey, mailRegion), sns.PublishInput{TopicArn: aws.String(topic), Message: aws.String("m"), Subject: aws.String("a\nb")}, "InvalidParameter"},
		{"subject not ASCII", sdkConfig(srv, mailKey, mailRegion), sns.PublishInput{TopicArn: aws.String(topic), Message: aws.String("m"), Subject: aws.String("héllo")}, "InvalidParameter"},
		{"subject starting with a space", sdkConfig(srv, mailKey, mailRegion), sns.PublishInput{TopicArn: aws.String(topic), Message: aws.String("m"), Subject: aws.String(" x")}, "InvalidParameter"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := len(srv.PublishedMessages())
			_, err := sns.NewFromConfig(tt.cfg).Publish(ctx, &tt.in)
			if got := code(err); got != tt.wantCode {
				t.Fatalf("error %v, want code %q", err, tt.wantCode)
			}
			if n := len(srv.PublishedMessages()) - before; (tt.wantCode == "") != (n == 1) {
				t.Errorf("%d messages recorded", n)
			}
		})
	}

	// Injected faults and throttling speak SNS's words.
	srv.InjectFault("", "sns:Publish", 1, 400, "Throttling", "Rate exceeded")
	if _, err := c.Publish(ctx, &sns.PublishInput{TopicArn: aws.String(topic), Message: aws.String("m")}); code(err) != "Throttling" {
		t.Errorf("an injected fault: %v", err)
	}
}
