package notify

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"regexp"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/google/go-cmp/cmp"

	"github.com/iamsweep/iamsweep"
	"github.com/iamsweep/iamsweep/internal/golden"
)

func TestSubject(t *testing.T) {
	item := func(f iamsweep.Finding, st iamsweep.Stage, next iamsweep.ActionKind, at time.Time) iamsweep.NoticeItem {
		return iamsweep.NoticeItem{Finding: f, Stage: st, Next: next, NextAt: at}
	}
	q := quarantineAt
	role := idleRole("deploy", 200)
	tests := []struct {
		name     string
		items    []iamsweep.NoticeItem
		fallback string
		want     string
	}{
		{"three to be quarantined", []iamsweep.NoticeItem{
			item(role, iamsweep.StageNotice, iamsweep.ActionQuarantine, q),
			item(idleRole("b", 100), iamsweep.StageNotice, iamsweep.ActionQuarantine, q),
			item(idleRole("c", 100), iamsweep.StageQuarantineWarning, iamsweep.ActionQuarantine, q.Add(5*time.Hour)),
		}, "", "iamsweep: 3 unused IAM principals of yours will be quarantined on 2026-12-21"},
		{"one", []iamsweep.NoticeItem{item(role, iamsweep.StageNotice, iamsweep.ActionQuarantine, q)}, "",
			"iamsweep: your unused IAM role deploy will be quarantined on 2026-12-21"},
		{"different dates", []iamsweep.NoticeItem{
			item(role, iamsweep.StageNotice, iamsweep.ActionQuarantine, q.AddDate(0, 0, 3)),
			item(idleRole("b", 100), iamsweep.StageNotice, iamsweep.ActionQuarantine, q),
		}, "", "iamsweep: 2 unused IAM principals of yours will be quarantined from 2026-12-21"},
		{"different steps", []iamsweep.NoticeItem{
			item(role, iamsweep.StageNotice, iamsweep.ActionQuarantine, q),
			item(idleKey(), iamsweep.StageNotice, iamsweep.ActionDeleteKey, q),
		}, "", "iamsweep: 2 unused IAM principals and credentials of yours will be quarantined or deleted on 2026-12-21"},
		{"credentials only", []iamsweep.NoticeItem{
			item(idleKey(), iamsweep.StageNotice, iamsweep.ActionDeactivateKey, q),
			item(idleKey(), iamsweep.StageNotice, iamsweep.ActionDeactivateKey, q),
		}, "", "iamsweep: 2 unused IAM credentials of yours will be deactivated on 2026-12-21"},
		{"nothing scheduled", []iamsweep.NoticeItem{item(role, iamsweep.StageNotice, "", time.Time{})}, "",
			"iamsweep: your unused IAM role deploy"},
		{"a step without a date", []iamsweep.NoticeItem{item(role, iamsweep.StageNotice, iamsweep.ActionQuarantine, time.Time{})}, "",
			"iamsweep: your unused IAM role deploy will be quarantined"},
		{"no owner", []iamsweep.NoticeItem{item(idleKey(), iamsweep.StageNotice, iamsweep.ActionDeactivateKey, q)}, "no owner tag",
			"iamsweep: unused access key AKIA…MPLE of IAM user bob without an owner will be deactivated on 2026-12-21"},
		{"no owner, several", []iamsweep.NoticeItem{
			item(role, iamsweep.StageNotice, iamsweep.ActionQuarantine, q),
			item(role, iamsweep.StageNotice, iamsweep.ActionQuarantine, q),
		}, "no owner tag", "iamsweep: 2 unused IAM principals without an owner will be quarantined on 2026-12-21"},
		{"quarantined", []iamsweep.NoticeItem{item(role, iamsweep.StageQuarantined, iamsweep.ActionDelete, q)}, "",
			"iamsweep: your unused IAM role deploy was quarantined, and will be deleted on 2026-12-21"},
		{"deletion warning", []iamsweep.NoticeItem{
			item(role, iamsweep.StageDeleteWarning, iamsweep.ActionDelete, q),
			item(role, iamsweep.StageDeleteWarning, iamsweep.ActionDelete, q),
		}, "", "iamsweep: 2 quarantined IAM principals of yours will be deleted on 2026-12-21"},
		{"deleted", []iamsweep.NoticeItem{item(role, iamsweep.StageDeleted, "", time.Time{})}, "",
			"iamsweep: your unused IAM role deploy was deleted (its backup is kept)"},
		{"exception expired", []iamsweep.NoticeItem{item(role, iamsweep.StageExceptionExpired, iamsweep.ActionQuarantine, q)}, "",
			"iamsweep: the exception expired for your IAM role deploy, which will be quarantined on 2026-12-21"},
		{"tripwire first", []iamsweep.NoticeItem{
			item(role, iamsweep.StageNotice, iamsweep.ActionQuarantine, q),
			item(idleRole("dr", 1), iamsweep.StageTripwire, "", time.Time{}),
			item(role, iamsweep.StageDeleted, "", time.Time{}),
		}, "", "iamsweep: ALERT: your quarantined IAM role dr was used; its deletion is stopped (and 2 more)"},
		{"two tripwires", []iamsweep.NoticeItem{
			item(role, iamsweep.StageTripwire, "", time.Time{}),
			item(role, iamsweep.StageTripwire, "", time.Time{}),
		}, "", "iamsweep: ALERT: 2 quarantined IAM principals of yours were used; their deletion is stopped"},
		{"a hostile name", []iamsweep.NoticeItem{item(iamsweep.Finding{Type: iamsweep.TypeUnusedIAMUser,
			Name: "x\r\nBcc: victim@example.com\u202e" + strings.Repeat("y", 200)}, iamsweep.StageNotice, "", time.Time{})}, "",
			"iamsweep: your unused IAM user x Bcc: victim@example.com" + strings.Repeat("y", 39) + "…"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := subject(iamsweep.Notice{Items: tt.items, Fallback: tt.fallback})
			if got != tt.want {
				t.Errorf("subject\n got %q\nwant %q", got, tt.want)
			}
		})
	}
}

