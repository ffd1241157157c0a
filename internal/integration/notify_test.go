//go:build integration

package integration

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sesv2"
	sestypes "github.com/aws/aws-sdk-go-v2/service/sesv2/types"
	"github.com/aws/aws-sdk-go-v2/service/sns"
	"github.com/aws/smithy-go"
	"github.com/google/go-cmp/cmp"

	"github.com/iamsweep/iamsweep"
	"github.com/iamsweep/iamsweep/internal/awsapi"
	"github.com/iamsweep/iamsweep/internal/config"
	"github.com/iamsweep/iamsweep/internal/notify"
)

// mailRegion is the Region the tests send mail and messages in.
const mailRegion = "eu-west-1"

// mailConfig is the environment's SDK configuration in mailRegion.
func (e *awsEnv) mailConfig() aws.Config {
	cfg := e.Config.Copy()
	cfg.Region = mailRegion
	return cfg
}

// motoMail is a message moto's SES recorded, as /moto-api/data.json shows
// it.
type motoMail struct {
	Source       string              `json:"source"`
	Subject      string              `json:"subject"`
	Body         string              `json:"body"`
	Destinations map[string][]string `json:"destinations"`
}

// motoSent reads what moto's SES sent and what its SNS topics were sent,
// by topic ARN ("subject\x00message" each), from moto's model data: the
// one window onto what moto delivered (it delivers nothing anywhere).
func motoSent(t *testing.T, m *moto) ([]motoMail, map[string][]string) {
	t.Helper()
	resp, err := http.Get(m.URL + "/moto-api/data.json")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	var data struct {
		SES struct {
			Message []motoMail `json:"Message"`
		} `json:"ses"`
		SNS struct {
			Topic []struct {
				ARN  string  `json:"arn"`
				Sent [][]any `json:"sent_notifications"` // [id, message, subject, attributes, group]
			} `json:"Topic"`
		} `json:"sns"`
	}
	if err := json.Unmarshal(b, &data); err != nil {
		t.Fatalf("moto's data.json: %v", err)
	}
	topics := map[string][]string{}
	for _, tp := range data.SNS.Topic {
		for _, n := range tp.Sent {
			subject, _ := n[2].(string)
			message, _ := n[1].(string)
			topics[tp.ARN] = append(topics[tp.ARN], subject+"\x00"+message)
		}
	}
	return data.SES.Message, topics
}

// seedMail verifies example.com in moto's SES and creates a topic.
func seedMail(t *testing.T, env *awsEnv) (topicARN string) {
	t.Helper()
	ctx := t.Context()
	cfg := env.mailConfig()
	if _, err := sesv2.NewFromConfig(cfg).CreateEmailIdentity(ctx, &sesv2.CreateEmailIdentityInput{EmailIdentity: aws.String("example.com")}); err != nil {
		t.Fatal(err)
	}
	out, err := sns.NewFromConfig(cfg).CreateTopic(ctx, &sns.CreateTopicInput{Name: aws.String("iamsweep-notices")})
	if err != nil {
		t.Fatal(err)
	}
	return aws.ToString(out.TopicArn)
}

