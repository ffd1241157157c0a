package fakeaws

// listAccessKeys answers ListAccessKeys for the named user.
func (s *Server) listAccessKeys(acct *Account, req *request, x *xmlw) *apiError {
	name := req.form.Get("UserName")
	if name == "" {
		// IAM would use the caller's own user; the fake has no caller
		// identity, and iamsweep always names the user.
		return errorf(400, "ValidationError", "fakeaws: ListAccessKeys needs UserName")
	}
	u := findNamed(acct.Users, name)
	if u == nil {
		return noSuch("user", name)
	}
	return page(s, req, x, "keys,"+u.Name, "AccessKeyMetadata", u.AccessKeys, func(k *AccessKey) {
		x.elem("UserName", u.Name)
		x.elem("AccessKeyId", k.ID)
		status := "Active"
		if k.Inactive {
			status = "Inactive"
		}
		x.elem("Status", status)
		x.time("CreateDate", k.Created)
	})
}

// listAccountAliases answers ListAccountAliases: the account's one alias,
// or an empty list.
func (s *Server) listAccountAliases(acct *Account, req *request, x *xmlw) *apiError {
	var aliases []string
	if acct.Alias != "" {
		aliases = append(aliases, acct.Alias)
	}
	return page(s, req, x, "aliases", "AccountAliases", aliases, func(a string) { x.text(a) })
}

func equalFold(a, b string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := 0; i < len(a); i++ {
		x, y := a[i], b[i]
		if 'A' <= x && x <= 'Z' {
			x += 'a' - 'A'
		}
		if 'A' <= y && y <= 'Z' {
			y += 'a' - 'A'
		}
		if x != y {
			return false
		}
	}
	return true
}

// userDetail renders the members of a UserDetail.
func (x *xmlw) userDetail(acct *Account, u *User) {
	x.user(acct, u, false)
	x.inlinePolicies("UserPolicyList", u.Inline)
	x.list("GroupList", len(u.Groups), func(i int) { x.text(u.Groups[i]) })
	x.attachedPolicies(u.Attached)
	x.boundary(u.Boundary)
	x.tags(u.Tags)
}
