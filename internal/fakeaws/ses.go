package fakeaws

import (
	"encoding/json"
	"fmt"
	"math"
	"net/http"
	"net/mail"
	"strings"

	"golang.org/x/time/rate"
)

// Amazon SES API v2, as far as a sender sees it: SendEmail over REST-JSON
// (POST /v2/email/outbound-emails, signed for the service "ses"), with
// the rules of the SES Developer Guide and the API reference:
//
//   - SES is regional: an account's verified identities, sandbox and
//     configuration sets are per Region (WithSES). An account and Region
//     without WithSES has no verified identity, as a new account has.
//   - The sender must be a verified identity: the address itself, or its
//     domain. Else SendEmail fails with MessageRejected ("Email address is
//     not verified. The following identities failed the check in region
//     ...").
//   - In the sandbox (the default of every new account) every recipient
//     must be verified as well, except the mailbox simulator's addresses
//     (…@simulator.amazonses.com); the same MessageRejected names them.
//   - A configuration set named must exist: NotFoundException.
//   - Addresses must parse (BadRequestException), a message goes to 1 to
//     50 recipients, its subject and one body part at least are required;
//     only Simple content is implemented (Raw and Template are refused with
//     BadRequestException, which says so).
//   - Above the account's maximum sending rate (SES.MaxSendRate) a call
//     fails with TooManyRequestsException (HTTP 429, "Maximum sending rate
//     exceeded."), as SES throttles.
//
// What was sent is kept for tests: SentEmails.

// SES is the Amazon SES state of an account in a Region (WithSES).
type SES struct {
	// Identities are the verified identities: email addresses, and domains
	// that verify every address at them.
	Identities []string
	// Production takes the account out of the SES sandbox in the Region:
	// it may then mail any recipient. In the sandbox (the default) it may
	// mail verified identities only.
	Production bool
	// ConfigurationSets are the configuration sets that exist.
	ConfigurationSets []string
	// MaxSendRate, when more than 0, throttles SendEmail above this many
	// messages a second (the sandbox's is 1), on the fake's clock.
	MaxSendRate float64
}

// SentEmail is a message SendEmail accepted.
type SentEmail struct {
	MessageID string
	AccountID string
	Region    string
	// From is FromEmailAddress as sent ("iamsweep <iamsweep@example.com>").
	From             string
	To, Cc, Bcc      []string
	Subject          string
	Text, HTML       string
	ConfigurationSet string
}

// sesState is SES's state in one account and Region.
type sesState struct {
	SES
	limiter *rate.Limiter
}

// WithSES sets up Amazon SES in account and region.
func WithSES(region, account string, ses SES) Option {
	return func(s *Server) error {
		st := &sesState{SES: ses}
		if ses.MaxSendRate > 0 {
			st.limiter = rate.NewLimiter(rate.Limit(ses.MaxSendRate), max(1, int(math.Ceil(ses.MaxSendRate))))
		}
		s.ses[hubKey(account, region)] = st
		return nil
	}
}

// WithOutbox calls fn with each message SendEmail accepts, as it accepts
// it (with the server's lock held: fn must not call the Server), for a
// demo to show what was sent.
func WithOutbox(fn func(SentEmail)) Option {
	return func(s *Server) error {
		s.onEmail = fn
		return nil
	}
}

// SentEmails returns the messages SES accepted, in order.
func (s *Server) SentEmails() []SentEmail {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]SentEmail, len(s.sentEmails))
	for i, m := range s.sentEmails {
		out[i] = m
		out[i].To = append([]string(nil), m.To...)
		out[i].Cc = append([]string(nil), m.Cc...)
		out[i].Bcc = append([]string(nil), m.Bcc...)
	}
	return out
}

// sesOps are the SES operations the fake answers, by method and path.
var sesOps = restOps{
	"POST /v2/email/outbound-emails": {"SendEmail", (*Server).sendEmail},
}

// serveSES answers a REST-JSON request of SES v2.
func (s *Server) serveSES(w http.ResponseWriter, req *request) {
	s.serveRESTOps(w, req, "SES", sesOps)
}

// sesContent is a Content of SES: text and its charset.
type sesContent struct {
	Data    *string `json:"Data"`
	Charset string  `json:"Charset"`
}

type sendEmailInput struct {
	FromEmailAddress     string `json:"FromEmailAddress"`
	ConfigurationSetName string `json:"ConfigurationSetName"`
	Destination          *struct {
		ToAddresses  []string `json:"ToAddresses"`
		CcAddresses  []string `json:"CcAddresses"`
		BccAddresses []string `json:"BccAddresses"`
	} `json:"Destination"`
	Content *struct {
		Simple *struct {
			Subject *sesContent `json:"Subject"`
			Body    *struct {
				Text *sesContent `json:"Text"`
				Html *sesContent `json:"Html"`
			} `json:"Body"`
		} `json:"Simple"`
		Raw      json.RawMessage `json:"Raw"`
		Template json.RawMessage `json:"Template"`
	} `json:"Content"`
}

