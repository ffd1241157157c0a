package config

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestNotify_values(t *testing.T) {
	tests := []struct {
		name    string
		yaml    string
		want    Notify
		wantErr string
	}{
		{name: "defaults", yaml: "notify:\n", want: DefaultNotify()},
		{name: "webhooks", yaml: "notify:\n  slack-webhooks: [security=SLACK_SECURITY, team.a-1=TEAM_A_HOOK]\n",
			want: Notify{SlackWebhooks: []string{"security=SLACK_SECURITY", "team.a-1=TEAM_A_HOOK"}, EmailRate: 1, SNSRate: 10, SlackRate: 1}},
		{name: "one webhook, not a list", yaml: "notify:\n  slack-webhooks: security=SLACK_SECURITY\n",
			want: Notify{SlackWebhooks: []string{"security=SLACK_SECURITY"}, EmailRate: 1, SNSRate: 10, SlackRate: 1}},
		{name: "a webhook's URL inline", yaml: "notify:\n  slack-webhooks: [\"security=https://hooks.slack.com/services/T0/B0/XXXX\"]\n",
			wantErr: "iamsweep.yaml:2: notify.slack-webhooks: item 1: give the name of an environment variable that holds the webhook's URL (name=VARIABLE), never the URL: it is a secret"},
		{name: "a bare URL", yaml: "notify:\n  slack-webhooks: [\"https://hooks.slack.com/services/T0/B0/XXXX\"]\n",
			wantErr: "never the URL"},
		{name: "no variable", yaml: "notify:\n  slack-webhooks: [security]\n", wantErr: `want name=VARIABLE (a webhook name of lower-case letters, digits, _.- and the environment variable holding its URL), got "security"`},
		{name: "a variable with a dash", yaml: "notify:\n  slack-webhooks: [security=SLACK-URL]\n", wantErr: "want name=VARIABLE"},
		{name: "upper-case name", yaml: "notify:\n  slack-webhooks: [Security=SLACK_URL]\n", wantErr: "want name=VARIABLE"},
		{name: "the same name twice", yaml: "notify:\n  slack-webhooks: [a=X, b=Y, a=Z]\n",
			wantErr: `iamsweep.yaml:2: notify.slack-webhooks: item 3: webhook "a" named twice (first in item 1)`},
		{name: "rates", yaml: "notify:\n  email-rate: 14\n  sns-rate: 0.25\n  slack-rate: 1.0\n",
			want: Notify{EmailRate: 14, SNSRate: 0.25, SlackRate: 1}},
		{name: "rate zero", yaml: "notify:\n  email-rate: 0\n", wantErr: `iamsweep.yaml:2: notify.email-rate: want a number of messages a second, more than 0 (0.5, 1, 14), got "0"`},
		{name: "rate negative", yaml: "notify:\n  sns-rate: -1\n", wantErr: "notify.sns-rate: want a number"},
		{name: "rate NaN", yaml: "notify:\n  slack-rate: NaN\n", wantErr: "notify.slack-rate: want a number"},
		{name: "rate Inf", yaml: "notify:\n  slack-rate: Inf\n", wantErr: "notify.slack-rate: want a number"},
		{name: "rate hexadecimal", yaml: "notify:\n  slack-rate: 0x1p0\n", wantErr: "notify.slack-rate: want a number"},
		{name: "rate as a list", yaml: "notify:\n  slack-rate: [1]\n", wantErr: "notify.slack-rate: want a single number value"},
		{name: "sender", yaml: "notify:\n  from: \"iamsweep <iamsweep@example.com>\"\n  ses-region: eu-west-1\n  configuration-set: iamsweep_notices-1\n",
			want: Notify{From: "iamsweep <iamsweep@example.com>", SESRegion: "eu-west-1", ConfigurationSet: "iamsweep_notices-1", EmailRate: 1, SNSRate: 10, SlackRate: 1}},
		{name: "sender not an address", yaml: "notify:\n  from: iamsweep\n", wantErr: `iamsweep.yaml:2: notify.from: want an email address such as iamsweep@example.com (verified in Amazon SES), got "iamsweep"`},
		{name: "bad Region", yaml: "notify:\n  ses-region: Europe\n", wantErr: `iamsweep.yaml:2: notify.ses-region: want an AWS Region such as eu-west-1, got "Europe"`},
		{name: "GovCloud Region", yaml: "notify:\n  ses-region: us-gov-west-1\n", want: Notify{SESRegion: "us-gov-west-1", EmailRate: 1, SNSRate: 10, SlackRate: 1}},
		{name: "bad configuration set", yaml: "notify:\n  configuration-set: \"a b\"\n", wantErr: "notify.configuration-set: want an SES configuration set name"},
		{name: "unknown key", yaml: "notify:\n  webhook: x\n", wantErr: `iamsweep.yaml:2: notify: unknown key "webhook"; want one of from, ses-region, configuration-set, slack-webhooks, email-rate, sns-rate, slack-rate`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := Parse(strings.NewReader(tt.yaml), "iamsweep.yaml")
			if err == nil {
				err = c.Validate()
			}
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("error %v, want %q", err, tt.wantErr)
				}
				if strings.Contains(err.Error(), "XXXX") {
					t.Errorf("the error shows the webhook's secret URL: %v", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, c.Notify); diff != "" {
				t.Errorf("notify (-want +got):\n%s", diff)
			}
		})
	}
}

func TestNotify_Webhooks(t *testing.T) {
	n := Notify{SlackWebhooks: []string{"security=SLACK_SECURITY", "team-a=TEAM_A"}}
	want := map[string]string{"security": "SLACK_SECURITY", "team-a": "TEAM_A"}
	if diff := cmp.Diff(want, n.Webhooks()); diff != "" {
		t.Errorf("Webhooks (-want +got):\n%s", diff)
	}
}
