package notify

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/iamsweep/iamsweep"
)

// SlackMessage is one message to a Slack incoming webhook: the findings
// themselves in Block Kit blocks, with a plain text fallback for
// notifications.
type SlackMessage struct {
	Text   string       `json:"text"`
	Blocks []SlackBlock `json:"blocks"`
	// UnfurlLinks and UnfurlMedia are false: Slack is not to fetch the
	// decision links for previews.
	UnfurlLinks bool `json:"unfurl_links"`
	UnfurlMedia bool `json:"unfurl_media"`
}

// SlackBlock is a Block Kit block: a header, a section or a context.
type SlackBlock struct {
	Type     string      `json:"type"`
	Text     *SlackText  `json:"text,omitempty"`
	Elements []SlackText `json:"elements,omitempty"`
}

// SlackText is a text object: plain_text or mrkdwn.
type SlackText struct {
	Type string `json:"type"`
	Text string `json:"text"`
}

// Slack's limits on a message (Block Kit reference) and the bounds
// iamsweep keeps within them.
const (
	slackMaxBlocks      = 50
	slackMaxSectionText = 3000
	slackMaxHeader      = 150
	// slackBudget bounds the text of one message's blocks: Slack refuses
	// messages whose blocks hold much more than 13,000 characters in all
	// (msg_blocks_too_long), below its documented limits.
	slackBudget = 11000
	// slackMaxItems bounds the items of one message, leaving room for the
	// header, the introduction, the alert, the count of items left out
	// and the footer within 50 blocks.
	slackMaxItems = slackMaxBlocks - 5
	// slackMaxMessages bounds the messages of one notice; the last one
	// says how many items it leaves out.
	slackMaxMessages = 10
	// slackMaxFallback bounds the plain text fallback.
	slackMaxFallback = 3000
)

// RenderSlack renders n as Slack messages: a header, the introduction
// (and why the notice went to the security team), one section per item
// with its links, and a footer that says that each link opens a
// confirmation page. A notice too large for one message is split into
// several ("(2/3)"); one too large for ten lists the items that fit and
// says how many it leaves out. All text is escaped for mrkdwn, so that a
// principal's name cannot mention a channel or forge a link.
func RenderSlack(n iamsweep.Notice) []SlackMessage {
	v := newView(n)
	intro := mrkdwn(v.Intro)
	if v.Fallback != "" {
		intro += "\n*Why it came to the security team:* " + mrkdwn(v.Fallback)
	}
	if v.Owner != "" {
		intro += "\nOwner tag: " + code(v.Owner)
	}
	var alert string
	if v.Alert != "" {
		alert = ":rotating_light: *Alert:* " + mrkdwn(v.Alert)
	}

	// Cut the items into messages within the block and text budgets.
	var parts [][]string
	var cur []string
	size := len(intro) + len(alert)
	for _, it := range v.Items {
		t := slackItem(it)
		if len(cur) > 0 && (len(cur) == slackMaxItems || size+len(t) > slackBudget) {
			parts = append(parts, cur)
			cur, size = nil, 0
		}
		cur = append(cur, t)
		size += len(t)
	}
	parts = append(parts, cur)
	omitted := 0
	if len(parts) > slackMaxMessages {
		for _, p := range parts[slackMaxMessages:] {
			omitted += len(p)
		}
		parts = parts[:slackMaxMessages]
		// Room for the count of items left out.
		if last := parts[len(parts)-1]; len(last) > 1 {
			omitted++
			parts[len(parts)-1] = last[:len(last)-1]
		}
	}

	footer := "Notice " + mrkdwn(v.NoticeID)
	if v.Created != "" {
		footer += ", " + v.Created
	}
	footer += ". Sent by iamsweep."
	if v.HasLinks {
		footer = "Each link opens a confirmation page: nothing changes until you confirm there. Each link works once. " + footer
	} else {
		footer = "To keep one of them, ask your security team to record an exception, with your reason and an end date. " + footer
	}
	out := make([]SlackMessage, 0, len(parts))
	for i, items := range parts {
		head := v.Subject
		if len(parts) > 1 {
			head = fmt.Sprintf("%s (%d/%d)", head, i+1, len(parts))
		}
		// The fallback text is mrkdwn, where mentions work: escaped. The
		// header is plain_text, shown as it is.
		m := SlackMessage{Text: mrkdwn(cut(head, slackMaxFallback))}
		m.Blocks = append(m.Blocks, SlackBlock{Type: "header", Text: &SlackText{Type: "plain_text", Text: headerText(v.Subject, i, len(parts))}})
		if i == 0 {
			if alert != "" {
				m.Blocks = append(m.Blocks, section(alert))
			}
			m.Blocks = append(m.Blocks, section(intro))
		}
		for _, t := range items {
			m.Blocks = append(m.Blocks, section(t))
		}
		if i == len(parts)-1 && omitted > 0 {
			m.Blocks = append(m.Blocks, section(fmt.Sprintf("_… and %d more not shown here: the notice is too long for Slack. The mail and the dashboard list them all._", omitted)))
		}
		m.Blocks = append(m.Blocks, SlackBlock{Type: "context", Elements: []SlackText{{Type: "mrkdwn", Text: footer}}})
		out = append(out, m)
	}
	return out
}