// sesMaxRecipients is the most recipients one message may have.
const sesMaxRecipients = 50

func (s *Server) sendEmail(req *request) (any, *apiError) {
	bad := func(format string, args ...any) *apiError {
		return errorf(400, "BadRequestException", format, args...)
	}
	var in sendEmailInput
	if err := json.Unmarshal(req.body, &in); err != nil {
		return nil, bad("Could not parse the request: %v", err)
	}
	c := in.Content
	switch {
	case c == nil:
		return nil, bad("Content is required.")
	case c.Raw != nil || c.Template != nil:
		return nil, bad("fakeaws implements Simple content only")
	case c.Simple == nil:
		return nil, bad("Content must hold Simple, Raw or Template.")
	case c.Simple.Subject == nil || c.Simple.Subject.Data == nil:
		return nil, bad("Subject is required.")
	case c.Simple.Body == nil || (c.Simple.Body.Text == nil && c.Simple.Body.Html == nil):
		return nil, bad("Body must hold Text or Html.")
	}
	for _, part := range []*sesContent{c.Simple.Subject, c.Simple.Body.Text, c.Simple.Body.Html} {
		if part == nil {
			continue
		}
		if part.Data == nil {
			return nil, bad("Data is required in every Content.")
		}
		if cs := strings.ToUpper(part.Charset); cs != "" && cs != "UTF-8" && cs != "ISO-8859-1" && cs != "SHIFT_JIS" {
			return nil, bad("Unsupported charset %q.", part.Charset)
		}
	}
	if in.FromEmailAddress == "" {
		return nil, bad("FromEmailAddress is required.")
	}
	from, err := mail.ParseAddress(in.FromEmailAddress)
	if err != nil {
		return nil, bad("Illegal address: %s", in.FromEmailAddress)
	}
	if in.Destination == nil {
		return nil, bad("Destination is required.")
	}
	d := in.Destination
	var recipients []string
	for _, list := range [][]string{d.ToAddresses, d.CcAddresses, d.BccAddresses} {
		for _, a := range list {
			addr, err := mail.ParseAddress(a)
			if err != nil {
				return nil, bad("Illegal address: %s", a)
			}
			recipients = append(recipients, addr.Address)
		}
	}
	if len(recipients) == 0 || len(recipients) > sesMaxRecipients {
		return nil, bad("A message goes to 1 to %d recipients, not %d.", sesMaxRecipients, len(recipients))
	}

	st := s.ses[hubKey(req.accountID, req.region)]
	if st == nil {
		st = &sesState{} // a new account: sandbox, nothing verified
	}
	if in.ConfigurationSetName != "" && !containsFold(st.ConfigurationSets, in.ConfigurationSetName) {
		return nil, errorf(404, "NotFoundException", "Configuration set <%s> does not exist.", in.ConfigurationSetName)
	}
	failed := []string{}
	if !st.verified(from.Address) {
		failed = append(failed, from.Address)
	}
	if !st.Production {
		for _, r := range recipients {
			if !st.verified(r) && !strings.HasSuffix(strings.ToLower(r), "@simulator.amazonses.com") && !containsFold(failed, r) {
				failed = append(failed, r)
			}
		}
	}
	if len(failed) > 0 {
		return nil, errorf(400, "MessageRejected", "Email address is not verified. The following identities failed the check in region %s: %s",
			strings.ToUpper(req.region), strings.Join(failed, ", "))
	}
	if st.limiter != nil && !st.limiter.AllowN(s.now(), 1) {
		return nil, errorf(429, "TooManyRequestsException", "Maximum sending rate exceeded.")
	}

	s.msgSeq++
	id := fmt.Sprintf("0100019a-%08x-fake-%04d-000000", s.msgSeq, s.msgSeq)
	m := SentEmail{MessageID: id, AccountID: req.accountID, Region: req.region, From: in.FromEmailAddress,
		To: d.ToAddresses, Cc: d.CcAddresses, Bcc: d.BccAddresses, Subject: *c.Simple.Subject.Data, ConfigurationSet: in.ConfigurationSetName}
	if t := c.Simple.Body.Text; t != nil {
		m.Text = *t.Data
	}
	if h := c.Simple.Body.Html; h != nil {
		m.HTML = *h.Data
	}
	s.sentEmails = append(s.sentEmails, m)
	if s.onEmail != nil {
		s.onEmail(m)
	}
	return map[string]string{"MessageId": id}, nil
}

// verified reports whether address, or its domain, is a verified
// identity.
func (st *sesState) verified(address string) bool {
	_, domain, _ := strings.Cut(address, "@")
	return containsFold(st.Identities, address) || (domain != "" && containsFold(st.Identities, domain))
}

func containsFold(list []string, s string) bool {
	for _, v := range list {
		if strings.EqualFold(v, s) {
			return true
		}
	}
	return false
}
