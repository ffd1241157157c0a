// Package notify renders the owner workflow's notices and delivers them:
// it implements iamsweep.NoticeSender.
//
// Rendering is pure: RenderEmail makes a notice's subject line, plain
// text and HTML (html/template: every principal name, tag value, reason
// and note is escaped); RenderSNS its text within SNS's limits;
// RenderSlack its Slack messages (blocks with the findings themselves,
// split within Slack's limits). Every item shows the principal (type,
// name, ARN, account), why it is unused, its idle age, what happens next
// and when, the note, and its Keep, Remove and Snooze links as given:
// each link opens a confirmation page, and nothing changes until the
// reader confirms there. A notice that goes to the security team says
// why.
//
// A Router delivers a notice through the channel its recipient names:
// mail through Amazon SES (awsapi.SES), an Amazon SNS topic (awsapi.SNS),
// or a Slack-compatible incoming webhook (plain net/http; its URL is a
// secret read from the environment and never logged). Each channel is
// rate limited (golang.org/x/time/rate). The AWS channels are retried by
// the SDK's retryer; the webhook by the Router, with backoff and Slack's
// Retry-After. Throttling that outlasts the retries is an error wrapping
// iamsweep.ErrThrottled, so that the caller sends the notice again later.
//
// Layer: adapter. It imports the root package, the pure config package,
// x/time and, as the one adapter allowed to, internal/awsapi for SES and
// SNS.
package notify
