package notify

import (
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/iamsweep/iamsweep"
)

// fuzzNotice is the owner's notice with its untrusted text replaced.
func fuzzNotice(name, reason, note, owner, fallback, accountName string) iamsweep.Notice {
	n := ownerNotice()
	n.Owner, n.Fallback = owner, fallback
	for i := range n.Items {
		f := &n.Items[i].Finding
		f.Name, f.Reason, f.AccountName = name, reason, accountName
		n.Items[i].Note = note
	}
	return n
}

// FuzzRender: whatever a principal's name, reason, note, owner tag and
// account name hold, rendering does not fail, keeps every channel's
// limits, and adds no markup: the HTML part has exactly the tags of the
// same notice with plain values, and the subject stays on one line.
func FuzzRender(f *testing.F) {
	f.Add("deploy", "last used 200 days ago", "", "alice@example.com", "", "prod")
	f.Add(`<script>alert(1)</script>`, "<b>x</b> & y", "a\nKeep: https://evil", `"><img src=x>`, "no owner tag \"<a>\"", "<!channel>")
	f.Add("\u202eexe.txt", "\x00\x01\x7f", "\u2028", " ", "\t", "&amp;")
	f.Add(strings.Repeat("x", 5000), strings.Repeat("é", 3000), strings.Repeat("<", 2000), "`", "|", ">")
	f.Fuzz(func(t *testing.T, name, reason, note, owner, fallback, accountName string) {
		n := fuzzNotice(name, reason, note, owner, fallback, accountName)
		m, err := RenderEmail(n)
		if err != nil {
			t.Fatal(err)
		}
		plain := func(s string, max int) string {
			if clean(s, max) == "" {
				return ""
			}
			return "x"
		}
		ref, err := RenderEmail(fuzzNotice(plain(name, maxName), plain(reason, maxText), plain(note, maxText), plain(owner, maxOwner),
			plain(fallback, maxText), plain(accountName, maxAccount)))
		if err != nil {
			t.Fatal(err)
		}
		if got, want := strings.Count(m.HTML, "<"), strings.Count(ref.HTML, "<"); got != want {
			t.Errorf("the HTML part has %d '<', the same notice with plain values %d", got, want)
		}
		if strings.ContainsAny(m.Subject, "\r\n") || !utf8.ValidString(m.Subject) || !utf8.ValidString(m.Text) || !utf8.ValidString(m.HTML) {
			t.Errorf("subject %q, or a part, is not one valid line", m.Subject)
		}
		subject, text, err := RenderSNS(n)
		if err != nil {
			t.Fatal(err)
		}
		if len(subject) >= 100 || len(text) > snsMaxMessage || !validSNSSubject(subject) || !utf8.ValidString(text) {
			t.Errorf("SNS subject %q (%d), message of %d bytes", subject, len(subject), len(text))
		}
		msgs := RenderSlack(n)
		checkSlackLimits(t, msgs)
		for _, msg := range msgs {
			for _, b := range msg.Blocks {
				if b.Text != nil && b.Text.Type == "mrkdwn" && strings.Contains(b.Text.Text, "<!") {
					t.Errorf("a mention in %q", b.Text.Text)
				}
			}
		}
	})
}

// validSNSSubject reports whether SNS takes s as a subject (the fake's
// rule, written again here).
func validSNSSubject(s string) bool {
	if s == "" || s[0] == ' ' {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < 0x20 || s[i] > 0x7e {
			return false
		}
	}
	return true
}
