package notify

import (
	"fmt"
	"time"

	"github.com/iamsweep/iamsweep"
)

// asOf is when the test notices are made.
var asOf = time.Date(2026, 11, 23, 6, 0, 0, 0, time.UTC)

// quarantineAt is when the test notices' principals are to be
// quarantined.
var quarantineAt = time.Date(2026, 12, 21, 0, 0, 0, 0, time.UTC)

const account = "111122223333"

func intp(n int) *int { return &n }

// idleRole is an unused role, last used days ago.
func idleRole(name string, days int) iamsweep.Finding {
	return iamsweep.Finding{
		Type: iamsweep.TypeUnusedIAMRole, AccountID: account, AccountName: "prod",
		ARN: "arn:aws:iam::" + account + ":role/app/" + name, PrincipalID: "AROAEXAMPLE" + name, Name: name, Path: "/app/",
		Verdict: iamsweep.VerdictUnused, Rule: iamsweep.RuleLastUsed,
		Reason:   fmt.Sprintf("last used %d days ago in eu-west-1 (threshold 90 days)", days),
		Created:  asOf.AddDate(-2, 0, 0),
		LastUsed: iamsweep.Usage{Time: asOf.AddDate(0, 0, -days), Region: "eu-west-1"}, DaysUnused: intp(days),
		Tags: []iamsweep.Tag{{Key: "owner", Value: "alice@example.com"}},
	}
}

// neverUsedRole is a role never used since its creation.
func neverUsedRole(name string) iamsweep.Finding {
	f := idleRole(name, 0)
	f.Rule, f.Reason = iamsweep.RuleNoRecordedUse, "no recorded use since its creation 400 days ago"
	f.Created = asOf.AddDate(0, 0, -400)
	f.LastUsed, f.DaysUnused = iamsweep.Usage{}, nil
	return f
}

// idleKey is an unused access key of user bob.
func idleKey() iamsweep.Finding {
	return iamsweep.Finding{
		Type: iamsweep.TypeUnusedIAMUserAccessKey, AccountID: "444455556666",
		ARN: "arn:aws:iam::444455556666:user/bob", PrincipalID: "AIDAEXAMPLEBOB", Name: "bob", Path: "/",
		Verdict: iamsweep.VerdictUnused, Rule: iamsweep.RuleLastUsed, Reason: "last used 150 days ago (threshold 90 days)",
		Created: asOf.AddDate(-3, 0, 0), LastUsed: iamsweep.Usage{Time: asOf.AddDate(0, 0, -150)}, DaysUnused: intp(150),
		AccessKeyID: "AKIAIOSFODNN7EXAMPLE", KeySlot: 1,
	}
}

// links returns the decision links of finding i of a notice.
func links(i int) iamsweep.DecisionLinks {
	base := "https://iamsweep.example.com/d/"
	return iamsweep.DecisionLinks{
		Keep:   fmt.Sprintf("%stok-keep-%d", base, i),
		Remove: fmt.Sprintf("%stok-remove-%d", base, i),
		Snooze: fmt.Sprintf("%stok-snooze-%d", base, i),
	}
}

// ownerNotice is alice's notice: three unused principals, each to be
// quarantined (or its key deactivated) on quarantineAt.
func ownerNotice() iamsweep.Notice {
	return iamsweep.Notice{
		ID: "n-20261123-0001", To: iamsweep.Recipient{Kind: iamsweep.RecipientEmail, Address: "alice@example.com"},
		Owner: "alice@example.com", Created: asOf,
		Items: []iamsweep.NoticeItem{
			{Finding: idleRole("deploy", 200), Stage: iamsweep.StageNotice, Next: iamsweep.ActionQuarantine, NextAt: quarantineAt, Links: links(1)},
			{Finding: neverUsedRole("batch-import"), Stage: iamsweep.StageNotice, Next: iamsweep.ActionQuarantine, NextAt: quarantineAt, Links: links(2)},
			{Finding: idleRole("reports", 120), Stage: iamsweep.StageQuarantineWarning, Next: iamsweep.ActionQuarantine, NextAt: quarantineAt, Links: links(3),
				Note: "Snoozed until 2026-12-14 by alice@example.com."},
		},
	}
}

// fallbackNotice goes to the security team: the key has no owner tag.
func fallbackNotice() iamsweep.Notice {
	return iamsweep.Notice{
		ID: "n-20261123-0002", To: iamsweep.Recipient{Kind: iamsweep.RecipientEmail, Address: "security@example.com"},
		Fallback: `no owner tag (tried "owner", "team-email")`, Created: asOf,
		Items: []iamsweep.NoticeItem{
			{Finding: idleKey(), Stage: iamsweep.StageNotice, Next: iamsweep.ActionDeactivateKey, NextAt: quarantineAt, Links: links(1)},
		},
	}
}

// tripwireNotice alerts alice that her quarantined role was used.
func tripwireNotice() iamsweep.Notice {
	used := idleRole("dr-failover", 0)
	used.Reason = "used on 2026-11-22 in us-west-2, after its quarantine on 2026-10-01"
	used.LastUsed, used.DaysUnused = iamsweep.Usage{Time: asOf.AddDate(0, 0, -1), Region: "us-west-2"}, intp(1)
	return iamsweep.Notice{
		ID: "n-20261123-0003", To: iamsweep.Recipient{Kind: iamsweep.RecipientEmail, Address: "alice@example.com"},
		Owner: "alice@example.com", Created: asOf,
		Items: []iamsweep.NoticeItem{
			{Finding: used, Stage: iamsweep.StageTripwire,
				Note:  "Its deletion, planned for 2026-10-31, is stopped. The quarantine stays until someone releases it.",
				Links: iamsweep.DecisionLinks{Keep: links(1).Keep, Remove: links(1).Remove}},
			{Finding: idleRole("old-etl", 300), Stage: iamsweep.StageDeleteWarning, Next: iamsweep.ActionDelete,
				NextAt: quarantineAt.AddDate(0, 0, 10), Links: links(2)},
		},
	}
}