func TestRenderEmail(t *testing.T) {
	tests := []struct {
		name string
		n    iamsweep.Notice
	}{
		{"owner", ownerNotice()},
		{"fallback", fallbackNotice()},
		{"tripwire", tripwireNotice()},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m, err := RenderEmail(tt.n)
			if err != nil {
				t.Fatal(err)
			}
			golden.Check(t, tt.name+".txt", "Subject: "+m.Subject+"\n\n"+m.Text)
			golden.Check(t, tt.name+".html", m.HTML)
			// Every item, with every link, is in both parts.
			for _, it := range tt.n.Items {
				for _, want := range []string{it.Finding.ARN, it.Finding.Reason, it.Links.Keep, it.Links.Remove, it.Links.Snooze} {
					if !strings.Contains(m.Text, want) || !strings.Contains(m.HTML, want) {
						t.Errorf("%q missing from a part", want)
					}
				}
			}
			if !strings.Contains(m.Text, "nothing changes until you confirm") || !strings.Contains(m.HTML, "nothing changes until you confirm") {
				t.Error("the mail does not say that the links only open a confirmation page")
			}
		})
	}
}

// TestRenderEmail_hostileInput: what a principal's tags, name or reason
// hold (and even the links) cannot inject markup into the HTML part,
// forge lines in the text part, or hide behind invisible characters.
func TestRenderEmail_hostileInput(t *testing.T) {
	f := idleRole("deploy", 200)
	f.Name = `<script>alert("name")</script>`
	f.AccountName = `"><img src=x onerror=alert(1)>`
	f.Reason = "<b>bold</b> & \u202egnp.exe\u202c"
	n := iamsweep.Notice{
		ID: "n-<i>", To: iamsweep.Recipient{Kind: iamsweep.RecipientEmail, Address: "a@example.com"}, Created: asOf,
		Owner:    `alice" onmouseover="alert(1)`,
		Fallback: "owner tag \"<a href='https://evil.example'>click</a>\" is not an email address",
		Items: []iamsweep.NoticeItem{{
			Finding: f, Stage: iamsweep.StageNotice, Next: iamsweep.ActionQuarantine, NextAt: quarantineAt,
			Note:  "fine\n   Keep:       https://evil.example/steal",
			Links: iamsweep.DecisionLinks{Keep: "javascript:alert(1)", Remove: "https://iamsweep.example.com/d/a?x=1&y=<2>", Snooze: "data:text/html,<script>"},
		}},
	}
	m, err := RenderEmail(n)
	if err != nil {
		t.Fatal(err)
	}
	for _, bad := range []string{"<script", "<img", "<b>", "<a href='https://evil", "onmouseover=\"", "javascript:", "data:text", "<i>", "\u202e"} {
		if strings.Contains(m.HTML, bad) {
			t.Errorf("the HTML part holds %q:\n%s", bad, m.HTML)
		}
	}
	for _, want := range []string{"&lt;script&gt;", "&lt;b&gt;bold&lt;/b&gt; &amp; gnp.exe", "&#34;&gt;&lt;img src=x onerror=alert(1)&gt;",
		`href="https://iamsweep.example.com/d/a?x=1&amp;y=%3c2%3e"`} {
		if !strings.Contains(m.HTML, want) {
			t.Errorf("the HTML part lacks %q:\n%s", want, m.HTML)
		}
	}
	if strings.Count(m.HTML, "<a ") != 1 {
		t.Errorf("%d links in the HTML part, want the one valid link", strings.Count(m.HTML, "<a "))
	}
	// The note's line break is gone: it cannot forge a Keep line.
	if regexp.MustCompile(`(?m)^\s*Keep:\s+https://evil`).MatchString(m.Text) || strings.Contains(m.Text, "javascript:") {
		t.Errorf("the text part has a forged or unsafe link line:\n%s", m.Text)
	}
	if !strings.Contains(m.Text, "Note:       fine Keep: https://evil.example/steal") {
		t.Errorf("the note is not on one line:\n%s", m.Text)
	}
	if strings.ContainsAny(m.Subject, "\r\n") {
		t.Errorf("subject %q", m.Subject)
	}
}

