package awsapi

import (
	"context"
	"errors"
	"os"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/iamsweep/iamsweep"
	"github.com/iamsweep/iamsweep/internal/fakeaws"
	"github.com/iamsweep/iamsweep/internal/policy"
)

const mailRegion = "eu-west-1"

func sesFor(t *testing.T, srv *fakeaws.Server, region string) *SES {
	t.Helper()
	s, err := NewSES(testConfig(srv), region, quietLogger())
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func mailServer(t *testing.T, opts ...fakeaws.Option) *fakeaws.Server {
	t.Helper()
	return fakeaws.New(t, append([]fakeaws.Option{fakeaws.WithAccounts(&fakeaws.Account{ID: testAccountID}),
		fakeaws.WithSES(mailRegion, testAccountID, fakeaws.SES{Identities: []string{"example.com"}, ConfigurationSets: []string{"notices"}, Production: true})},
		opts...)...)
}

func TestSES_SendEmail(t *testing.T) {
	srv := mailServer(t)
	s := sesFor(t, srv, mailRegion)
	if s.Region() != mailRegion {
		t.Errorf("Region %q", s.Region())
	}
	m := Email{From: "iamsweep <iamsweep@example.com>", To: "alice@example.org", Subject: "s", Text: "text", HTML: "<p>html</p>", ConfigurationSet: "notices"}
	id, err := s.SendEmail(t.Context(), m)
	if err != nil {
		t.Fatal(err)
	}
	sent := srv.SentEmails()
	if len(sent) != 1 {
		t.Fatalf("%d messages sent", len(sent))
	}
	got := Email{From: sent[0].From, To: strings.Join(sent[0].To, ","), Subject: sent[0].Subject, Text: sent[0].Text, HTML: sent[0].HTML,
		ConfigurationSet: sent[0].ConfigurationSet}
	if diff := cmp.Diff(m, got); diff != "" || sent[0].MessageID != id || sent[0].Region != mailRegion {
		t.Errorf("sent %+v, id %q (-want +got):\n%s", sent[0], id, diff)
	}

	// A text-only message has no HTML part, and no configuration set.
	if _, err := s.SendEmail(t.Context(), Email{From: "a@example.com", To: "b@example.org", Subject: "s", Text: "t"}); err != nil {
		t.Fatal(err)
	}
	if last := srv.SentEmails()[1]; last.HTML != "" || last.ConfigurationSet != "" {
		t.Errorf("sent %+v", last)
	}
}

func TestSES_SendEmail_errors(t *testing.T) {
	srv := mailServer(t)
	s := sesFor(t, srv, mailRegion)
	ctx := t.Context()
	_, err := s.SendEmail(ctx, Email{From: "x@elsewhere.com", To: "alice@example.org", Subject: "s", Text: "t"})
	if iamsweep.ErrorCode(err) != "MessageRejected" || !strings.Contains(err.Error(), "alice@example.org") || !strings.Contains(err.Error(), mailRegion) {
		t.Errorf("an unverified sender: %v; want MessageRejected naming the recipient and the Region", err)
	}
	_, err = s.SendEmail(ctx, Email{From: "a@example.com", To: "alice@example.org", Subject: "s", Text: "t", ConfigurationSet: "nope"})
	if !errors.Is(err, iamsweep.ErrNotFound) {
		t.Errorf("an unknown configuration set: %v", err)
	}
	if _, err := NewSES(testConfig(srv), "", quietLogger()); err != nil {
		t.Errorf("the configuration's Region: %v", err)
	}
	cfg := testConfig(srv)
	cfg.Region = ""
	if _, err := NewSES(cfg, "", quietLogger()); err == nil || !strings.Contains(err.Error(), "notify.ses-region") {
		t.Errorf("no Region at all: %v", err)
	}
}

// TestSES_SendEmail_throttling: the SDK's retryer retries SES's
// throttling; throttling that outlasts its attempts is ErrThrottled.
func TestSES_SendEmail_throttling(t *testing.T) {
	srv := mailServer(t, fakeaws.WithFault("", "ses:SendEmail", 2, 429, "TooManyRequestsException", "Maximum sending rate exceeded."))
	s := sesFor(t, srv, mailRegion)
	m := Email{From: "a@example.com", To: "b@example.org", Subject: "s", Text: "t"}
	if _, err := s.SendEmail(t.Context(), m); err != nil {
		t.Fatalf("throttled twice: %v, want it sent on the third attempt", err)
	}
	if n, sent := srv.CallCount("SendEmail"), len(srv.SentEmails()); n != 3 || sent != 1 {
		t.Errorf("%d calls, %d sent; want 3 and 1", n, sent)
	}
	srv.InjectFault("", "ses:SendEmail", -1, 429, "TooManyRequestsException", "Maximum sending rate exceeded.")
	_, err := s.SendEmail(t.Context(), m)
	if !errors.Is(err, iamsweep.ErrThrottled) || !strings.Contains(err.Error(), "b@example.org") {
		t.Errorf("throttled on every attempt: %v, want ErrThrottled naming the recipient", err)
	}
}

func TestSNS_Publish(t *testing.T) {
	topicEU := "arn:aws:sns:eu-west-1:" + testAccountID + ":iamsweep"
	topicUS := "arn:aws:sns:us-west-2:" + testAccountID + ":iamsweep"
	srv := fakeaws.New(t, fakeaws.WithAccounts(&fakeaws.Account{ID: testAccountID}), fakeaws.WithSNSTopics(topicEU, topicUS))
	s := NewSNS(testConfig(srv), quietLogger())
	ctx := t.Context()
	for _, topic := range []string{topicEU, topicUS} {
		if _, err := s.Publish(ctx, topic, "subject", "message to "+topic); err != nil {
			t.Fatalf("%s: %v", topic, err)
		}
	}
	if _, err := s.Publish(ctx, topicEU, "", "no subject"); err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, m := range srv.PublishedMessages() {
		got = append(got, m.Region+" "+m.Subject+" "+m.Message)
	}
	want := []string{"eu-west-1 subject message to " + topicEU, "us-west-2 subject message to " + topicUS, "eu-west-1  no subject"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("published, each in its topic's Region (-want +got):\n%s", diff)
	}

	_, err := s.Publish(ctx, topicEU+"-nope", "", "m")
	if !errors.Is(err, iamsweep.ErrNotFound) || !strings.Contains(err.Error(), topicEU+"-nope") {
		t.Errorf("no such topic: %v, want ErrNotFound naming the topic", err)
	}
	for _, bad := range []string{"", "arn:aws:sqs:eu-west-1:" + testAccountID + ":q", "topic"} {
		if _, err := s.Publish(ctx, bad, "", "m"); err == nil || !strings.Contains(err.Error(), "not an SNS topic ARN") {
			t.Errorf("Publish to %q: %v", bad, err)
		}
	}
	srv.InjectFault("", "sns:Publish", -1, 400, "Throttling", "Rate exceeded")
	if _, err := s.Publish(ctx, topicEU, "", "m"); !errors.Is(err, iamsweep.ErrThrottled) {
		t.Errorf("throttled on every attempt: %v, want ErrThrottled", err)
	}
}

// notifyPolicyFile is the policy iamsweep serve needs to send notices.
const notifyPolicyFile = "../../policies/iamsweep-notify.json"

// TestNotifyPolicy_CoversEveryCall runs every method of SES and SNS that
// takes a context against the fake and checks that the policy allows
// exactly the actions they call.
func TestNotifyPolicy_CoversEveryCall(t *testing.T) {
	data, err := os.ReadFile(notifyPolicyFile)
	if err != nil {
		t.Fatal(err)
	}
	doc, err := policy.Parse(data)
	if err != nil {
		t.Fatalf("%s: %v", notifyPolicyFile, err)
	}
	topic := "arn:aws:sns:" + mailRegion + ":" + testAccountID + ":iamsweep"
	srv := mailServer(t, fakeaws.WithSNSTopics(topic))
	ctx := t.Context()
	ctxType := reflect.TypeFor[context.Context]()
	for _, client := range []any{sesFor(t, srv, mailRegion), NewSNS(testConfig(srv), quietLogger())} {
		v := reflect.ValueOf(client)
		for i := 0; i < v.NumMethod(); i++ {
			m, name := v.Method(i), v.Type().Method(i).Name
			if m.Type().NumIn() == 0 || m.Type().In(0) != ctxType {
				continue
			}
			var err error
			switch c := client.(type) {
			case *SES:
				if name != "SendEmail" {
					t.Errorf("SES.%s takes a context but this test does not call it: extend it", name)
					continue
				}
				_, err = c.SendEmail(ctx, Email{From: "a@example.com", To: "b@example.org", Subject: "s", Text: "t"})
			case *SNS:
				if name != "Publish" {
					t.Errorf("SNS.%s takes a context but this test does not call it: extend it", name)
					continue
				}
				_, err = c.Publish(ctx, topic, "s", "m")
			}
			if err != nil {
				t.Fatal(err)
			}
		}
	}
	called := srv.Actions()
	if diff := cmp.Diff([]string{"ses:SendEmail", "sns:Publish"}, called); diff != "" {
		t.Errorf("actions called (-want +got):\n%s", diff)
	}
	var granted []string
	for i, s := range doc.Statements {
		if s.Effect != "Allow" || s.Principal != nil || s.NotActions != nil || s.NotResources != nil || len(s.Resources) == 0 {
			t.Errorf("statement %d (%s) is not a plain Allow", i, s.Sid)
		}
		granted = append(granted, s.Actions...)
	}
	for _, a := range called {
		if !slices.ContainsFunc(granted, func(g string) bool { return strings.EqualFold(g, a) }) {
			t.Errorf("the code calls %s, which %s does not allow", a, notifyPolicyFile)
		}
	}
	for _, g := range granted {
		if !slices.ContainsFunc(called, func(a string) bool { return strings.EqualFold(g, a) }) {
			t.Errorf("%s grants %s, which the code never calls (called %v)", notifyPolicyFile, g, called)
		}
	}
}