// TestNotify_moto sends a notice by mail through moto's SES v2 and to
// moto's SNS, through the product's Router and AWS clients, and reads
// back what moto recorded: the subject, the HTML part with its links, the
// SNS subject and text, as rendered. A sender moto has not verified is
// refused (MessageRejected), a topic it does not hold is ErrNotFound.
func TestNotify_moto(t *testing.T) {
	env := newAWSEnv(t)
	ctx := t.Context()
	topic := seedMail(t, env)
	log := slog.New(slog.DiscardHandler)
	router := func(from string) *notify.Router {
		ses, err := awsapi.NewSES(env.Config, mailRegion, log)
		if err != nil {
			t.Fatal(err)
		}
		c := config.DefaultNotify()
		c.From, c.EmailRate, c.SNSRate = from, 100, 100
		r, err := notify.New(c, notify.Deps{Mailer: ses, Publisher: awsapi.NewSNS(env.Config, log), Log: log})
		if err != nil {
			t.Fatal(err)
		}
		return r
	}
	asOf := time.Date(2026, 11, 23, 0, 0, 0, 0, time.UTC)
	days := 200
	var items []iamsweep.NoticeItem
	for i, name := range []string{"deploy", "batch-import"} {
		items = append(items, iamsweep.NoticeItem{
			Finding: iamsweep.Finding{Type: iamsweep.TypeUnusedIAMRole, AccountID: motoAccount, ARN: "arn:aws:iam::" + motoAccount + ":role/" + name,
				Name: name, Verdict: iamsweep.VerdictUnused, Reason: "last used 200 days ago", DaysUnused: &days,
				LastUsed: iamsweep.Usage{Time: asOf.AddDate(0, 0, -days)}},
			Stage: iamsweep.StageNotice, Next: iamsweep.ActionQuarantine, NextAt: asOf.AddDate(0, 0, 28),
			Links: iamsweep.DecisionLinks{Keep: fmt.Sprintf("https://iamsweep.example.com/d/keep-%d?x=1&y=2", i),
				Remove: fmt.Sprintf("https://iamsweep.example.com/d/remove-%d", i), Snooze: fmt.Sprintf("https://iamsweep.example.com/d/snooze-%d", i)},
		})
	}
	mailNotice := iamsweep.Notice{ID: "n-1", To: iamsweep.Recipient{Kind: iamsweep.RecipientEmail, Address: "alice@example.org"},
		Owner: "alice@example.org", Items: items, Created: asOf}
	topicNotice := mailNotice
	topicNotice.ID, topicNotice.To = "n-2", iamsweep.Recipient{Kind: iamsweep.RecipientSNS, Address: topic}

	r := router("iamsweep <iamsweep@example.com>")
	for _, n := range []iamsweep.Notice{mailNotice, topicNotice} {
		if err := r.SendNotice(ctx, n); err != nil {
			t.Fatal(err)
		}
	}
	mails, topics := motoSent(t, env.Moto)
	want, err := notify.RenderEmail(mailNotice)
	if err != nil {
		t.Fatal(err)
	}
	// moto keeps the HTML part only (see the differences).
	wantMail := []motoMail{{Source: "iamsweep <iamsweep@example.com>", Subject: want.Subject, Body: want.HTML,
		Destinations: map[string][]string{"ToAddresses": {"alice@example.org"}}}}
	if diff := cmp.Diff(wantMail, mails); diff != "" {
		t.Errorf("the mail moto sent (-want +got):\n%s", diff)
	}
	if want.Subject != "iamsweep: 2 unused IAM principals of yours will be quarantined on 2026-12-21" {
		t.Errorf("subject %q", want.Subject)
	}
	if len(mails) == 1 {
		keeps := regexp.MustCompile(`<a [^>]*href="([^"]+)"[^>]*>Keep</a>`).FindAllStringSubmatch(mails[0].Body, -1)
		if len(keeps) != 2 || keeps[1][1] != "https://iamsweep.example.com/d/keep-1?x=1&amp;y=2" {
			t.Errorf("the Keep links of the mail moto holds: %q", keeps)
		}
	}
	subject, text, err := notify.RenderSNS(topicNotice)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(map[string][]string{topic: {subject + "\x00" + text}}, topics); diff != "" {
		t.Errorf("what moto's topic was sent (-want +got):\n%s", diff)
	}

	// A sender moto has not verified: MessageRejected, naming the
	// recipient; nothing more sent.
	err = router("iamsweep@elsewhere.example").SendNotice(ctx, mailNotice)
	if iamsweep.ErrorCode(err) != "MessageRejected" || !strings.Contains(err.Error(), "alice@example.org") {
		t.Errorf("an unverified sender: %v, want MessageRejected naming the recipient", err)
	}
	missing := topicNotice
	missing.To.Address = topic + "-gone"
	if err := r.SendNotice(ctx, missing); !errors.Is(err, iamsweep.ErrNotFound) {
		t.Errorf("a topic moto does not hold: %v, want ErrNotFound", err)
	}
	if mails, topics := motoSent(t, env.Moto); len(mails) != 1 || len(topics[topic]) != 1 {
		t.Errorf("moto sent %d mails and %d messages, want 1 and 1", len(mails), len(topics[topic]))
	}
}

// apiErrorCode returns the AWS error code of err, or its text.
func apiErrorCode(err error) string {
	var apiErr smithy.APIError
	if errors.As(err, &apiErr) {
		return apiErr.ErrorCode()
	}
	return fmt.Sprint(err)
}

