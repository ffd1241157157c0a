package notify

import (
	"bytes"
	"embed"
	"fmt"
	htmltemplate "html/template"
	"strings"
	texttemplate "text/template"

	"github.com/iamsweep/iamsweep"
)

//go:embed templates
var templateFS embed.FS

var (
	textTemplate = texttemplate.Must(texttemplate.ParseFS(templateFS, "templates/notice.txt"))
	htmlTemplate = htmltemplate.Must(htmltemplate.ParseFS(templateFS, "templates/notice.html"))
)

// Message is a notice rendered for mail.
type Message struct {
	Subject string
	// Text is the plain text part, HTML the HTML part.
	Text, HTML string
}

// RenderEmail renders n as a mail: its subject line, a plain text part
// and an HTML part, each listing every item with its links.
func RenderEmail(n iamsweep.Notice) (Message, error) {
	v := newView(n)
	text, err := renderText(v)
	if err != nil {
		return Message{}, err
	}
	var h bytes.Buffer
	if err := htmlTemplate.Execute(&h, v); err != nil {
		return Message{}, fmt.Errorf("render notice %s as HTML: %w", n.ID, err)
	}
	return Message{Subject: v.Subject, Text: text, HTML: h.String()}, nil
}

func renderText(v view) (string, error) {
	var b bytes.Buffer
	if err := textTemplate.Execute(&b, v); err != nil {
		return "", fmt.Errorf("render notice %s as text: %w", v.NoticeID, err)
	}
	return b.String(), nil
}

// The limits of SNS Publish: a message of at most 256 KB (262,144 bytes)
// of UTF-8; a subject of printable ASCII, under 100 characters, that
// starts with a letter, a digit or a punctuation mark.
const (
	snsMaxMessage = 262144
	snsMaxSubject = 99
)

// RenderSNS renders n for an SNS topic: a subject line within SNS's rules
// (ASCII, under 100 characters: others are replaced or cut) and the
// plain text of the mail. A notice too long for SNS's 256 KB lists as
// many items as fit and says how many it leaves out.
func RenderSNS(n iamsweep.Notice) (subject, message string, err error) {
	v := newView(n)
	text, err := renderText(v)
	if err != nil {
		return "", "", err
	}
	if len(text) > snsMaxMessage {
		// The largest number of items that fits, by bisection: the
		// text grows with each item.
		all := v.Items
		lo, hi := 0, len(all) // fits(lo), !fits(hi)
		for hi-lo > 1 {
			mid := (lo + hi) / 2
			v.Items, v.Omitted = all[:mid], len(all)-mid
			t, err := renderText(v)
			if err != nil {
				return "", "", err
			}
			if len(t) <= snsMaxMessage {
				lo = mid
			} else {
				hi = mid
			}
		}
		v.Items, v.Omitted = all[:lo], len(all)-lo
		if text, err = renderText(v); err != nil {
			return "", "", err
		}
	}
	// The subject line, its names shortened, then left out, until it fits.
	for _, nameMax := range []int{maxSubjectName, 24, 0} {
		if subject = snsASCII(subjectNaming(n, nameMax)); len(subject) <= snsMaxSubject {
			break
		}
	}
	return snsSubject(subject), text, nil
}

// snsSubject fits s to SNS's subject rules: printable ASCII only (other
// characters become "?", the ellipsis "..."), no leading space, under 100
// characters (cut with "...").
func snsSubject(s string) string {
	out := snsASCII(s)
	if len(out) > snsMaxSubject {
		out = strings.TrimRight(out[:snsMaxSubject-3], " ") + "..."
	}
	if out == "" {
		out = "iamsweep notice"
	}
	return out
}

// snsASCII replaces what is not printable ASCII in s ("?", or "..." for
// an ellipsis) and drops leading spaces.
func snsASCII(s string) string {
	var b strings.Builder
	for _, r := range s {
		switch {
		case r == '…':
			b.WriteString("...")
		case r >= 0x20 && r <= 0x7e:
			b.WriteRune(r)
		default:
			b.WriteByte('?')
		}
	}
	return strings.TrimLeft(b.String(), " ")
}
