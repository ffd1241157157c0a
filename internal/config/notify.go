package config

import (
	"errors"
	"fmt"
	"net/mail"
	"regexp"
	"strconv"
	"strings"

	"github.com/iamsweep/iamsweep"
)

// Notify is the config file's "notify" section: how iamsweep serve
// delivers its notices (see internal/notify). Secrets are never in it:
// a Slack webhook's URL is read from the environment variable the
// section names.
type Notify struct {
	// From is the sender of notice mail, an identity verified in Amazon
	// SES ("iamsweep@example.com" or "iamsweep <iamsweep@example.com>");
	// "" when no notice goes by mail.
	From string
	// SESRegion is the Region of Amazon SES; "" for the AWS
	// configuration's.
	SESRegion string
	// ConfigurationSet is the SES configuration set mail is sent with, or
	// "".
	ConfigurationSet string
	// SlackWebhooks name the Slack incoming webhooks and the environment
	// variables holding their URLs, "name=VARIABLE" (see Webhooks).
	SlackWebhooks []string
	// EmailRate, SNSRate and SlackRate bound the messages sent a second:
	// through SES, to SNS, and to each Slack webhook.
	EmailRate, SNSRate, SlackRate float64
}

// DefaultNotify returns the notify section's defaults: SES's sandbox
// rate of 1 message a second, 10 a second to SNS, and the 1 a second a
// Slack webhook takes.
func DefaultNotify() Notify {
	return Notify{EmailRate: 1, SNSRate: 10, SlackRate: 1}
}

// Webhooks returns the Slack webhooks: the environment variable holding
// each one's URL, by the webhook's name.
func (n Notify) Webhooks() map[string]string {
	out := make(map[string]string, len(n.SlackWebhooks))
	for _, w := range n.SlackWebhooks {
		name, env, _ := strings.Cut(w, "=")
		out[name] = env
	}
	return out
}

// validateNotify checks the notify section.
func (c Config) validateNotify() error {
	n := c.Notify
	if n.From != "" {
		if _, err := mail.ParseAddress(n.From); err != nil {
			return c.Invalid("notify.from", fmt.Errorf("want an email address such as iamsweep@example.com (verified in Amazon SES), got %s", iamsweep.Quote(n.From)))
		}
	}
	if n.SESRegion != "" && !regionPattern.MatchString(n.SESRegion) {
		return c.Invalid("notify.ses-region", fmt.Errorf("want an AWS Region such as eu-west-1, got %s", iamsweep.Quote(n.SESRegion)))
	}
	if n.ConfigurationSet != "" && !configSetPattern.MatchString(n.ConfigurationSet) {
		return c.Invalid("notify.configuration-set", fmt.Errorf("want an SES configuration set name (1-64 letters, digits, _ and -), got %s", iamsweep.Quote(n.ConfigurationSet)))
	}
	seen := map[string]int{}
	for i, w := range n.SlackWebhooks {
		name, _, _ := strings.Cut(w, "=")
		if first, dup := seen[name]; dup {
			return c.Invalid("notify.slack-webhooks", fmt.Errorf("item %d: webhook %s named twice (first in item %d)", i+1, iamsweep.Quote(name), first))
		}
		seen[name] = i + 1
	}
	return nil
}

// regionPattern matches an AWS Region name.
var regionPattern = regexp.MustCompile(`^[a-z]{2}(-[a-z]+)+-\d{1,2}$`)

// configSetPattern matches an SES configuration set name.
var configSetPattern = regexp.MustCompile(`^[A-Za-z0-9_-]{1,64}$`)

// webhookPattern matches "name=VARIABLE": a webhook's name (what a
// recipient slack:NAME names) and an environment variable's name.
var webhookPattern = regexp.MustCompile(`^([a-z0-9][a-z0-9_.-]{0,63})=([A-Za-z_][A-Za-z0-9_]{0,127})$`)

// webhooksValue is a list of Slack webhooks, "name=VARIABLE" each: the
// webhook's name and the environment variable that holds its URL, which
// is a secret and never in the file.
type webhooksValue struct{ listValue }

func webhooksVar(p *[]string) Value { return webhooksValue{listValue{p}} }

func (v webhooksValue) Set(s string) error {
	s = strings.TrimSpace(s)
	if !webhookPattern.MatchString(s) {
		if _, after, ok := strings.Cut(s, "="); ok && strings.Contains(after, "://") || strings.Contains(s, "hooks.slack.com") {
			return errors.New("give the name of an environment variable that holds the webhook's URL (name=VARIABLE), never the URL: it is a secret")
		}
		return fmt.Errorf("want name=VARIABLE (a webhook name of lower-case letters, digits, _.- and the environment variable holding its URL), got %s", iamsweep.Quote(s))
	}
	return v.listValue.Set(s)
}

func (v webhooksValue) Type() string { return "webhooks" }

// decimalPattern matches a decimal number: no sign, exponent, hexadecimal,
// infinity or NaN.
var decimalPattern = regexp.MustCompile(`^\d{1,9}(\.\d{1,9})?$`)

// rateValue is a number of messages a second, more than 0.
type rateValue struct{ p *float64 }

func rateVar(p *float64) Value { return rateValue{p} }

func (v rateValue) Set(s string) error {
	t := strings.TrimSpace(s)
	f, err := strconv.ParseFloat(t, 64)
	if err != nil || !decimalPattern.MatchString(t) || f <= 0 || f > 100000 {
		return fmt.Errorf("want a number of messages a second, more than 0 (0.5, 1, 14), got %s", iamsweep.Quote(s))
	}
	*v.p = f
	return nil
}

func (v rateValue) String() string { return strconv.FormatFloat(*v.p, 'f', -1, 64) }
func (v rateValue) Type() string   { return "rate" }
