package credreport

import (
	"sort"
	"strings"
	"time"

	"github.com/iamsweep/iamsweep"
)

// Join merges the users of an account's authorization details (path, ID,
// tags, groups, policies; HasDetails set) with the users of its credential
// report (password and keys; HasCredentials set), matching them by name as
// IAM does (user names are unique regardless of case). A user found in only
// one of the two keeps what that one holds: a user created after the report
// was generated has no credential data, one deleted since has no details.
// The root user comes from the report. The result is sorted by name.
func Join(details, report []iamsweep.User) []iamsweep.User {
	byName := make(map[string]int, len(report))
	out := make([]iamsweep.User, 0, max(len(details), len(report)))
	for _, r := range report {
		byName[strings.ToLower(r.Name)] = len(out)
		out = append(out, r)
	}
	for _, d := range details {
		i, ok := byName[strings.ToLower(d.Name)]
		if !ok || out[i].Root {
			out = append(out, d)
			continue
		}
		merged := d
		merged.HasCredentials = true
		c := out[i]
		merged.Password = c.Password
		merged.AccessKeys = c.AccessKeys
		merged.MFAActive = c.MFAActive
		merged.ActiveCertificates = c.ActiveCertificates
		if merged.Created.IsZero() {
			merged.Created = c.Created
		}
		if merged.AccountID == "" {
			merged.AccountID = c.AccountID
		}
		out[i] = merged
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

// ListedKey is an access key as ListAccessKeys returns it.
type ListedKey struct {
	ID      string
	Active  bool
	Created time.Time
}

// MatchKeys gives the report's key slots their access key IDs. The report
// has no IDs; ListAccessKeys has no slots. A slot's last_rotated is its
// key's creation time, so keys are matched on that (to the second), and
// what remains is matched in creation order, slot 1 first, as IAM fills
// slots (last_rotated may also be a later change of the key, which is why
// the order is the fallback). The listing is fresher than the report (which
// can be four hours old), so a matched key takes its status from it; a slot
// left without a key keeps no ID.
func MatchKeys(slots []iamsweep.AccessKey, listed []ListedKey) []iamsweep.AccessKey {
	out := append([]iamsweep.AccessKey(nil), slots...)
	used := make([]bool, len(listed))
	assign := func(i, j int) {
		out[i].ID = listed[j].ID
		out[i].Active = listed[j].Active
		used[j] = true
	}
	for i := range out {
		for j, k := range listed {
			if !used[j] && !out[i].Created.IsZero() && out[i].Created.Truncate(time.Second).Equal(k.Created.Truncate(time.Second)) {
				assign(i, j)
				break
			}
		}
	}
	rest := make([]int, 0, len(listed))
	for j := range listed {
		if !used[j] {
			rest = append(rest, j)
		}
	}
	sort.SliceStable(rest, func(a, b int) bool { return listed[rest[a]].Created.Before(listed[rest[b]].Created) })
	for i := range out {
		if out[i].ID != "" || len(rest) == 0 {
			continue
		}
		assign(i, rest[0])
		rest = rest[1:]
	}
	return out
}