// slackItem renders one item as a section's mrkdwn, within Slack's 3,000
// characters: long reasons and notes are cut first, then links that do
// not fit are left to the mail.
func slackItem(it item) string {
	for _, limit := range []int{maxText, 300} {
		t := slackItemText(it, limit, true)
		if utf8.RuneCountInString(t) <= slackMaxSectionText {
			return t
		}
	}
	return cut(slackItemText(it, 300, false), slackMaxSectionText)
}

func slackItemText(it item, limit int, links bool) string {
	var b strings.Builder
	title := mrkdwn(it.Title)
	if it.Urgent {
		title = ":rotating_light: " + title
	}
	fmt.Fprintf(&b, "*%d. %s*\n", it.N, title)
	fmt.Fprintf(&b, "%s\n", code(it.ARN))
	fmt.Fprintf(&b, "*Account:* %s\n", mrkdwn(it.Account))
	fmt.Fprintf(&b, "*Status:* %s\n", mrkdwn(it.Status))
	fmt.Fprintf(&b, "*Reason:* %s\n", mrkdwn(cut(it.Reason, limit)))
	fmt.Fprintf(&b, "*Idle:* %s\n", mrkdwn(it.Idle))
	fmt.Fprintf(&b, "*Next:* %s", mrkdwn(it.Next))
	if it.Note != "" {
		fmt.Fprintf(&b, "\n*Note:* %s", mrkdwn(cut(it.Note, limit)))
	}
	var ls []string
	for _, l := range []struct{ url, label string }{{it.Keep, "Keep"}, {it.Remove, "Remove now"}, {it.Snooze, "Snooze"}} {
		if l.url != "" {
			ls = append(ls, "<"+slackURL(l.url)+"|"+l.label+">")
		}
	}
	switch {
	case len(ls) > 0 && links:
		b.WriteString("\n" + strings.Join(ls, "  ·  "))
	case len(ls) > 0:
		b.WriteString("\n_Its links are too long for Slack: the mail has them._")
	}
	return b.String()
}

func section(text string) SlackBlock {
	return SlackBlock{Type: "section", Text: &SlackText{Type: "mrkdwn", Text: text}}
}

// headerText is the header of part i of n: the subject line without its
// "iamsweep: " prefix (the sender says it), within 150 characters.
func headerText(subject string, i, n int) string {
	s := strings.TrimPrefix(subject, "iamsweep: ")
	suffix := ""
	if n > 1 {
		suffix = fmt.Sprintf(" (%d/%d)", i+1, n)
	}
	return cut(s, slackMaxHeader-utf8.RuneCountInString(suffix)) + suffix
}

// mrkdwn escapes text for Slack's mrkdwn: &, < and > are the characters
// that make mentions (<!channel>), links and entities.
func mrkdwn(s string) string { return mrkdwnEscaper.Replace(s) }

var mrkdwnEscaper = strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;")

// code renders s as inline code: escaped, without the backquotes that
// would end the span.
func code(s string) string {
	return "`" + mrkdwn(strings.ReplaceAll(s, "`", "'")) + "`"
}

// slackURL escapes a link's URL for <URL|label>: mrkdwn's three
// characters, and the bar that would end the URL.
func slackURL(u string) string {
	return strings.ReplaceAll(mrkdwn(u), "|", "%7C")
}

// cut returns s cut to max characters, with an ellipsis when cut.
func cut(s string, max int) string {
	if utf8.RuneCountInString(s) <= max {
		return s
	}
	r := []rune(s)
	return string(r[:max-1]) + "…"
}

// encode encodes m as a webhook's request body, without escaping <, >
// and & (Slack reads mrkdwn's own escapes, which are already there).
func (m SlackMessage) encode() ([]byte, error) {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(m); err != nil {
		return nil, err
	}
	return bytes.TrimSuffix(b.Bytes(), []byte("\n")), nil
}