func TestClean(t *testing.T) {
	tests := []struct {
		in   string
		max  int
		want string
	}{
		{"plain", 10, "plain"},
		{"  a\t\tb\r\nc  ", 10, "a b c"},
		{"right\u202etxt.exe", 20, "righttxt.exe"},
		{"zero\u200bwidth\ufeff", 20, "zerowidth"},
		{"bell\a", 10, "bell"},
		{"abcdef", 3, "abc…"},
		{"ééééé", 4, "éééé…"},
		{"bad\xffutf8", 20, "bad\ufffdutf8"},
		{"", 5, ""},
	}
	for _, tt := range tests {
		if got := clean(tt.in, tt.max); got != tt.want {
			t.Errorf("clean(%q, %d) = %q, want %q", tt.in, tt.max, got, tt.want)
		}
	}
}

func TestLink(t *testing.T) {
	tests := []struct{ in, want string }{
		{"https://iamsweep.example.com/d/tok", "https://iamsweep.example.com/d/tok"},
		{"http://127.0.0.1:8080/d/tok", "http://127.0.0.1:8080/d/tok"},
		{"javascript:alert(1)", ""},
		{"JavaScript:alert(1)", ""},
		{"data:text/html,x", ""},
		{"//evil.example/x", ""},
		{"/d/tok", ""},
		{"https://user:pw@evil.example/", ""},
		{"https://a.example/ x", ""},
		{"https://a.example/\nx", ""},
		{"https://a.example/\u202ex", ""},
		{"https://" + strings.Repeat("a", 2100), ""},
		{"", ""},
	}
	for _, tt := range tests {
		if got := link(tt.in); got != tt.want {
			t.Errorf("link(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestIdleAndNext(t *testing.T) {
	created := iamsweep.Finding{Created: asOf.AddDate(0, 0, -400)}
	tests := []struct {
		name string
		got  string
		want string
	}{
		{"last used", idle(idleRole("r", 200), asOf), "200 days (last used 2026-05-07)"},
		{"one day", idle(idleRole("r", 1), asOf), "1 day (last used 2026-11-22)"},
		{"never used", idle(created, asOf), "never used; created 400 days ago (2025-10-19)"},
		{"never used, no notice time", idle(created, time.Time{}), "never used; created 2025-10-19"},
		{"nothing known", idle(iamsweep.Finding{}, asOf), "no recorded use"},
		{"quarantine", next(iamsweep.ActionQuarantine, quarantineAt), "quarantine on 2026-12-21 (access denied by a policy; reversible, nothing is deleted)"},
		{"delete", next(iamsweep.ActionDelete, quarantineAt), "deletion on 2026-12-21, after a full backup"},
		{"delete key", next(iamsweep.ActionDeleteKey, quarantineAt), "deletion of the key on 2026-12-21 (its secret cannot be brought back)"},
		{"password", next(iamsweep.ActionDeletePassword, quarantineAt), "deletion of the console password on 2026-12-21"},
		{"nothing", next("", time.Time{}), "nothing is scheduled"},
		{"no date", next(iamsweep.ActionQuarantine, time.Time{}), "quarantine (access denied by a policy; reversible, nothing is deleted)"},
	}
	for _, tt := range tests {
		if tt.got != tt.want {
			t.Errorf("%s: %q, want %q", tt.name, tt.got, tt.want)
		}
	}
}

func TestRenderSNS(t *testing.T) {
	subject, text, err := RenderSNS(ownerNotice())
	if err != nil {
		t.Fatal(err)
	}
	m, _ := RenderEmail(ownerNotice())
	if text != m.Text {
		t.Error("the SNS message is not the mail's text")
	}
	if want := "iamsweep: 3 unused IAM principals of yours will be quarantined on 2026-12-21"; subject != want {
		t.Errorf("subject %q, want %q", subject, want)
	}

	// A long name is shortened to fit SNS's subject.
	long := ownerNotice()
	long.Items = long.Items[:1]
	long.Items[0].Finding.Name = strings.Repeat("a", 60)
	if subject, _, _ = RenderSNS(long); subject != "iamsweep: your unused IAM role "+strings.Repeat("a", 24)+"... will be quarantined on 2026-12-21" {
		t.Errorf("subject %q", subject)
	}

	// A notice of 2,000 items with long reasons: over 256 KB as a whole.
	n := ownerNotice()
	n.Items = nil
	for i := range 2000 {
		f := idleRole(fmt.Sprintf("role-%04d", i), 200)
		f.Reason = strings.Repeat("long reason ", 20)
		n.Items = append(n.Items, iamsweep.NoticeItem{Finding: f, Stage: iamsweep.StageNotice, Next: iamsweep.ActionQuarantine, NextAt: quarantineAt, Links: links(i)})
	}
	subject, text, err = RenderSNS(n)
	if err != nil {
		t.Fatal(err)
	}
	if len(text) > 262144 || len(text) < 250000 {
		t.Errorf("message of %d bytes, want as many items as fit in 262,144", len(text))
	}
	shown := strings.Count(text, "\n   ARN:")
	if want := fmt.Sprintf("... and %d more not shown here", 2000-shown); shown == 2000 || !strings.Contains(text, want) {
		t.Errorf("%d items shown; the message does not say %q", shown, want)
	}
	if !utf8.ValidString(text) {
		t.Error("invalid UTF-8")
	}
	if subject != "iamsweep: 2000 unused IAM principals of yours will be quarantined on 2026-12-21" {
		t.Errorf("subject %q", subject)
	}
}

func TestSNSSubject(t *testing.T) {
	tests := []struct{ in, want string }{
		{"iamsweep: 3 unused IAM principals", "iamsweep: 3 unused IAM principals"},
		{"iamsweep: access key AKIA…MPLE of IAM user bob", "iamsweep: access key AKIA...MPLE of IAM user bob"},
		{"iamsweep: IAM user jürgen", "iamsweep: IAM user j?rgen"},
		{"   leading", "leading"},
		{strings.Repeat("x", 150), strings.Repeat("x", 96) + "..."},
		{"", "iamsweep notice"},
	}
	for _, tt := range tests {
		got := snsSubject(tt.in)
		if got != tt.want {
			t.Errorf("snsSubject(%q) = %q, want %q", tt.in, got, tt.want)
		}
		if len(got) >= 100 {
			t.Errorf("snsSubject(%q) has %d characters", tt.in, len(got))
		}
	}
}

func TestRenderSlack(t *testing.T) {
	for _, tt := range []struct {
		name string
		n    iamsweep.Notice
	}{{"owner", ownerNotice()}, {"fallback", fallbackNotice()}, {"tripwire", tripwireNotice()}} {
		t.Run(tt.name, func(t *testing.T) {
			msgs := RenderSlack(tt.n)
			if len(msgs) != 1 {
				t.Fatalf("%d messages, want 1", len(msgs))
			}
			var b strings.Builder
			for _, m := range msgs {
				body, err := m.encode()
				if err != nil {
					t.Fatal(err)
				}
				var out bytes.Buffer
				if err := json.Indent(&out, body, "", "  "); err != nil {
					t.Fatal(err)
				}
				b.WriteString(out.String() + "\n")
			}
			golden.Check(t, tt.name+".json", b.String())
			checkSlackLimits(t, msgs)
			for _, it := range tt.n.Items {
				for _, want := range []string{it.Finding.ARN, it.Links.Keep, it.Links.Remove, it.Links.Snooze} {
					if !strings.Contains(b.String(), want) {
						t.Errorf("%q missing", want)
					}
				}
			}
		})
	}
}

// checkSlackLimits checks the messages against Slack's limits.
func checkSlackLimits(t *testing.T, msgs []SlackMessage) {
	t.Helper()
	for i, m := range msgs {
		if len(m.Blocks) > slackMaxBlocks {
			t.Errorf("message %d: %d blocks", i, len(m.Blocks))
		}
		total := 0
		for _, b := range m.Blocks {
			if b.Text == nil {
				continue
			}
			n := utf8.RuneCountInString(b.Text.Text)
			total += n
			if (b.Type == "section" && n > slackMaxSectionText) || (b.Type == "header" && n > slackMaxHeader) {
				t.Errorf("message %d: a %s of %d characters", i, b.Type, n)
			}
		}
		if total > 12000 {
			t.Errorf("message %d: %d characters of block text", i, total)
		}
		if m.UnfurlLinks || m.UnfurlMedia {
			t.Errorf("message %d lets Slack unfurl the decision links", i)
		}
	}
}

// TestRenderSlack_split: a notice too large for one message is split, each
// message within Slack's limits, every item in one of them; one too large
// for ten messages says how many it leaves out.
func TestRenderSlack_split(t *testing.T) {
	notice := func(items int) iamsweep.Notice {
		n := ownerNotice()
		n.Items = nil
		for i := range items {
			n.Items = append(n.Items, iamsweep.NoticeItem{Finding: idleRole(fmt.Sprintf("role-%04d", i), 200), Stage: iamsweep.StageNotice,
				Next: iamsweep.ActionQuarantine, NextAt: quarantineAt, Links: links(i)})
		}
		return n
	}
	msgs := RenderSlack(notice(120))
	checkSlackLimits(t, msgs)
	all := ""
	for i, m := range msgs {
		all += m.Blocks[0].Text.Text + "\n"
		for _, b := range m.Blocks[1:] {
			if b.Text != nil {
				all += b.Text.Text
			}
		}
		if suffix := fmt.Sprintf("(%d/%d)", i+1, len(msgs)); !strings.HasSuffix(m.Blocks[0].Text.Text, suffix) {
			t.Errorf("header %q, want the part %s", m.Blocks[0].Text.Text, suffix)
		}
	}
	if len(msgs) < 2 {
		t.Fatalf("%d messages for 120 items", len(msgs))
	}
	for i := range 120 {
		if strings.Count(all, fmt.Sprintf("role/app/role-%04d`", i)) != 1 {
			t.Errorf("role-%04d is not in exactly one message", i)
		}
	}

	msgs = RenderSlack(notice(2000))
	checkSlackLimits(t, msgs)
	if len(msgs) != slackMaxMessages {
		t.Fatalf("%d messages, want %d", len(msgs), slackMaxMessages)
	}
	shown := 0
	for _, m := range msgs {
		for _, b := range m.Blocks {
			if b.Text != nil && strings.Contains(b.Text.Text, "*Account:*") {
				shown++
			}
		}
	}
	last := msgs[len(msgs)-1].Blocks
	want := fmt.Sprintf("… and %d more not shown here", 2000-shown)
	if !strings.Contains(last[len(last)-2].Text.Text, want) {
		t.Errorf("the last message does not say %q: %q", want, last[len(last)-2].Text.Text)
	}
}

// TestRenderSlack_hostileInput: no mention, link or entity can come from
// a principal's name, tags, reason or note.
func TestRenderSlack_hostileInput(t *testing.T) {
	f := idleRole("deploy", 200)
	f.Name = "<!channel> `x` <https://evil.example|click>"
	f.Reason = "a & b > c"
	n := iamsweep.Notice{ID: "n", Owner: "<@U012345>", Items: []iamsweep.NoticeItem{{Finding: f, Stage: iamsweep.StageNotice,
		Note:  "<!here>",
		Links: iamsweep.DecisionLinks{Keep: "https://iamsweep.example.com/d/k?a=1&b=|x>", Remove: "javascript:alert(1)"}}}}
	// Mentions and links work in mrkdwn text: the fallback text and the
	// sections and contexts. (A header is plain_text, shown as it is.)
	var got string
	for _, m := range RenderSlack(n) {
		got += m.Text + "\n"
		for _, b := range m.Blocks {
			switch {
			case b.Text != nil && b.Text.Type == "mrkdwn":
				got += b.Text.Text + "\n"
			case b.Text != nil && b.Text.Type != "plain_text":
				t.Errorf("a text of type %s", b.Text.Type)
			}
			for _, e := range b.Elements {
				got += e.Text + "\n"
			}
		}
	}
	for _, bad := range []string{"<!channel>", "<!here>", "<@U012345>", "<https://evil", "javascript:", "a & b"} {
		if strings.Contains(got, bad) {
			t.Errorf("the message holds %q: %s", bad, got)
		}
	}
	want := `<https://iamsweep.example.com/d/k?a=1&amp;b=%7Cx&gt;|Keep>`
	msgs := RenderSlack(n)
	if diff := cmp.Diff(true, strings.Contains(msgs[0].Blocks[2].Text.Text, want)); diff != "" {
		t.Errorf("the Keep link is not %q in %q", want, msgs[0].Blocks[2].Text.Text)
	}
}

// TestRenderEmail_docsExample: the example in docs/notifications.md is
// what RenderEmail makes of the owner's notice.
func TestRenderEmail_docsExample(t *testing.T) {
	doc, err := os.ReadFile("../../docs/notifications.md")
	if err != nil {
		t.Fatal(err)
	}
	m, err := RenderEmail(ownerNotice())
	if err != nil {
		t.Fatal(err)
	}
	if want := "```\nSubject: " + m.Subject + "\n\n" + m.Text + "```\n"; !strings.Contains(string(doc), want) {
		t.Errorf("docs/notifications.md does not show the owner's notice as rendered; put this in it:\n%s", want)
	}
}

// TestRenderEmail_noLinks: iamsweep escalate without serve.base-url sends
// notices without decision links; they must still tell the owner how to
// keep a principal, and not speak of links.
func TestRenderEmail_noLinks(t *testing.T) {
	n := ownerNotice()
	for i := range n.Items {
		n.Items[i].Links = iamsweep.DecisionLinks{}
	}
	m, err := RenderEmail(n)
	if err != nil {
		t.Fatal(err)
	}
	for _, part := range []string{m.Text, m.HTML} {
		if !strings.Contains(part, "ask your security team") {
			t.Errorf("a notice without links does not say how to keep a principal:\n%s", part)
		}
		if strings.Contains(part, "Each link") {
			t.Errorf("a notice without links speaks of links:\n%s", part)
		}
	}
	for _, msg := range RenderSlack(n) {
		b, _ := msg.encode()
		if !strings.Contains(string(b), "ask your security team") {
			t.Errorf("a Slack notice without links does not say how to keep a principal:\n%s", b)
		}
	}
	_, text, err := RenderSNS(n)
	if err != nil || !strings.Contains(text, "ask your security team") {
		t.Errorf("an SNS notice without links does not say how to keep a principal (%v):\n%s", err, text)
	}
}