// notifyDifferences are where moto's SES v2 and SNS differ from AWS's.
// They run on a moto of their own: moto's data.json, the one way to read
// what moto's SES sent, fails once IAM users have been deleted (as other
// differences do).
func notifyDifferences(t *testing.T) []difference {
	env := newAWSEnv(t)
	topic := seedMail(t, env)
	ses := sesv2.NewFromConfig(env.mailConfig())
	send := func(t *testing.T, from, to, configSet string) error {
		in := &sesv2.SendEmailInput{FromEmailAddress: aws.String(from), Destination: &sestypes.Destination{ToAddresses: []string{to}},
			Content: &sestypes.EmailContent{Simple: &sestypes.Message{Subject: &sestypes.Content{Data: aws.String("diff")},
				Body: &sestypes.Body{Text: &sestypes.Content{Data: aws.String("the text part")}, Html: &sestypes.Content{Data: aws.String("<p>the HTML part</p>")}}}}}
		if configSet != "" {
			in.ConfigurationSetName = aws.String(configSet)
		}
		_, err := ses.SendEmail(t.Context(), in)
		return err
	}
	topics := sns.NewFromConfig(env.mailConfig())
	publish := func(t *testing.T, c *sns.Client, arn, subject, message string) error {
		in := &sns.PublishInput{TopicArn: aws.String(arn), Message: aws.String(message)}
		if subject != "" {
			in.Subject = aws.String(subject)
		}
		_, err := c.Publish(t.Context(), in)
		return err
	}
	return []difference{
		{
			name: "SES v2 SendEmail keeps the HTML part only",
			aws: "SES sends a Simple message with both parts (multipart/alternative). moto records the HTML part alone, " +
				"so the text part is checked against internal/fakeaws (SentEmails).",
			check: func(t *testing.T) {
				if err := send(t, "a@example.com", "b@example.com", ""); err != nil {
					t.Fatal(err)
				}
				mails, _ := motoSent(t, env.Moto)
				if last := mails[len(mails)-1]; last.Body != "<p>the HTML part</p>" {
					t.Errorf("moto recorded %q; it used to keep the HTML part alone", last.Body)
				}
			},
		},
		{
			name: "SES v2 has no sandbox",
			aws: "A new account is in the SES sandbox: it may mail verified identities only (MessageRejected for any other " +
				"recipient). moto lets a verified sender mail anyone; the sandbox is tested against internal/fakeaws.",
			check: func(t *testing.T) {
				if err := send(t, "a@example.com", "someone@unverified.example", ""); err != nil {
					t.Errorf("an unverified recipient: %v; moto used to take it", err)
				}
			},
		},
		{
			name: "SES v2 SendEmail ignores ConfigurationSetName",
			aws:  "SES refuses a configuration set that does not exist (NotFoundException). moto takes any name.",
			check: func(t *testing.T) {
				if err := send(t, "a@example.com", "b@example.com", "no-such-set"); err != nil {
					t.Errorf("an unknown configuration set: %v; moto used to ignore it", err)
				}
			},
		},
		{
			name: "SES v2 refuses an address with SES v1's error",
			aws: "SES v2 answers a malformed address with BadRequestException. moto answers InvalidParameterValue (SES v1's " +
				"code); iamsweep checks recipients before sending and reports either as a final error.",
			check: func(t *testing.T) {
				err := send(t, "a@example.com", "not an address", "")
				if got := apiErrorCode(err); got != "InvalidParameterValue" {
					t.Errorf("a malformed address: %v; moto used to answer InvalidParameterValue", err)
				}
			},
		},
		{
			name: "SNS Publish takes any subject of up to 100 characters",
			aws: "SNS refuses a subject with line breaks, control or non-ASCII characters (InvalidParameter). moto checks the " +
				"length only; iamsweep makes its SNS subjects printable ASCII, and the rules are tested against internal/fakeaws.",
			check: func(t *testing.T) {
				for _, s := range []string{"héllo", "a\nb"} {
					if err := publish(t, topics, topic, s, "m"); err != nil {
						t.Errorf("subject %q: %v; moto used to take it", s, err)
					}
				}
			},
		},
		{
			name: "SNS Publish takes an empty message",
			aws:  "SNS refuses an empty message (InvalidParameter: Empty message). moto takes it; iamsweep never sends one.",
			check: func(t *testing.T) {
				if err := publish(t, topics, topic, "", ""); err != nil {
					t.Errorf("an empty message: %v; moto used to take it", err)
				}
			},
		},
		{
			name: "SNS Publish to another Region's topic is NotFound",
			aws: "SNS refuses a topic of another Region as an invalid TopicArn (InvalidParameter). moto answers NotFound " +
				"(\"Endpoint does not exist\"); iamsweep publishes in each topic's own Region.",
			check: func(t *testing.T) {
				cfg := env.mailConfig()
				cfg.Region = "us-west-2"
				err := publish(t, sns.NewFromConfig(cfg), topic, "", "m")
				if got := apiErrorCode(err); got != "NotFound" {
					t.Errorf("another Region's topic: %v; moto used to answer NotFound", err)
				}
			},
		},
	}
}
