package notify

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/iamsweep/iamsweep"
)

// subjectGroups order the stages by urgency: a subject line speaks of
// the most urgent group a notice holds. The stages before a step (a
// notice, the warnings, an expired exception) are one group: what
// happens next to them, and when.
var subjectGroups = [][]iamsweep.Stage{
	{iamsweep.StageTripwire},
	{iamsweep.StageDeleted},
	{iamsweep.StageQuarantined},
	{iamsweep.StageNotice, iamsweep.StageQuarantineWarning, iamsweep.StageDeleteWarning, iamsweep.StageExceptionExpired},
}

// maxSubjectName is the most characters of a principal's name a subject
// line shows.
const maxSubjectName = 64

// subject returns the subject line of n: its most urgent group of items,
// how many they are and what happens to them when, and how many other
// items the notice holds ("iamsweep: 3 unused IAM principals of yours
// will be quarantined on 2026-12-21").
func subject(n iamsweep.Notice) string { return subjectNaming(n, maxSubjectName) }

// subjectNaming is subject with a principal's name cut to nameMax
// characters; with nameMax 0, a single principal is counted like several
// ("1 unused IAM principal of yours"), not named.
func subjectNaming(n iamsweep.Notice, nameMax int) string {
	if len(n.Items) == 0 {
		return "iamsweep: notice " + clean(n.ID, maxSubjectName)
	}
	var group []iamsweep.NoticeItem
	top := []iamsweep.Stage{n.Items[0].Stage}
	for _, stages := range subjectGroups {
		if has(n.Items, stages...) {
			top = stages
			break
		}
	}
	for _, it := range n.Items {
		if slices.Contains(top, it.Stage) {
			group = append(group, it)
		}
	}
	fallback := n.Fallback != ""
	one := len(group) == 1
	var s string
	switch {
	case top[0] == iamsweep.StageTripwire:
		s = "ALERT: " + noun(group, "quarantined", fallback, nameMax) + pick(one, " was", " were") + " used; " +
			pick(one, "its", "their") + " deletion is stopped"
	case top[0] == iamsweep.StageDeleted:
		s = noun(group, "unused", fallback, nameMax) + pick(one, " was deleted (its backup is kept)", " were deleted (their backups are kept)")
	case top[0] == iamsweep.StageQuarantined:
		s = noun(group, "unused", fallback, nameMax) + pick(one, " was", " were") + " quarantined" + will(group, ", and")
	case all(group, iamsweep.StageExceptionExpired):
		s = "the exception expired for " + noun(group, "", fallback, nameMax) + will(group, ", which")
	case all(group, iamsweep.StageDeleteWarning):
		s = noun(group, "quarantined", fallback, nameMax) + will(group, "")
	default:
		s = noun(group, "unused", fallback, nameMax) + will(group, "")
	}
	if rest := len(n.Items) - len(group); rest > 0 {
		s += fmt.Sprintf(" (and %d more)", rest)
	}
	return "iamsweep: " + s
}

// all reports whether every item of group is at stage st.
func all(group []iamsweep.NoticeItem, st iamsweep.Stage) bool {
	for _, it := range group {
		if it.Stage != st {
			return false
		}
	}
	return true
}

// has reports whether an item is at one of stages.
func has(items []iamsweep.NoticeItem, stages ...iamsweep.Stage) bool {
	for _, it := range items {
		if slices.Contains(stages, it.Stage) {
			return true
		}
	}
	return false
}

func pick(one bool, single, plural string) string {
	if one {
		return single
	}
	return plural
}

// noun names the items of group for a subject line: the one principal
// ("your unused IAM role deploy") or how many of what kind ("3 unused
// IAM principals of yours"), owned by the reader or without an owner.
func noun(group []iamsweep.NoticeItem, adjective string, fallback bool, nameMax int) string {
	if adjective != "" {
		adjective += " "
	}
	if len(group) == 1 && nameMax > 0 {
		t := adjective + title(group[0].Finding, nameMax)
		if fallback {
			return t + " without an owner"
		}
		return "your " + t
	}
	creds := 0
	for _, it := range group {
		if credential(it.Finding) {
			creds++
		}
	}
	kind := "IAM principals and credentials"
	switch creds {
	case 0:
		kind = "IAM principals"
	case len(group):
		kind = "IAM credentials"
	}
	if len(group) == 1 {
		kind = strings.TrimSuffix(kind, "s")
	}
	s := fmt.Sprintf("%d %s%s", len(group), adjective, kind)
	if fallback {
		return s + " without an owner"
	}
	return s + " of yours"
}

// will says what happens next to the items of group and from when ("
// will be quarantined on 2026-12-21"), after lead (", which"); "" when
// nothing is scheduled. The earliest step's date is given; "from" says
// that the items' dates differ, and each kind of step is named
// ("quarantined or deleted").
func will(group []iamsweep.NoticeItem, lead string) string {
	var verbs []string
	var first time.Time
	dated, same := false, true
	for _, it := range group {
		if it.Next == "" {
			continue
		}
		if v := verb(it.Next); !slices.Contains(verbs, v) {
			verbs = append(verbs, v)
		}
		if it.NextAt.IsZero() {
			continue
		}
		switch {
		case !dated:
			first, dated = it.NextAt, true
		case date(it.NextAt) != date(first):
			same = false
			if it.NextAt.Before(first) {
				first = it.NextAt
			}
		}
	}
	if len(verbs) == 0 {
		return ""
	}
	s := lead + " will be " + strings.Join(verbs, " or ")
	switch {
	case !dated:
	case same:
		s += " on " + date(first)
	default:
		s += " from " + date(first)
	}
	return s
}

// verb says what a step does to a principal, as a participle.
func verb(k iamsweep.ActionKind) string {
	switch k {
	case iamsweep.ActionQuarantine:
		return "quarantined"
	case iamsweep.ActionDelete, iamsweep.ActionDeleteKey, iamsweep.ActionDeletePassword:
		return "deleted"
	case iamsweep.ActionDeactivateKey:
		return "deactivated"
	}
	return "changed"
}
