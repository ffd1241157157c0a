package refs

import (
	"cmp"
	"fmt"
	"slices"
	"strings"

	"github.com/iamsweep/iamsweep"
)

// Index holds, for one account or an organization, everything that may
// point at a principal: built once from the roles and users of the export
// and the bindings read per account and Region, then looked up per
// principal without further reads.
type Index struct {
	principals map[iamsweep.PrincipalKey]principal
	// exact holds references found by an exact name (ARN or role binding),
	// byID those found by a unique ID.
	exact map[iamsweep.PrincipalKey][]iamsweep.Reference
	byID  map[string][]iamsweep.Reference
	// patterns are mentions by wildcard or condition, matched per lookup.
	patterns []patternRef
	// profiles maps an instance profile ARN to the keys of its roles.
	profiles map[string][]iamsweep.PrincipalKey
	// instances are EC2 bindings, resolved through profiles at lookup
	// (the export and the instances may be added in any order).
	instances  []iamsweep.Binding
	notChecked []iamsweep.NotChecked
	// stacks are the CloudFormation stacks read, by stack ID.
	stacks map[string]iamsweep.Stack
}

type principal struct{ arn, id, kind string }

type patternRef struct {
	m   Mention
	ref iamsweep.Reference
}

// NewIndex returns an empty index.
func NewIndex() *Index {
	return &Index{
		principals: map[iamsweep.PrincipalKey]principal{},
		exact:      map[iamsweep.PrincipalKey][]iamsweep.Reference{},
		byID:       map[string][]iamsweep.Reference{},
		profiles:   map[string][]iamsweep.PrincipalKey{},
		stacks:     map[string]iamsweep.Stack{},
	}
}

// AddRole indexes a role of the export: the principals its trust policy
// names (role chaining), its instance profiles and its CloudFormation
// ownership.
func (x *Index) AddRole(r iamsweep.Role) {
	key := iamsweep.NewPrincipalKey(r.AccountID, "role", r.Name)
	x.principals[key] = principal{arn: r.ARN, id: r.ID, kind: "role"}
	for _, m := range Mentions(r.TrustPolicy) {
		if m.Effect != "Allow" {
			continue // a Deny in a trust policy grants nothing to break
		}
		ref := iamsweep.Reference{
			Kind: iamsweep.RefTrustPolicy, AccountID: r.AccountID, ARN: r.ARN, Name: r.Name, Service: "iam",
			Match: m.Match, BlocksDelete: !m.Negated && !m.BroadPattern(),
			Why: fmt.Sprintf("role %s trusts this principal (%s): it can assume %s, and a new principal of the same name would not be trusted", r.Name, describeMatch(m), r.Name),
		}
		x.addMention(key, m, ref)
	}
	for _, p := range r.InstanceProfiles {
		x.profiles[p.ARN] = append(x.profiles[p.ARN], key)
		x.exact[key] = append(x.exact[key], iamsweep.Reference{
			Kind: iamsweep.RefInstanceProfile, AccountID: r.AccountID, ARN: p.ARN, Name: p.Name, Service: "iam", Match: "role",
			Why: fmt.Sprintf("instance profile %s holds this role: EC2 instances, launch templates and Auto Scaling groups that name the profile run as it", p.Name),
		})
	}
	if ref, ok := ownership(r.AccountID, "role", r.Tags); ok {
		x.exact[key] = append(x.exact[key], ref)
	}
}

// AddUser indexes a user of the export: its CloudFormation ownership.
func (x *Index) AddUser(u iamsweep.User) {
	if u.Root || u.Name == "" {
		return
	}
	key := iamsweep.NewPrincipalKey(u.AccountID, "user", u.Name)
	x.principals[key] = principal{arn: u.ARN, id: u.ID, kind: "user"}
	if ref, ok := ownership(u.AccountID, "user", u.Tags); ok {
		x.exact[key] = append(x.exact[key], ref)
	}
}

// ownership returns the reference of the CloudFormation stack whose tags
// a principal carries.
func ownership(accountID, kind string, tags []iamsweep.Tag) (iamsweep.Reference, bool) {
	var name, id string
	for _, t := range tags {
		switch t.Key {
		case "aws:cloudformation:stack-name":
			name = t.Value
		case "aws:cloudformation:stack-id":
			id = t.Value
		}
	}
	if name == "" && id == "" {
		return iamsweep.Reference{}, false
	}
	region := ""
	if a, err := iamsweep.ParseARN(id); err == nil {
		region = a.Region
	}
	return iamsweep.Reference{
		Kind: iamsweep.RefCloudFormation, AccountID: accountID, Region: region, ARN: id, Name: name,
		Service: "cloudformation", Match: "tag", BlocksDelete: true,
		Why: fmt.Sprintf("CloudFormation stack %s created this %s: removing it outside the stack makes the stack drift, and its next update or delete fails", cmp.Or(name, id), kind),
	}, true
}

