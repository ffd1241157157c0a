package remediate

import (
	"fmt"
	"slices"
	"strings"

	"github.com/iamsweep/iamsweep"
)

// CompareRoles lists the restorable fields where role got differs from
// backup want: everything but the unique ID, creation time and last use.
func CompareRoles(want, got iamsweep.RoleState) []string {
	var d diffs
	d.str("path", want.Path, got.Path)
	d.str("description", want.Description, got.Description)
	d.num("max session duration", want.MaxSessionDuration, got.MaxSessionDuration)
	d.json("trust policy", want.TrustPolicy, got.TrustPolicy)
	d.str("permissions boundary", want.PermissionsBoundary, got.PermissionsBoundary)
	d.tags(want.Tags, got.Tags)
	d.docs(want.InlinePolicies, got.InlinePolicies)
	d.set("attached policies", want.AttachedPolicies, got.AttachedPolicies)
	var wp, gp []string
	for _, p := range want.InstanceProfiles {
		wp = append(wp, p.Path+p.Name+" "+tagString(p.Tags))
	}
	for _, p := range got.InstanceProfiles {
		gp = append(gp, p.Path+p.Name+" "+tagString(p.Tags))
	}
	d.set("instance profiles", wp, gp)
	return d.out
}

// CompareUsers lists the restorable fields where user got differs from
// backup want: path, boundary, tags, policies, groups, SSH keys and
// signing certificates (secrets cannot be restored and are not compared).
func CompareUsers(want, got iamsweep.UserState) []string {
	var d diffs
	d.str("path", want.Path, got.Path)
	d.str("permissions boundary", want.PermissionsBoundary, got.PermissionsBoundary)
	d.tags(want.Tags, got.Tags)
	d.docs(want.InlinePolicies, got.InlinePolicies)
	d.set("attached policies", want.AttachedPolicies, got.AttachedPolicies)
	d.set("groups", want.Groups, got.Groups)
	var ws, gs []string
	for _, k := range want.SSHPublicKeys {
		ws = append(ws, strings.TrimSpace(k.Body)+fmt.Sprintf(" active=%t", k.Active))
	}
	for _, k := range got.SSHPublicKeys {
		gs = append(gs, strings.TrimSpace(k.Body)+fmt.Sprintf(" active=%t", k.Active))
	}
	d.set("SSH public keys", ws, gs)
	var wc, gc []string
	for _, c := range want.SigningCertificates {
		wc = append(wc, strings.TrimSpace(c.Body)+fmt.Sprintf(" active=%t", c.Active))
	}
	for _, c := range got.SigningCertificates {
		gc = append(gc, strings.TrimSpace(c.Body)+fmt.Sprintf(" active=%t", c.Active))
	}
	d.set("signing certificates", wc, gc)
	return d.out
}

type diffs struct{ out []string }

func (d *diffs) str(field, want, got string) {
	if want != got {
		d.out = append(d.out, fmt.Sprintf("%s: backup %q, now %q", field, want, got))
	}
}

func (d *diffs) num(field string, want, got int) {
	if want != got {
		d.out = append(d.out, fmt.Sprintf("%s: backup %d, now %d", field, want, got))
	}
}

func (d *diffs) json(field, want, got string) {
	if !SameJSON(want, got) {
		d.out = append(d.out, fmt.Sprintf("%s: backup %s, now %s", field, want, got))
	}
}

func (d *diffs) tags(want, got []iamsweep.Tag) {
	d.set("tags", tagStrings(want), tagStrings(got))
}

func (d *diffs) docs(want, got []iamsweep.NamedDocument) {
	var w, g []string
	for _, p := range want {
		w = append(w, p.Name+"="+CompactJSON(p.Document))
	}
	for _, p := range got {
		g = append(g, p.Name+"="+CompactJSON(p.Document))
	}
	d.set("inline policies", w, g)
}

func (d *diffs) set(field string, want, got []string) {
	w, g := slices.Clone(want), slices.Clone(got)
	slices.Sort(w)
	slices.Sort(g)
	if !slices.Equal(w, g) {
		d.out = append(d.out, fmt.Sprintf("%s: backup %q, now %q", field, w, g))
	}
}

func tagStrings(tags []iamsweep.Tag) []string {
	out := make([]string, len(tags))
	for i, t := range tags {
		out[i] = t.Key + "=" + t.Value
	}
	return out
}

func tagString(tags []iamsweep.Tag) string {
	s := tagStrings(tags)
	slices.Sort(s)
	return strings.Join(s, ",")
}
