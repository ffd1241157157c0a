package serve

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"time"

	"github.com/iamsweep/iamsweep"
	"github.com/iamsweep/iamsweep/internal/links"
	"github.com/iamsweep/iamsweep/internal/store"
)

// TokenStore keeps link tokens (*store.Store).
type TokenStore interface {
	PutLinkTokens(ctx context.Context, ts []store.LinkToken) error
}

// LinkMaker makes the decision links of a notice's items: a Keep, a
// Remove and a Snooze link per finding, each with its own single-use
// token, stored (hashed) before the links are handed out. It implements
// the escalation's LinkMaker.
type LinkMaker struct {
	Store  TokenStore
	Signer *links.Signer
	// BaseURL is the service's public URL; the links are BaseURL/d/TOKEN.
	BaseURL *url.URL
	// TTL is how long a link works.
	TTL time.Duration
	Now func() time.Time
}

// Links returns item's links for recipient in notice noticeID. An item
// about a deleted principal gets none: there is nothing left to decide
// (its backup is restored from the dashboard or the CLI).
func (m *LinkMaker) Links(ctx context.Context, noticeID, recipient string, item iamsweep.NoticeItem) (iamsweep.DecisionLinks, error) {
	if m.BaseURL == nil || m.BaseURL.Host == "" {
		return iamsweep.DecisionLinks{}, errors.New("make decision links: no base URL (serve.base-url)")
	}
	if item.Stage == iamsweep.StageDeleted {
		return iamsweep.DecisionLinks{}, nil
	}
	now := m.Now().UTC()
	expires := now.Add(m.TTL)
	key := iamsweep.KeyOf(item.Finding)
	kinds := []iamsweep.DecisionKind{iamsweep.DecisionKeep, iamsweep.DecisionRemove, iamsweep.DecisionSnooze}
	recs := make([]store.LinkToken, len(kinds))
	urls := make([]string, len(kinds))
	for i, k := range kinds {
		tok, err := m.Signer.Issue(expires)
		if err != nil {
			return iamsweep.DecisionLinks{}, fmt.Errorf("make the %s link of %s: %w", k, item.Finding.ARN, err)
		}
		recs[i] = store.LinkToken{Hash: tok.Hash, NoticeID: noticeID, Key: key, ARN: item.Finding.ARN, Kind: k,
			Recipient: recipient, Created: now, Expires: tok.Expires}
		urls[i] = strings.TrimSuffix(m.BaseURL.String(), "/") + "/d/" + tok.Text
	}
	if err := m.Store.PutLinkTokens(ctx, recs); err != nil {
		return iamsweep.DecisionLinks{}, fmt.Errorf("make the links of %s: %w", item.Finding.ARN, err)
	}
	return iamsweep.DecisionLinks{Keep: urls[0], Remove: urls[1], Snooze: urls[2]}, nil
}
