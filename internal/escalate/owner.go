package escalate

import (
	"fmt"
	"net/mail"
	"sort"
	"strings"
	"time"

	"github.com/iamsweep/iamsweep"
)

// Owners resolves findings to the recipients of their notices.
type Owners struct {
	// TagKeys are the tag keys that name an owner, tried in order
	// (iamsweep.Finding.Owner); none means iamsweep.DefaultOwnerTags.
	TagKeys []string
	// Map sends an owner's notices elsewhere than to the owner tag as an
	// email address (a team's Slack webhook, an SNS topic, another
	// address). Keys compare without regard to case.
	Map map[string]iamsweep.Recipient
	// SecurityTeam gets the notices of findings without a valid owner,
	// and every tripwire.
	SecurityTeam iamsweep.Recipient
}

// Resolution is where one finding's notices go.
type Resolution struct {
	// Owner is the owner the tags name ("" when none).
	Owner string
	To    iamsweep.Recipient
	// Fallback, when not "", says why the notice goes to the security
	// team.
	Fallback string
}

// Resolve returns where f's notices go: the recipient owners.map names
// for its owner, else the owner itself when it is an email address, else
// the security team with the reason.
func (o Owners) Resolve(f iamsweep.Finding) Resolution {
	keys := o.TagKeys
	if len(keys) == 0 {
		keys = iamsweep.DefaultOwnerTags
	}
	owner := f.Owner(keys)
	if owner == "" {
		why := fmt.Sprintf("no owner tag (%s)", strings.Join(keys, ", "))
		if f.Type == iamsweep.TypeRootAccessKey {
			why = "a root user's access key has no owner tag"
		}
		return Resolution{To: o.SecurityTeam, Fallback: why}
	}
	if to, ok := o.mapped(owner); ok {
		return Resolution{Owner: owner, To: to}
	}
	if addr, ok := Email(owner); ok {
		return Resolution{Owner: owner, To: iamsweep.Recipient{Kind: iamsweep.RecipientEmail, Address: addr}}
	}
	return Resolution{Owner: owner, To: o.SecurityTeam,
		Fallback: fmt.Sprintf("owner tag %s is not an email address, and owners.map does not name it", iamsweep.Quote(owner))}
}

func (o Owners) mapped(owner string) (iamsweep.Recipient, bool) {
	if to, ok := o.Map[owner]; ok {
		return to, true
	}
	for k, to := range o.Map {
		if strings.EqualFold(k, owner) {
			return to, true
		}
	}
	return iamsweep.Recipient{}, false
}

// Email returns s as a bare email address ("alice@example.com") when it is
// one: no display name, no comments, a dot in the domain.
func Email(s string) (string, bool) {
	a, err := mail.ParseAddress(s)
	if err != nil || a.Name != "" || a.Address != s {
		return "", false
	}
	at := strings.LastIndexByte(s, '@')
	domain := s[at+1:]
	if at < 1 || !strings.Contains(domain, ".") || strings.HasPrefix(domain, ".") || strings.HasSuffix(domain, ".") {
		return "", false
	}
	return s, true
}

// Addressed is a notice item with where it goes.
type Addressed struct {
	Resolution
	Item iamsweep.NoticeItem
}

// Group makes one notice per recipient of the items, with every item of
// that recipient across accounts, in the findings' order; notices are in
// recipient order. id names each notice.
func Group(items []Addressed, created time.Time, id func(to iamsweep.Recipient) string) []iamsweep.Notice {
	by := map[iamsweep.Recipient][]Addressed{}
	for _, a := range items {
		by[a.To] = append(by[a.To], a)
	}
	tos := make([]iamsweep.Recipient, 0, len(by))
	for to := range by {
		tos = append(tos, to)
	}
	sort.Slice(tos, func(i, j int) bool { return tos[i].String() < tos[j].String() })
	var out []iamsweep.Notice
	for _, to := range tos {
		as := by[to]
		sort.SliceStable(as, func(i, j int) bool { return lessFinding(as[i].Item.Finding, as[j].Item.Finding) })
		n := iamsweep.Notice{ID: id(to), To: to, Created: created}
		owners, fallbacks := map[string]bool{}, map[string]bool{}
		for _, a := range as {
			owners[a.Owner] = true
			it := a.Item
			if a.Fallback != "" {
				fallbacks[a.Fallback] = true
			}
			n.Items = append(n.Items, it)
		}
		if len(owners) == 1 {
			n.Owner = as[0].Owner
		}
		switch len(fallbacks) {
		case 0:
		case 1:
			for fb := range fallbacks {
				n.Fallback = fb
			}
		default:
			// Several reasons: each item says its own.
			n.Fallback = "these principals came to the security team for different reasons (each says why)"
			for i, a := range as {
				if a.Fallback != "" {
					n.Items[i].Note = strings.TrimSpace("To the security team: " + a.Fallback + ". " + n.Items[i].Note)
				}
			}
		}
		out = append(out, n)
	}
	return out
}

func lessFinding(a, b iamsweep.Finding) bool {
	if a.AccountID != b.AccountID {
		return a.AccountID < b.AccountID
	}
	if a.Type != b.Type {
		return a.Type < b.Type
	}
	if a.ARN != b.ARN {
		return a.ARN < b.ARN
	}
	return a.AccessKeyID < b.AccessKeyID
}
