package escalate

import (
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/iamsweep/iamsweep"
)

func tagged(arn string, tags ...string) iamsweep.Finding {
	f := iamsweep.Finding{Type: iamsweep.TypeUnusedIAMRole, AccountID: "111122223333", ARN: arn, Verdict: iamsweep.VerdictUnused}
	for i := 0; i+1 < len(tags); i += 2 {
		f.Tags = append(f.Tags, iamsweep.Tag{Key: tags[i], Value: tags[i+1]})
	}
	return f
}

func TestOwners_Resolve(t *testing.T) {
	sec := iamsweep.Recipient{Kind: iamsweep.RecipientEmail, Address: "security@example.com"}
	slack := iamsweep.Recipient{Kind: iamsweep.RecipientSlack, Address: "team-a"}
	o := Owners{
		TagKeys:      []string{"owner", "team"},
		Map:          map[string]iamsweep.Recipient{"team-a": slack, "bob@example.com": {Kind: iamsweep.RecipientSNS, Address: "arn:aws:sns:us-east-1:111122223333:bob"}},
		SecurityTeam: sec,
	}
	tests := []struct {
		name string
		f    iamsweep.Finding
		want Resolution
	}{
		{"email owner", tagged("a", "Owner", "alice@example.com"),
			Resolution{Owner: "alice@example.com", To: iamsweep.Recipient{Kind: iamsweep.RecipientEmail, Address: "alice@example.com"}}},
		{"second tag key", tagged("a", "team", "team-a"), Resolution{Owner: "team-a", To: slack}},
		{"map wins over the address, any case", tagged("a", "owner", "BOB@example.com"),
			Resolution{Owner: "BOB@example.com", To: iamsweep.Recipient{Kind: iamsweep.RecipientSNS, Address: "arn:aws:sns:us-east-1:111122223333:bob"}}},
		{"no tag", tagged("a"), Resolution{To: sec, Fallback: "no owner tag (owner, team)"}},
		{"blank tag", tagged("a", "owner", "  "), Resolution{To: sec, Fallback: "no owner tag (owner, team)"}},
		{"not an address", tagged("a", "owner", "alice"),
			Resolution{Owner: "alice", To: sec, Fallback: `owner tag "alice" is not an email address, and owners.map does not name it`}},
		{"display name refused", tagged("a", "owner", "Alice <alice@example.com>"),
			Resolution{Owner: "Alice <alice@example.com>", To: sec, Fallback: `owner tag "Alice <alice@example.com>" is not an email address, and owners.map does not name it`}},
		{"root key", iamsweep.Finding{Type: iamsweep.TypeRootAccessKey}, Resolution{To: sec, Fallback: "a root user's access key has no owner tag"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if diff := cmp.Diff(tt.want, o.Resolve(tt.f)); diff != "" {
				t.Errorf("Resolve (-want +got):\n%s", diff)
			}
		})
	}
}

func TestEmail(t *testing.T) {
	tests := []struct {
		in string
		ok bool
	}{
		{"alice@example.com", true},
		{"a.b+tag@sub.example.co.uk", true},
		{"alice@localhost", false},
		{"alice@example.", false},
		{"@example.com", false},
		{"alice", false},
		{"alice@example.com, bob@example.com", false},
		{"<alice@example.com>", false},
		{"", false},
	}
	for _, tt := range tests {
		if _, ok := Email(tt.in); ok != tt.ok {
			t.Errorf("Email(%q) ok = %v; want %v", tt.in, ok, tt.ok)
		}
	}
}

func TestGroup(t *testing.T) {
	sec := iamsweep.Recipient{Kind: iamsweep.RecipientEmail, Address: "security@example.com"}
	alice := iamsweep.Recipient{Kind: iamsweep.RecipientEmail, Address: "alice@example.com"}
	item := func(account, arn string) iamsweep.NoticeItem {
		return iamsweep.NoticeItem{Finding: iamsweep.Finding{AccountID: account, Type: iamsweep.TypeUnusedIAMRole, ARN: arn}, Stage: iamsweep.StageNotice}
	}
	in := []Addressed{
		{Resolution{Owner: "alice@example.com", To: alice}, item("222233334444", "arn:b")},
		{Resolution{To: sec, Fallback: "no owner tag (owner)"}, item("111122223333", "arn:x")},
		{Resolution{Owner: "alice@example.com", To: alice}, item("111122223333", "arn:a")},
		{Resolution{Owner: "zed", To: sec, Fallback: `owner tag "zed" is not an email address`}, item("111122223333", "arn:y")},
	}
	got := Group(in, t0, func(to iamsweep.Recipient) string { return "n-" + to.Address })
	want := []iamsweep.Notice{
		{ID: "n-alice@example.com", To: alice, Owner: "alice@example.com", Created: t0,
			Items: []iamsweep.NoticeItem{item("111122223333", "arn:a"), item("222233334444", "arn:b")}},
		{ID: "n-security@example.com", To: sec, Created: t0, Fallback: "these principals came to the security team for different reasons (each says why)",
			Items: []iamsweep.NoticeItem{
				func() iamsweep.NoticeItem {
					i := item("111122223333", "arn:x")
					i.Note = "To the security team: no owner tag (owner)."
					return i
				}(),
				func() iamsweep.NoticeItem {
					i := item("111122223333", "arn:y")
					i.Note = `To the security team: owner tag "zed" is not an email address.`
					return i
				}(),
			}},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("Group (-want +got):\n%s", diff)
	}
	// One reason: the notice says it once.
	got = Group(in[1:2], t0, func(iamsweep.Recipient) string { return "n" })
	if got[0].Fallback != "no owner tag (owner)" || got[0].Items[0].Note != "" {
		t.Errorf("Group of one fallback = %+v", got[0])
	}
}