// AddBinding indexes a resource read from an AWS service: the roles it
// runs as, its instance profiles (resolved through the roles' instance
// profiles), and the principals its resource-based policy names.
func (x *Index) AddBinding(b iamsweep.Binding) {
	what := cmp.Or(b.Type, string(b.Kind)) + " " + cmp.Or(b.Name, b.ARN)
	for _, arn := range b.RoleARNs {
		k, ok := principalKey(arn)
		if !ok && arn != "" && !strings.ContainsAny(arn, ":/") {
			// a role's short name (ECS keeps a task role given so):
			// a role of the resource's account
			k, ok = iamsweep.NewPrincipalKey(b.AccountID, "role", arn), true
		}
		if !ok {
			continue
		}
		x.exact[k] = append(x.exact[k], bindingRef(b, "role", true,
			fmt.Sprintf("%s%s uses this role", what, stateSuffix(b.State))))
	}
	if len(b.InstanceProfileARNs) > 0 {
		x.instances = append(x.instances, b)
	}
	for _, m := range Mentions(b.Policy) {
		verb := "allows"
		blocks := true
		switch {
		case m.Negated:
			verb = "makes an exception for"
		case m.Effect == "Deny":
			verb, blocks = "denies", false
		}
		if m.BroadPattern() {
			blocks = false
		}
		ref := bindingRef(b, m.Match, blocks, fmt.Sprintf("the resource policy of %s %s this principal (%s%s)", what, verb, describeMatch(m), sid(m)))
		x.addMention(iamsweep.PrincipalKey{}, m, ref)
	}
}

func sid(m Mention) string {
	if m.Sid == "" {
		return ""
	}
	return ", statement " + m.Sid
}

func bindingRef(b iamsweep.Binding, match string, blocks bool, why string) iamsweep.Reference {
	return iamsweep.Reference{
		Kind: b.Kind, AccountID: b.AccountID, Region: b.Region, ARN: b.ARN, Name: b.Name, Service: b.Service,
		Match: match, BlocksDelete: blocks, Why: why,
	}
}

// AddNotChecked records a source of references that could not be read.
func (x *Index) AddNotChecked(n ...iamsweep.NotChecked) { x.notChecked = append(x.notChecked, n...) }

// addMention files a reference under the principal an exact mention
// names, or with the patterns. self is the key of the role whose trust
// policy it is (a role naming itself is no chain).
func (x *Index) addMention(self iamsweep.PrincipalKey, m Mention, ref iamsweep.Reference) {
	switch {
	case m.pattern || m.userID || m.userName:
		x.patterns = append(x.patterns, patternRef{m: m, ref: ref})
	case isUniqueID(m.Value):
		x.byID[m.Value] = append(x.byID[m.Value], ref)
	default:
		if k, ok := principalKey(m.Value); ok && k != self {
			x.exact[k] = append(x.exact[k], ref)
		}
	}
}

func describeMatch(m Mention) string {
	switch m.Match {
	case "arn":
		return "by ARN"
	case "unique-id":
		return "by unique ID " + m.Value
	case "wildcard":
		return "through the pattern " + m.Value
	case "not-principal":
		return "as NotPrincipal"
	}
	return "in a condition on " + m.Value
}

// Lookup returns the references to the principal of a role or user ARN.
// Found is false when no role or user of that name was indexed (the
// references by ARN are still returned).
func (x *Index) Lookup(arn string) (iamsweep.PrincipalReferences, error) {
	t, err := NewTarget(arn)
	if err != nil {
		return iamsweep.PrincipalReferences{}, err
	}
	key := t.key()
	p, found := x.principals[key]
	if found {
		// Patterns are matched against the ARN IAM has, with its path
		// and case, not the one asked for (role/Nightly-ETL names
		// role/jobs/nightly-etl).
		t.ID, t.ARN = p.id, cmp.Or(p.arn, t.ARN)
	}
	out := iamsweep.PrincipalReferences{ARN: arn, ID: t.ID, AccountID: t.AccountID, Kind: t.Kind, Found: found}
	refs := slices.Clone(x.exact[key])
	if t.ID != "" {
		refs = append(refs, x.byID[t.ID]...)
	}
	for _, pr := range x.patterns {
		if pr.ref.Kind == iamsweep.RefTrustPolicy && pr.ref.ARN == p.arn && found {
			continue // the role's own trust policy
		}
		if pr.m.Matches(t) {
			refs = append(refs, pr.ref)
		}
	}
	if t.Kind == "role" {
		for _, b := range x.instances {
			for _, pa := range b.InstanceProfileARNs {
				if slices.Contains(x.profiles[pa], key) {
					refs = append(refs, bindingRef(b, "instance-profile", true, fmt.Sprintf("EC2 instance %s%s runs with instance profile %s, which holds this role",
						cmp.Or(b.Name, b.ARN), stateSuffix(b.State), pa[strings.LastIndexByte(pa, '/')+1:])))
				}
			}
		}
	}
	for i, r := range refs {
		if r.Kind == iamsweep.RefCloudFormation {
			refs[i] = x.stackOwnership(r, t)
		}
	}
	slices.SortFunc(refs, compareRefs)
	out.References = slices.CompactFunc(refs, func(a, b iamsweep.Reference) bool { return compareRefs(a, b) == 0 })
	for _, n := range x.notChecked {
		if n.AccountID == "" || n.AccountID == t.AccountID {
			out.NotChecked = append(out.NotChecked, n)
		}
	}
	return out, nil
}

func stateSuffix(s string) string {
	if s == "" {
		return ""
	}
	return " (" + s + ")"
}

func compareRefs(a, b iamsweep.Reference) int {
	return cmp.Or(
		cmp.Compare(a.Kind, b.Kind),
		cmp.Compare(a.AccountID, b.AccountID),
		cmp.Compare(a.Region, b.Region),
		cmp.Compare(a.ARN, b.ARN),
		cmp.Compare(a.Why, b.Why),
		cmp.Compare(a.Match, b.Match),
	)
}
